"""Labeling queue (label_items, label_plates) and the model registry (model_versions).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pass_id", sa.Integer, nullable=True),
        sa.Column("camera", sa.String(64), nullable=False, server_default=""),
        sa.Column("reason", sa.String(32), nullable=False, server_default="operator"),
        sa.Column("frame_path", sa.Text, nullable=False, server_default=""),
        sa.Column("plate_read", sa.String(32), nullable=False, server_default=""),
        sa.Column("confidence", sa.Float, nullable=False, server_default="0"),
        sa.Column("best_box_json", sa.Text, nullable=False, server_default="null"),
        sa.Column("boxes_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("reads_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("split", sa.String(8), nullable=False, server_default="train"),
        sa.Column("labelled_by", sa.String(64), nullable=True),
        sa.Column("labelled_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_label_items_pass_id", "label_items", ["pass_id"])
    op.create_index("ix_label_items_created_at", "label_items", ["created_at"])
    op.create_index("ix_label_items_status", "label_items", ["status"])
    op.create_index("ix_label_items_labelled_at", "label_items", ["labelled_at"])
    op.create_table(
        "label_plates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("label_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("x1", sa.Float, nullable=False),
        sa.Column("y1", sa.Float, nullable=False),
        sa.Column("x2", sa.Float, nullable=False),
        sa.Column("y2", sa.Float, nullable=False),
        sa.Column("plate", sa.String(32), nullable=False),
        sa.Column("plate_kind", sa.String(32), nullable=False, server_default=""),
        sa.Column("vehicle_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("colour", sa.String(32), nullable=False, server_default=""),
        sa.Column("crop_file", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_label_plates_item_id", "label_plates", ["item_id"])
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("data_size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("metrics_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sha256_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("path", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="candidate"),
        sa.Column("report_path", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_model_versions_kind", "model_versions", ["kind"])
    op.create_index("ix_model_versions_status", "model_versions", ["status"])


def downgrade() -> None:
    op.drop_table("model_versions")
    op.drop_table("label_plates")
    op.drop_table("label_items")
