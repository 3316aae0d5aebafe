"""Real inputs for the UI tests: a generated video file and a classical (OpenCV) plate-box detector."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from gatekeeper.domain.types import Box
from gatekeeper.pipeline.types import Detection


def write_video(path: Path, seconds: float = 2.0, fps: int = 15, size: tuple[int, int] = (320, 240)) -> Path:
    """A grey scene with a white 'plate' rectangle moving across it (mp4v)."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), size)
    assert writer.isOpened(), "mp4v encoder unavailable"
    n = int(seconds * fps)
    for i in range(n):
        img = np.full((h, w, 3), 70, np.uint8)
        x = int(20 + (w - 120) * i / max(1, n - 1))
        cv2.rectangle(img, (x, 150), (x + 80, 176), (255, 255, 255), -1)
        cv2.putText(img, "AB12", (x + 8, 170), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)
        writer.write(img)
    writer.release()
    return path


class BrightBoxDetector:
    """Finds bright, plate-shaped blobs with a threshold and contours (no learned model)."""

    name = "bright-box"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        _, mask = cv2.threshold(gray, 200, 255, cv2.THRESH_BINARY)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        out = []
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            if bw >= 30 and 1.5 <= bw / max(1, bh) <= 6:
                out.append(Detection(Box(x, y, x + bw, y + bh), 0.9))
        return out


class LeftEyedDetector(BrightBoxDetector):
    """A :class:`BrightBoxDetector` that sees only the blobs in the left half of the image it is shown: a
    detector that misses plates the mirrored image shows it. Counts its calls."""

    name = "left-eyed"
    imgsz = 320

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray, confidence: float | None = None,
               imgsz: int | None = None) -> list[Detection]:
        self.calls += 1
        return [d for d in super().detect(frame) if d.box.x1 + d.box.x2 <= frame.shape[1]]


class NoReader:
    """Reads nothing (the plumbing tests do not need text)."""

    name = "none"

    def read(self, crop: np.ndarray) -> None:
        return None
