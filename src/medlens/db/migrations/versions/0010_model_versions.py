"""Model registry: the model_versions table (versions of each served image model, their bundle, metrics,
comparison with the active version, status candidate/active/retired/rolled_back).

Self-contained (touches nothing another revision adds), so it can be re-chained after any revision.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("card_version", sa.String(32), nullable=False),
        sa.Column("bundle_dir", sa.String(1000), nullable=False),
        sa.Column("weights_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parent_version", sa.Integer(), nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("dataset_version", sa.Integer(), nullable=True),
        sa.Column("dataset_sha256", sa.String(64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("promoted_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("promoted_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ux_model_versions_model_version", "model_versions", ["model", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_model_versions_model_version", table_name="model_versions")
    op.drop_table("model_versions")
