"""Idempotent uploads: cases.idempotency_key, unique per owner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("idempotency_key", sa.String(160), nullable=True))
    # NULLs never collide (SQLite and PostgreSQL): uploads without a key are unaffected
    op.create_index("ux_cases_owner_idempotency", "cases", ["owner_id", "idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_cases_owner_idempotency", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("idempotency_key")
