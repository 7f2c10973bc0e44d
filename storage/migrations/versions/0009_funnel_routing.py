"""funnel routing: backend health, slow start, hourly caps, sticky leads, fallback
link, campaigns (issue 17)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _hourly(table: str, key: str, length: int) -> None:
    op.create_table(
        table,
        sa.Column("pool_id", Id, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column(key, sa.String(length=length), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f(f"fk_{table}_pool_id_pools"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pool_id", "hour", key, name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_hour", table, ["hour"])


def upgrade() -> None:
    with op.batch_alter_table("bots") as batch:
        batch.add_column(sa.Column("recovered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("backend_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("backend_pending", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("backend_error_date", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("backend_checked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("pools") as batch:
        batch.add_column(sa.Column("fallback_url", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("sticky_days", sa.SmallInteger(), server_default="30", nullable=False)
        )
        batch.add_column(
            sa.Column("capacity_level", sa.String(length=8), server_default="ok", nullable=False)
        )
    with op.batch_alter_table("pool_members") as batch:
        batch.add_column(sa.Column("hourly_cap", sa.Integer(), nullable=True))
    with op.batch_alter_table("redirect_counts") as batch:
        batch.add_column(
            sa.Column("returning_leads", sa.BigInteger(), server_default="0", nullable=False)
        )
    _hourly("campaign_counts", "campaign", 64)
    _hourly("outcome_counts", "outcome", 16)


def downgrade() -> None:
    op.drop_table("outcome_counts")
    op.drop_table("campaign_counts")
    with op.batch_alter_table("redirect_counts") as batch:
        batch.drop_column("returning_leads")
    with op.batch_alter_table("pool_members") as batch:
        batch.drop_column("hourly_cap")
    with op.batch_alter_table("pools") as batch:
        batch.drop_column("capacity_level")
        batch.drop_column("sticky_days")
        batch.drop_column("fallback_url")
    with op.batch_alter_table("bots") as batch:
        batch.drop_column("backend_checked_at")
        batch.drop_column("backend_error_date")
        batch.drop_column("backend_pending")
        batch.drop_column("backend_error")
        batch.drop_column("recovered_at")
