"""Russian speaker keys fold every word to its dictionary form, not only names

`memoryhole.quotes.speaker_key` now lemmatises the descriptive words of a Russian speaker
("Сотрудники полиции" -> "полиция сотрудник"), so `memoryhole quotes --speaker полиция` finds it
and one speaker in two grammatical cases is no re-attribution. The keys stored before are computed
again with the code's own function, in batches (a store may hold millions of quotations); only
rows with Cyrillic speakers can change. Downgrading keeps the new keys: an older release reads
them as any other key (names are unchanged), it only stops folding new descriptive speakers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 5000
_CYRILLIC = re.compile("[\u0400-\u04ff]")

quotations = sa.table(
    "quotations",
    sa.column("id", sa.Integer),
    sa.column("speaker", sa.Text),
    sa.column("speaker_norm", sa.Text),
    sa.column("speaker_key", sa.Text),
)


def upgrade() -> None:
    from memoryhole.quotes.names import speaker_key  # the key as the code computes it now

    bind = op.get_bind()
    q = quotations.c
    last = 0
    while True:
        rows = bind.execute(
            sa.select(q.id, q.speaker, q.speaker_norm, q.speaker_key)
            .where(q.id > last, q.speaker_key.is_not(None))
            .order_by(q.id)
            .limit(BATCH)
        ).fetchall()
        if not rows:
            return
        last = rows[-1].id
        changed = []
        for row in rows:
            who = row.speaker_norm or row.speaker
            if who and _CYRILLIC.search(who) and speaker_key(who) != row.speaker_key:
                changed.append({"row_id": row.id, "new_key": speaker_key(who)})
        if changed:
            bind.execute(
                quotations.update()
                .where(q.id == sa.bindparam("row_id"))
                .values(speaker_key=sa.bindparam("new_key")),
                changed,
            )


def downgrade() -> None:
    pass  # the new keys stay (see above)
