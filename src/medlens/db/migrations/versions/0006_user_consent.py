"""Privacy consent: users.consent_at (when the privacy notice was accepted at sign-up) and
users.consent_version (which version of the notice).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("consent_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("consent_version", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("consent_version")
        batch.drop_column("consent_at")
