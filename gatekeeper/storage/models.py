"""Typed declarative tables of the gate log: cameras, vehicles, passes, their reads and corrections.

Times are stored as naive UTC (``UTCDateTime``) so the same schema works on SQLite and PostgreSQL;
they come back timezone-aware. Enum-like values (lane, decision, category) are short strings so a
new value never needs a migration. Other helpers add tables in ``models_*.py`` on the same ``Base``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Gatekeeper table (shared with ``models_labeling``)."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, naive UTC in the database, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CameraRow(Base):
    """A camera that logged passes (rows are created on first use, by name)."""

    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    lane: Mapped[str] = mapped_column(String(16), default="entry")


class VehicleRow(Base):
    """A registered vehicle; ``plate`` is the normalized plate text and is unique."""

    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(32), unique=True)
    owner: Mapped[str] = mapped_column(String(128), default="")
    unit: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[str] = mapped_column(String(16), default="resident", index=True)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PassRow(Base):
    """One logged vehicle pass. ``plate_read`` is what the reader saw and is never changed."""

    __tablename__ = "passes"
    __table_args__ = (
        Index("ix_passes_camera_time", "camera_id", "time_utc"),
        Index("ix_passes_decision_time", "decision", "time_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    plate_read: Mapped[str] = mapped_column(String(32), default="")
    plate_norm: Mapped[str] = mapped_column(String(32), default="", index=True)
    corrected_plate: Mapped[str | None] = mapped_column(String(32), nullable=True)
    corrected_norm: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    time_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    lane: Mapped[str] = mapped_column(String(16), default="entry")
    decision: Mapped[str] = mapped_column(String(16), default="unknown")
    plate_format: Mapped[str] = mapped_column(String(32), default="")
    frame_path: Mapped[str] = mapped_column(Text, default="")
    crop_path: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(64), default="")
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), nullable=True, index=True
    )

    camera: Mapped[CameraRow] = relationship(lazy="joined")
    reads: Mapped[list[PassReadRow]] = relationship(
        back_populates="pass_", cascade="all, delete-orphan", order_by="PassReadRow.id"
    )


class PassReadRow(Base):
    """One per-frame read that voted for a pass."""

    __tablename__ = "pass_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(32), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    char_confidences: Mapped[str] = mapped_column(Text, default="[]")
    plate_format: Mapped[str] = mapped_column(String(32), default="")
    reader: Mapped[str] = mapped_column(String(32), default="")
    box_json: Mapped[str] = mapped_column(Text, default="null")
    frame_time: Mapped[float | None] = mapped_column(Float, nullable=True)

    pass_: Mapped[PassRow] = relationship(back_populates="reads")


class CorrectionRow(Base):
    """An operator's correction of a pass's plate (the audit trail; the original read is kept)."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id", ondelete="CASCADE"), index=True)
    old_text: Mapped[str] = mapped_column(String(32), default="")
    new_text: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(String(64), default="")
    time_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
