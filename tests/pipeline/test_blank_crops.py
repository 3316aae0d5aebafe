"""Crops with nothing to read (a lamp, a wall the detector boxed) are not read: ``reader_prep.blank``, a
reader's ``blank``, and the camera and still-image pipelines that ask it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.labels import image_path, load_image, read_labels
from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.reader_chain import PlateReaderChain, shows_nothing
from gatekeeper.pipeline.reader_prep import BLANK_CONTRAST, blank
from gatekeeper.pipeline.recognizer import read_crop, upscale
from gatekeeper.pipeline.types import Detection

HEADLIGHT = (215, 240, 250)  # the demo scene's flat cream headlights (dataset.demo_scene)


def _lamp(width: int = 160, height: int = 56) -> np.ndarray:
    """A flat cream ellipse on a car's grey body, as the detector boxes a demo car's headlight."""
    crop = np.full((height, width, 3), 128, np.uint8)
    cv2.ellipse(crop, (width // 2, height // 2), (width // 2 - 4, height // 2 - 3), 0, 0, 360, HEADLIGHT, -1)
    return crop


def test_a_flat_centre_is_blank_and_a_plate_is_not() -> None:
    plate, _ = PlateRenderer(seed=3).render(style=PlateStyle.WHITE_8)
    far = upscale(cv2.resize(plate, (60, max(4, plate.shape[0] * 60 // plate.shape[1])),
                             interpolation=cv2.INTER_AREA), 160)
    night = (plate.astype(np.float32) * 0.06 + 4).astype(np.uint8)  # ~15 grey levels from ground to ink
    for readable in (plate, far, night, cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)):
        assert not blank(readable)
    assert blank(_lamp()) and blank(np.full((50, 200, 3), 90, np.uint8))
    assert blank(cv2.cvtColor(_lamp(), cv2.COLOR_BGR2GRAY))
    assert not blank(np.full((6, 30, 3), 90, np.uint8))  # too small to tell: read as before
    assert not blank(_lamp(), contrast=0.0)


def test_no_labelled_real_plate_is_blank(shared_data: Path) -> None:
    """Every labelled plate of the shared sets, cut and upscaled as a camera reads it, spans well over
    :data:`BLANK_CONTRAST` grey levels in its centre."""
    seen = 0
    for name in ("es", "us-ucsd", "kr-dev"):
        root = shared_data / "eval" / name
        for row in read_labels(root / "labels.csv"):
            if row.box is None:
                continue
            b, image = row.box, load_image(image_path(root, row.image))
            crop = image[max(0, int(b.y1)):int(b.y2), max(0, int(b.x1)):int(b.x2)]
            if crop.size:
                assert not blank(upscale(crop, 160)), f"{name}/{row.image} ({row.plate}) called blank"
                seen += 1
    assert seen > 300 and BLANK_CONTRAST < 5.9  # 5.9: the flattest of them, darkened to night


class Judging:
    """A stand-in reader that can tell whether a crop shows anything (``says``), counting its reads."""

    name = "judging"

    def __init__(self, says: bool, read: PlateRead | None = None) -> None:
        self.says, self.answer, self.reads = says, read, 0

    def blank(self, crop: np.ndarray) -> bool:
        return self.says

    def read(self, crop: np.ndarray) -> PlateRead | None:
        self.reads += 1
        return self.answer


class Asking:
    """A stand-in reader that cannot tell (no ``blank``): it is always asked."""

    name = "asking"

    def __init__(self) -> None:
        self.reads = 0

    def read(self, crop: np.ndarray) -> PlateRead | None:
        self.reads += 1
        return None


def test_a_chain_is_blank_when_every_reader_that_can_tell_says_so() -> None:
    crop = _lamp()
    assert PlateReaderChain([Judging(True), Asking()]).blank(crop)
    assert not PlateReaderChain([Judging(True), Judging(False)]).blank(crop)
    assert not PlateReaderChain([Asking(), Asking()]).blank(crop)  # nobody can tell: read it
    assert not shows_nothing(Asking(), crop) and shows_nothing(Judging(True), crop)
    assert not shows_nothing(Judging(True), crop[:0])
    quiet, sure = Judging(True, PlateRead("12가3456", 0.99)), Judging(False, PlateRead("12가3456", 0.99))
    assert read_crop(quiet, crop, 160) is None and quiet.reads == 0
    read = read_crop(sure, crop, 160)
    assert read is not None and read.text == "12가3456" and sure.reads == 1


def _headlights(frame: np.ndarray) -> list[Box]:
    """The demo frame's headlights: its blobs of the cream colour."""
    mask = (np.abs(frame.astype(np.int16) - np.array(HEADLIGHT, np.int16)).max(axis=2) < 12).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return [Box(float(x), float(y), float(x + w), float(y + h))
            for x, y, w, h, area in stats[1:n] if area >= 60 and w >= 1.5 * h]


class FixedDetector:
    name = "fixed"

    def __init__(self, boxes: list[Box]) -> None:
        self.boxes = boxes

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return [Detection(b, 0.9) for b in self.boxes]


def test_a_camera_does_not_read_the_demo_cars_headlights(models, stop_frame) -> None:  # noqa: ANN001
    """The shipped detector boxes the demo cars' flat headlights now and then; the real reader chain tells
    they show nothing, so a camera counts them instead of reading them, and still reads the plate."""
    frame, plate = stop_frame
    lights = _headlights(frame)
    found = models.detector.detect(frame)
    assert len(lights) == 2 and found
    assert all(models.reader.blank(upscale(frame[int(b.y1):int(b.y2), int(b.x1):int(b.x2)], 160))
               for b in lights)
    pipeline = CameraPipeline("cam", FixedDetector([found[0].box, *lights]), models.reader, VotingSettings(),
                              motion_gate=False)
    result = pipeline.process(frame, 0.0)
    assert pipeline.blank_boxes == 2 and pipeline.reads == 1 and len(result.read_ms) == 1
    assert [o.read.text for o in result.observations if o.read is not None] == [plate]
    pipeline.process(frame, 0.05)  # within the read interval: nobody is read again
    assert pipeline.blank_boxes == 2 and pipeline.reads == 1


@pytest.mark.parametrize("style", [PlateStyle.WHITE_8, PlateStyle.YELLOW_COMMERCIAL_2LINE])
def test_the_shipped_readers_see_something_in_a_generated_plate(real_chain, style: PlateStyle) -> None:  # noqa: ANN001
    plate, _ = PlateRenderer(seed=8).render(style=style)
    assert not real_chain.blank(plate) and real_chain.blank(_lamp())
    assert all(r.blank(_lamp()) for r in real_chain.readers)
