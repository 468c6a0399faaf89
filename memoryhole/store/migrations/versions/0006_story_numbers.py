"""numbers an article gives, as language-independent evidence for story links

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("story_signatures") as batch_op:
        batch_op.add_column(sa.Column("numbers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("story_signatures") as batch_op:
        batch_op.drop_column("numbers")
