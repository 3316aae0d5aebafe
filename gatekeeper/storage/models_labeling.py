"""Tables of the labeling queue and the model registry (on-site retraining)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.storage.models import Base, UTCDateTime


class LabelItemRow(Base):
    """One pass waiting for (or done with) a human label: the full frame, boxes and reads."""

    __tablename__ = "label_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    camera: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(32), default="operator")
    frame_path: Mapped[str] = mapped_column(Text, default="")
    plate_read: Mapped[str] = mapped_column(String(32), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    best_box_json: Mapped[str] = mapped_column(Text, default="null")
    boxes_json: Mapped[str] = mapped_column(Text, default="[]")
    reads_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    split: Mapped[str] = mapped_column(String(8), default="train")
    labelled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    plates: Mapped[list[LabelPlateRow]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="LabelPlateRow.id"
    )


class LabelPlateRow(Base):
    """One plate a human drew and typed on a labelled frame."""

    __tablename__ = "label_plates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("label_items.id", ondelete="CASCADE"), index=True)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)
    plate: Mapped[str] = mapped_column(String(32))
    plate_kind: Mapped[str] = mapped_column(String(32), default="")
    vehicle_type: Mapped[str] = mapped_column(String(32), default="")
    colour: Mapped[str] = mapped_column(String(32), default="")
    crop_file: Mapped[str] = mapped_column(Text, default="")
    item: Mapped[LabelItemRow] = relationship(back_populates="plates")


class ModelVersionRow(Base):
    """One trained (or shipped) model: lineage, data, metrics, files and whether it is in use."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    parent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data_size: Mapped[int] = mapped_column(Integer, default=0)
    metrics_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sha256_json: Mapped[str] = mapped_column(Text, default="{}")
    path: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="candidate", index=True)
    report_path: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
