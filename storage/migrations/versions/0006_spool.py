"""spool: the ids of spooled redirect-count batches already written (exactly once)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spooled_batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spooled_batches")),
    )


def downgrade() -> None:
    op.drop_table("spooled_batches")
