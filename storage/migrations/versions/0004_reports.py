"""reports: the operator's time zone and daily digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(
            sa.Column(
                "time_zone",
                sa.String(length=64),
                server_default="America/Sao_Paulo",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("digest_hour", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("digest_sent_on")
        batch.drop_column("digest_hour")
        batch.drop_column("time_zone")
