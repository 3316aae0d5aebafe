"""Stand-ins for the readers and the detector in the reader-chain tests: the Korean reader's two passes and
the Latin network's two reads, each counting its calls, and a camera pipeline that reads every frame."""

from __future__ import annotations

import numpy as np

from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.reader import Draft
from gatekeeper.pipeline.reader_chain import DIM_BELOW, MultiReader
from gatekeeper.pipeline.types import Detection

CROP = np.full((40, 160, 3), 200, np.uint8)


def read_of(text: str, conf: float, reader: str, hangul: float | None = None) -> PlateRead:
    confs = tuple(hangul if hangul is not None and "가" <= ch <= "힣" else conf for ch in text)
    return PlateRead(text, conf, confs, "", reader)


class StagedKorean:
    """Stand-in for the Korean reader's two passes: ``cheap`` from ``draft``, ``careful`` from ``finish``, and
    ``other`` from ``other_layout``."""

    name = "kr"

    def __init__(self, cheap: PlateRead, careful: PlateRead | None, good: bool = False,
                 other: PlateRead | None = None) -> None:
        self.cheap, self.careful, self.good, self.other = cheap, careful, good, other
        self.drafts = self.finishes = self.others = 0

    def draft(self, crop: np.ndarray) -> Draft:
        self.drafts += 1
        return Draft(crop, "", np.zeros((1, 1, 1), np.float32), self.cheap, self.good)

    def other_layout(self, draft: Draft) -> PlateRead | None:
        self.others += 1
        return self.other

    def finish(self, draft: Draft) -> PlateRead | None:
        self.finishes += 1
        return draft.read if draft.good else self.careful

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return self.finish(self.draft(crop))


class Latin:
    """Stand-in for the Latin network: ``full`` from ``read``, ``quick`` from ``quick_read``."""

    name = "latin"
    cheap = True

    def __init__(self, full: PlateRead | None, quick: PlateRead | None = None) -> None:
        self.full, self.quick = full, quick
        self.reads = self.quick_reads = 0

    def read(self, crop: np.ndarray) -> PlateRead | None:
        self.reads += 1
        return self.full

    def quick_read(self, crop: np.ndarray) -> PlateRead | None:
        self.quick_reads += 1
        return self.quick


# the cheap pass on a Latin plate: invalid, but sure enough not to end a turn as faint
WEAK_KOREAN = read_of("12가345", DIM_BELOW + 0.05, "kr")
# us-ucsd 5AZJ257: the careful pass forces it into the Korean grammar at 0.995 with Hangul 0.999
FORCED_KOREAN = read_of("542나2257", 0.995, "kr", hangul=0.999)
SURE_LATIN = read_of("5AZJ257", 0.999, "latin")
FAIR_LATIN = read_of("AB12CDE", 0.92, "latin")  # leads a camera track, but is not sure


class BoxDetector:
    """Finds one plate-sized box in every frame."""

    name = "box"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return [Detection(Box(100, 100, 260, 140), 0.9)]


def stand_in_camera(korean: StagedKorean, latin: Latin) -> CameraPipeline:
    return CameraPipeline("cam", BoxDetector(), MultiReader(korean, latin), VotingSettings(),
                          motion_gate=False, max_reads_per_track=30,
                          early_reads=50)  # never decided: every frame is read

