"""Qt-free results the pipeline hands to the UI and services (ndarrays are owned copies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from gatekeeper.domain.types import Box, PlateRead

Frame = Any  # numpy.ndarray, HxWx3 uint8 BGR


@dataclass(frozen=True, slots=True)
class Detection:
    """A plate box found in one frame."""

    box: Box
    score: float


@dataclass(slots=True)
class PlateObservation:
    """One plate in one frame: its box, track and (if read) text."""

    detection: Detection
    track_id: int
    read: PlateRead | None = None
    crop: Frame | None = None


@dataclass(slots=True)
class PlatePass:
    """A vehicle pass decided by voting over the frames of one track: exactly one per vehicle."""

    track_id: int
    camera: str
    text: str
    confidence: float
    plate_format: str
    first_seen: float
    last_seen: float
    best_crop: Frame
    best_frame: Frame
    best_box: Box
    reads: list[PlateRead] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    frame_timestamp: float = 0.0


@dataclass(slots=True)
class FrameResult:
    """Everything the pipeline produced for one analysed frame."""

    camera: str
    frame: Frame
    timestamp: float
    observations: list[PlateObservation] = field(default_factory=list)
    passes: list[PlatePass] = field(default_factory=list)
    stage_ms: dict[str, float] = field(default_factory=dict)
    read_ms: list[float] = field(default_factory=list)  # one entry per plate crop read in this frame
    read_cpu_ms: list[float] = field(default_factory=list)  # the same reads' CPU time in the reading thread
    read_boxes: list[Box] = field(default_factory=list)  # the same reads' boxes
    detected: bool = True  # False when the detector rested (a still frame, no open track needing reads)
    analysed_fps: float = 0.0
    dropped_frames: int = 0
    captured_at: float = 0.0  # time.time() when the frame was captured (end-to-end latency)


class PlateDetector(Protocol):
    """Finds plate boxes in a full frame."""

    name: str

    def detect(self, frame: Frame) -> list[Detection]: ...


class PlateReader(Protocol):
    """Reads the text of one plate crop."""

    name: str

    def read(self, crop: Frame) -> PlateRead | None: ...
