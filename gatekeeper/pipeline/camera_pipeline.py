"""Per-camera analysis: (motion gate) -> detect -> track -> read the tracks that need it -> vote."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box
from gatekeeper.pipeline.recognizer import CROP_MARGIN, crop_plate
from gatekeeper.pipeline.track_reads import TrackReads
from gatekeeper.pipeline.tracker import PlateTracker, dedupe_detections
from gatekeeper.pipeline.types import FrameResult, PlateDetector, PlateObservation, PlatePass, PlateReader

log = logging.getLogger(__name__)

# A plate is wider than tall (a square rear plate ~1.2:1, at a steep angle ~0.8:1); a box under 3:4 is a
# headlight, a pole or a sign, and reading one costs the whole reader chain (20-50 ms) for nothing.
MIN_READ_ASPECT = 0.75


def _default_motion_gate() -> Any:
    from gatekeeper.pipeline.motion import MotionGate

    return MotionGate()


def _has_motion(gate: Any, frame: np.ndarray) -> bool:
    """``MotionGate.__call__``: True when the frame changed enough (or the gate forces a look)."""
    return bool(gate(frame))


class CameraPipeline:
    """Turns frames of one camera into observations and, via voting, one ``PlatePass`` per vehicle.

    Reads are spent only where useful: a track is read until it is decided (or ``max_reads_per_track``),
    plates narrower than ``min_read_width`` pixels are not read at all, nor boxes taller than a plate can look
    to a camera mounted upright (width under ``min_read_aspect`` x height: a headlight, a pole), a box that
    never moves is read only a few times (scenery, see :class:`PlateTracker`), and with ``motion_gate`` the
    detector is skipped on still frames when no open track needs a read. With ``unsmear``, weak reads of
    smeared crops are compared with reads of the crops unsmeared (:class:`TrackReads`).
    """

    def __init__(
        self,
        camera: str,
        detector: PlateDetector,
        reader: PlateReader,
        voting: VotingSettings,
        *,
        motion_gate: bool | Any = True,
        upscale_min_width: int = 160,
        min_confidence: float = 0.5,
        min_read_width: int = 48,
        min_read_aspect: float = MIN_READ_ASPECT,
        max_reads_per_track: int = 12,
        early_reads: int = 3,
        early_confidence: float = 0.8,
        unsmear: bool = False,
    ) -> None:
        self.camera = camera
        self._lock = threading.Lock()
        self._detector = detector
        self._reader = reader
        self.voting = voting
        if motion_gate is True:
            self.motion_gate = _default_motion_gate()
        else:
            self.motion_gate = motion_gate or None
        self.min_confidence = min_confidence
        self.min_read_width = min_read_width
        self.min_read_aspect = min_read_aspect
        self.unreadable_boxes = 0  # boxes never read: too tall for a plate
        self.blank_boxes = 0  # crops not read: the reader saw nothing to read in them (reader_prep.blank)
        self.tracker = PlateTracker(camera, voting, early_reads=early_reads,
                                    early_confidence=early_confidence,
                                    max_reads_per_track=max_reads_per_track)
        self.frames = 0
        self.detector_skipped = 0
        self.reads = 0
        self.track_reads = TrackReads(camera, upscale_min_width, unsmear)

    @property
    def fallback_reads(self) -> int:
        """How often the whole reader chain ran (:class:`TrackReads`)."""
        return self.track_reads.fallback_reads

    @property
    def unsmeared(self) -> int:
        """How many weak reads were compared with reads of their crop unsmeared (:class:`TrackReads`)."""
        return self.track_reads.unsmeared

    @property
    def detector(self) -> PlateDetector:
        return self._detector

    @property
    def reader(self) -> PlateReader:
        return self._reader

    def set_models(self, detector: PlateDetector | None = None, reader: PlateReader | None = None) -> None:
        """Swap models between two frames (thread-safe); ``None`` keeps the current one."""
        with self._lock:
            if detector is not None:
                self._detector = detector
            if reader is not None:
                self._reader = reader
        log.info("%s: models swapped (detector=%s, reader=%s)", self.camera,
                 getattr(self._detector, "name", "?"), getattr(self._reader, "name", "?"))

    def process(self, frame: np.ndarray, timestamp: float, *, decode_ms: float = 0.0) -> FrameResult:
        """Analyse one frame; ``decode_ms`` is the capture/decode time measured by the caller."""
        with self._lock:
            detector, reader = self._detector, self._reader
        self.frames += 1
        t0 = time.perf_counter()
        moving = _has_motion(self.motion_gate, frame) if self.motion_gate is not None else True
        detected = moving or not self.tracker.settled()
        if not detected:
            # still scene, and nobody in view needs a read (a decided car waiting, a parked car, scenery):
            # skip the detector, the open tracks stay where they were
            held = self.tracker.hold(timestamp)
            detections = [d for _tid, d in held]
            ids = [tid for tid, _d in held]
            self.detector_skipped += 1
            t1 = time.perf_counter()
        else:
            detections = dedupe_detections(detector.detect(frame))
            t1 = time.perf_counter()
            ids = self.tracker.update(detections, timestamp)
        observations = []
        read_ms: list[float] = []
        read_cpu_ms: list[float] = []
        read_boxes: list[Box] = []
        for det, tid in zip(detections, ids):
            obs = PlateObservation(detection=det, track_id=tid)
            if self._readable(det.box) and self.tracker.needs_read(tid, timestamp):
                crop = crop_plate(frame, det.box, CROP_MARGIN)
                if self.track_reads.blank(reader, crop):  # a lamp or a wall: nothing to read
                    self.blank_boxes += 1
                    self.tracker.mark_read(tid, timestamp)
                    observations.append(obs)
                    continue
                t_read, cpu_read = time.perf_counter(), time.thread_time()
                read = self.track_reads.read(reader, crop, tid)
                read_ms.append((time.perf_counter() - t_read) * 1e3)
                read_cpu_ms.append((time.thread_time() - cpu_read) * 1e3)
                read_boxes.append(det.box)
                self.tracker.mark_read(tid, timestamp)
                self.reads += 1
                if read is not None and read.confidence >= self.min_confidence:
                    obs.read = read
                    obs.crop = crop
                    self.tracker.add_read(tid, read, crop, frame, det.box, timestamp)
            observations.append(obs)
        t2 = time.perf_counter()
        passes = self.tracker.step(timestamp)
        if len(self.track_reads) > len(self.tracker.tracks):
            self.track_reads.forget(self.tracker.tracks)
        t3 = time.perf_counter()
        for p in passes:
            log.info("%s: pass %s (%.2f, %d reads)", self.camera, p.text, p.confidence, len(p.reads))
        return FrameResult(
            camera=self.camera,
            frame=frame,
            timestamp=timestamp,
            observations=observations,
            passes=passes,
            stage_ms={"decode": decode_ms, "detect": (t1 - t0) * 1e3, "read": (t2 - t1) * 1e3,
                      "vote": (t3 - t2) * 1e3},
            read_ms=read_ms,
            read_cpu_ms=read_cpu_ms,
            read_boxes=read_boxes,
            detected=detected,
        )

    def _readable(self, box: Box) -> bool:
        """Wide enough to read, and not taller than a plate can look (counted in ``unreadable_boxes``)."""
        if box.width < self.min_read_width:
            return False
        if box.width < self.min_read_aspect * box.height:
            self.unreadable_boxes += 1
            return False
        return True

    def flush(self) -> list[PlatePass]:
        """End every open track (end of stream or shutdown) and return their passes."""
        return self.tracker.flush()
