"""routing changes: the log that every process follows to reload only what changed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pool_ids", sa.Text(), nullable=False),
        sa.Column("bot_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_changes")),
    )
    with op.batch_alter_table("routing_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_changes_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("routing_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_changes_at"))
    op.drop_table("routing_changes")
