"""Built-in job schedule: the job_runs table (when each periodic job last ran in any server process;
claiming a run is one conditional UPDATE, so several workers never run the same job twice).

Self-contained (touches nothing another revision adds), so it can be re-chained after any revision.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_run", sa.DateTime(), nullable=True),
        sa.Column("last_result", sa.String(300), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
