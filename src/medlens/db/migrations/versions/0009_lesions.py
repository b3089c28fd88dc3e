"""Follow-up of the same lesion: the lesions table (a patient's lesion: body site, nickname, next check
date and the date last reminded of) and cases.lesion_id (the lesion a photo follows, nullable).

Self-contained (touches nothing another revision adds), so it can be re-chained after any revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "lesions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("body_site", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_check", sa.Date(), nullable=True),
        sa.Column("reminded_for", sa.Date(), nullable=True),
    )
    op.create_index("ix_lesions_owner_id", "lesions", ["owner_id"])
    op.create_index("ix_lesions_next_check", "lesions", ["next_check"])
    # a plain ADD COLUMN: a batch copy of ``cases`` would drop the table, and with SQLite's foreign keys on,
    # that deletes every reply and notice that cascades from it. SQLite cannot add a constraint to an
    # existing table, so there the link is kept by the application (lesions.py); elsewhere it is a real FK.
    op.add_column("cases", sa.Column("lesion_id", sa.Integer(), nullable=True))
    op.create_index("ix_cases_lesion_id", "cases", ["lesion_id"])
    if not _sqlite():
        op.create_foreign_key("fk_cases_lesion_id", "cases", "lesions", ["lesion_id"], ["id"])


def downgrade() -> None:
    if not _sqlite():
        op.drop_constraint("fk_cases_lesion_id", "cases", type_="foreignkey")
    op.drop_index("ix_cases_lesion_id", table_name="cases")
    op.drop_column("cases", "lesion_id")  # SQLite >= 3.35: a plain DROP COLUMN (no table copy, see above)
    op.drop_index("ix_lesions_next_check", table_name="lesions")
    op.drop_index("ix_lesions_owner_id", table_name="lesions")
    op.drop_table("lesions")
