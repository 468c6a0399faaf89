"""where each article stood in a listing when first seen (to tell unlisting from rolling off)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.add_column(sa.Column("first_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_position", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_column("last_position")
        batch_op.drop_column("first_position")
