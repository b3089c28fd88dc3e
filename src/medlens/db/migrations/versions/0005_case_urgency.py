"""Time-critical results: cases.onset_hours (hours since symptom onset at upload) and
cases.urgent_until (when a screen-positive's treatment window closes; indexed for the clinician queue).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("onset_hours", sa.Float(), nullable=True))
    op.add_column("cases", sa.Column("urgent_until", sa.DateTime(), nullable=True))
    op.create_index("ix_cases_urgent_until", "cases", ["urgent_until"])


def downgrade() -> None:
    op.drop_index("ix_cases_urgent_until", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("urgent_until")
        batch.drop_column("onset_hours")
