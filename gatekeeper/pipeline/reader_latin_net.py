"""Our Latin plate network (0-9, A-Z; trained on synthetic EU, US and other plates) as a ``PlateReader``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.latin_locate import char_row, row_crop
from gatekeeper.pipeline.reader_ctc import CtcNetwork
from gatekeeper.pipeline.reader_decode import confidence, ctc_greedy, summed_vote
from gatekeeper.pipeline.reader_layout import ONE_LINE, line_image, to_grey

log = logging.getLogger(__name__)

LATIN_LENGTH = (4, 10)


def latin_lines(crop: np.ndarray, height: int, width: int) -> list[np.ndarray]:
    """Network inputs for one crop: the whole crop, and its main character row when one is found
    (state names, stickers and dealer frames left out)."""
    grey = to_grey(crop)
    lines = [line_image(grey, ONE_LINE, height, width)]
    box = char_row(grey)
    if box is not None:
        lines.append(line_image(np.ascontiguousarray(row_crop(grey, box)), ONE_LINE, height, width))
    return lines


def pick(reads: Sequence[PlateRead]) -> PlateRead | None:
    """The plate-length text with the largest summed confidence over the views (views that agree outvote
    one confident outlier); its most confident read is returned. None when no view has plate length."""
    return summed_vote(reads, lambda text: LATIN_LENGTH[0] <= len(text) <= LATIN_LENGTH[1])


class LatinNetReader(CtcNetwork):
    """Reads Latin plates with the project's CRNN (``latin_reader.*``), through ONNX or EasyOCR's
    ``recog_network``; per-character confidences come from the CTC peaks. ``cheap``: one small batch
    (~2 ms), so the reader chain asks it even after a trusted Korean read."""

    cheap = True

    def __init__(self, weights_dir: Path, name: str = "latin_reader", device: str = "cpu", backend: str = "auto",
                 threads: int = 1) -> None:
        super().__init__(weights_dir, name, device=device, backend=backend, threads=threads)

    def read_views(self, crop: np.ndarray) -> list[PlateRead]:
        """One greedy read per view of the crop (see :func:`latin_lines`)."""
        probs = self.line_probs(latin_lines(crop, self.img_h, self.img_w))
        out = []
        for p in probs:
            text, confs = ctc_greedy(p, self.charset)
            out.append(PlateRead(text=text, confidence=confidence(confs), char_confidences=confs,
                                 plate_format=plates.plate_format(text), reader=self.model_name))
        return out

    def read(self, crop: np.ndarray) -> PlateRead | None:
        if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
            return None
        return pick(self.read_views(crop))
