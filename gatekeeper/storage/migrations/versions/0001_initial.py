"""Gate log: cameras, vehicles, passes, pass_reads, corrections.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cameras"),
        sa.UniqueConstraint("name", name="uq_cameras_name"),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("plate", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.DateTime, nullable=True),
        sa.Column("valid_until", sa.DateTime, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vehicles"),
        sa.UniqueConstraint("plate", name="uq_vehicles_plate"),
    )
    op.create_index("ix_vehicles_category", "vehicles", ["category"])
    op.create_table(
        "passes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("plate_read", sa.String(32), nullable=False),
        sa.Column("plate_norm", sa.String(32), nullable=False),
        sa.Column("corrected_plate", sa.String(32), nullable=True),
        sa.Column("corrected_norm", sa.String(32), nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("time_utc", sa.DateTime, nullable=False),
        sa.Column("camera_id", sa.Integer, nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("plate_format", sa.String(32), nullable=False),
        sa.Column("frame_path", sa.Text, nullable=False),
        sa.Column("crop_path", sa.Text, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("vehicle_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_passes"),
        sa.UniqueConstraint("uid", name="uq_passes_uid"),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_passes_camera_id_cameras",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name="fk_passes_vehicle_id_vehicles",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_passes_time_utc", "passes", ["time_utc"])
    op.create_index("ix_passes_plate_norm", "passes", ["plate_norm"])
    op.create_index("ix_passes_corrected_norm", "passes", ["corrected_norm"])
    op.create_index("ix_passes_vehicle_id", "passes", ["vehicle_id"])
    op.create_index("ix_passes_camera_time", "passes", ["camera_id", "time_utc"])
    op.create_index("ix_passes_decision_time", "passes", ["decision", "time_utc"])
    op.create_table(
        "pass_reads",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("pass_id", sa.Integer, nullable=False),
        sa.Column("text", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("char_confidences", sa.Text, nullable=False),
        sa.Column("plate_format", sa.String(32), nullable=False),
        sa.Column("reader", sa.String(32), nullable=False),
        sa.Column("box_json", sa.Text, nullable=False),
        sa.Column("frame_time", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pass_reads"),
        sa.ForeignKeyConstraint(["pass_id"], ["passes.id"], name="fk_pass_reads_pass_id_passes",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_pass_reads_pass_id", "pass_reads", ["pass_id"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("pass_id", sa.Integer, nullable=False),
        sa.Column("old_text", sa.String(32), nullable=False),
        sa.Column("new_text", sa.String(32), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("time_utc", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_corrections"),
        sa.ForeignKeyConstraint(["pass_id"], ["passes.id"], name="fk_corrections_pass_id_passes",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_corrections_pass_id", "corrections", ["pass_id"])
    op.create_index("ix_corrections_time_utc", "corrections", ["time_utc"])


def downgrade() -> None:
    op.drop_table("corrections")
    op.drop_table("pass_reads")
    op.drop_table("passes")
    op.drop_table("vehicles")
    op.drop_table("cameras")
