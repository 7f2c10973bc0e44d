"""alert outbox and quiet hours (issue 19)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", Id, nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("pool_id", Id, nullable=True),
        sa.Column("bot_id", Id, nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_alert_outbox_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
    )
    op.create_index(
        "ix_alert_outbox_pending", "alert_outbox", ["delivered_at", "operator_id"], unique=False
    )
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("quiet_from", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("quiet_to", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("quiet_to")
        batch.drop_column("quiet_from")
    op.drop_index("ix_alert_outbox_pending", table_name="alert_outbox")
    op.drop_table("alert_outbox")
