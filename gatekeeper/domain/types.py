"""Value objects shared by every layer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

MODEL_KINDS = ("detector", "reader", "latin-reader")  # the plate detector, the Korean reader,
# the Latin network


class Lane(str, enum.Enum):
    """Which way a camera looks."""

    ENTRY = "entry"
    EXIT = "exit"


class Decision(str, enum.Enum):
    """What the gate decided for one vehicle pass."""

    REGISTERED = "registered"
    VISITOR = "visitor"
    UNKNOWN = "unknown"
    DENIED = "denied"


class VehicleCategory(str, enum.Enum):
    """Category of a vehicle in the site's registry."""

    RESIDENT = "resident"
    STAFF = "staff"
    VISITOR = "visitor"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in pixel coordinates of the full frame."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return max(0.0, self.x2 - self.x1)

    @property
    def height(self) -> float:
        return max(0.0, self.y2 - self.y1)

    @property
    def area(self) -> float:
        return self.width * self.height

    def offset(self, other: Box) -> tuple[float, float]:
        """How far ``other``'s centre lies from this box's centre (x, y)."""
        return (other.x1 + other.x2 - self.x1 - self.x2) / 2, (other.y1 + other.y2 - self.y1 - self.y2) / 2

    def intersection(self, other: Box) -> float:
        """The area this box shares with ``other``."""
        iw = max(0.0, min(self.x2, other.x2) - max(self.x1, other.x1))
        ih = max(0.0, min(self.y2, other.y2) - max(self.y1, other.y1))
        return iw * ih

    def containment(self, other: Box) -> float:
        """The share of the smaller of the two boxes that the other covers (1.0: one holds the other)."""
        small = min(self.area, other.area)
        return self.intersection(other) / small if small > 0 else 0.0

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other``."""
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One reading of one plate crop."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...] = ()
    plate_format: str = ""
    reader: str = ""
    gap_before: int = -1
    """Index of the character that a glyph-wide empty stretch of the read precedes: a glyph the reader
    passed over (a Korean plate's Hangul read by the Latin network); -1 when none was seen."""


@dataclass(slots=True)
class Vehicle:
    """A registered vehicle of the site."""

    plate: str
    category: VehicleCategory = VehicleCategory.RESIDENT
    owner: str = ""
    unit: str = ""
    phone: str = ""
    notes: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class PassRecord:
    """One logged vehicle pass (what the entries log shows)."""

    plate_read: str
    confidence: float
    time_utc: datetime
    camera: str
    lane: Lane
    decision: Decision
    corrected_plate: str | None = None
    frame_path: str = ""
    crop_path: str = ""
    model_version: str = ""
    plate_format: str = ""
    vehicle_id: int | None = None
    reads: list[PlateRead] = field(default_factory=list)
    id: int | None = None

    @property
    def plate(self) -> str:
        """The plate as the site should see it: the operator's correction wins."""
        return self.corrected_plate or self.plate_read


@dataclass(frozen=True, slots=True)
class Correction:
    """An operator's correction of a logged pass's plate (the audit trail)."""

    pass_id: int
    old_text: str
    new_text: str
    operator: str
    time_utc: datetime
    id: int | None = None
