"""quotations per version, the indexer's done-marks, story signatures, keys and links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "quotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("speaker_norm", sa.Text(), nullable=True),
        sa.Column("speaker_key", sa.Text(), nullable=True),
        sa.Column("speaker_skeleton", sa.Text(), nullable=True),
        sa.Column("cue", sa.Text(), nullable=True),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("statement", sa.String(length=64), nullable=False),
        _fk("quotations", "version_id", "versions"),
        _fk("quotations", "article_id", "articles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotations")),
    )
    op.create_index("ix_quotations_version", "quotations", ["version_id"])
    op.create_index("ix_quotations_article", "quotations", ["article_id", "statement"])
    op.create_index("ix_quotations_speaker", "quotations", ["speaker_key"])
    op.create_index("ix_quotations_skeleton", "quotations", ["speaker_skeleton"])
    op.create_table(
        "quote_indexed",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        _fk("quote_indexed", "version_id", "versions"),
        _fk("quote_indexed", "article_id", "articles"),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_quote_indexed")),
    )
    op.create_index("ix_quote_indexed_article", "quote_indexed", ["article_id", "number"])
    op.create_table(
        "story_signatures",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("speakers", sa.JSON(), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=False),
        _fk("story_signatures", "article_id", "articles"),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_story_signatures")),
    )
    op.create_table(
        "story_keys",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("story_keys", "article_id", "articles"),
        sa.PrimaryKeyConstraint("article_id", "key", name=op.f("pk_story_keys")),
    )
    op.create_index("ix_story_keys_key", "story_keys", ["key", "at"])
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_table(
        "story_articles",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _fk("story_articles", "article_id", "articles"),
        _fk("story_articles", "story_id", "stories"),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_story_articles")),
    )
    op.create_index("ix_story_articles_story", "story_articles", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_story_articles_story", table_name="story_articles")
    op.drop_table("story_articles")
    op.drop_table("stories")
    op.drop_index("ix_story_keys_key", table_name="story_keys")
    op.drop_table("story_keys")
    op.drop_table("story_signatures")
    op.drop_index("ix_quote_indexed_article", table_name="quote_indexed")
    op.drop_table("quote_indexed")
    for name in ("skeleton", "speaker", "article", "version"):
        op.drop_index(f"ix_quotations_{name}", table_name="quotations")
    op.drop_table("quotations")
