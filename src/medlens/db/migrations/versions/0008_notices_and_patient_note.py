"""Notifications and the patient's note: the notices table (in-app notices, each for one user: a
clinician's reply, a case waiting too long) and cases.patient_note (what the patient wrote when sending
the case to a clinician).

Self-contained (touches nothing another revision adds), so it can be re-chained after any revision.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_notices_user_read", "notices", ["user_id", "read_at"])
    op.create_index("ix_notices_case_id", "notices", ["case_id"])
    op.add_column("cases", sa.Column("patient_note", sa.Text(), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite >= 3.35): a batch table copy would drop `cases`, and with SQLite's
    # foreign keys on that deletes every reply of every case
    op.drop_column("cases", "patient_note")
    op.drop_index("ix_notices_case_id", table_name="notices")
    op.drop_index("ix_notices_user_read", table_name="notices")
    op.drop_table("notices")
