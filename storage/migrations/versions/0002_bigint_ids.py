"""64-bit ids on every engine

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:30:00

PostgreSQL made the ids 32-bit `integer` (with 32-bit sequences) while the API accepts
any id up to 2**63 - 1. SQLite's INTEGER is 64-bit already: nothing to do there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> its id columns (primary key first, when the table numbers its rows)
ID_COLUMNS = {
    "bots": ["id"],
    "pools": ["id", "fallback_pool_id"],
    "pool_members": ["id", "pool_id", "bot_id"],
    "redirect_counts": ["pool_id", "bot_id"],
    "health_history": ["id", "bot_id"],
    "api_keys": ["id"],
}
NUMBERED = ("bots", "pools", "pool_members", "health_history", "api_keys")


def _retype(new: str, old: type[sa.types.TypeEngine]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.BigInteger() if new == "bigint" else old())
    for table in NUMBERED:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS {new}")


def upgrade() -> None:
    _retype("bigint", sa.BigInteger)


def downgrade() -> None:
    _retype("integer", sa.Integer)
