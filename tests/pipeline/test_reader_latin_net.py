"""The shipped Latin network (``weights/latin_reader.*``): loads both ways, reads generated and real plates,
and works with the Korean reader in the chain."""

from __future__ import annotations

import csv

import cv2
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.dataset.synth.latin import LatinPlateRenderer
from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader import KoreanPlateReader, MultiReader
from gatekeeper.pipeline.reader_latin_net import LatinNetReader, latin_lines, pick

ES_MIN_ACCURACY = 0.6  # real es crops from labels.csv: measured figure in weights/README.md; margin below it


@pytest.fixture(scope="module")
def latin_reader() -> LatinNetReader:
    return LatinNetReader(weights_dir(), backend="onnx")


def _clean_plates(n: int, seed: int) -> list:
    r = LatinPlateRenderer(seed=seed)
    return [r.render() for _ in range(n)]


def test_shipped_network_reads_generated_plates_through_onnx_and_easyocr(latin_reader) -> None:
    plates = _clean_plates(30, seed=777_777)  # a seed the training never used
    for reader in (latin_reader, LatinNetReader(weights_dir(), backend="easyocr")):
        reads = [reader.read(p.image) for p in plates]
        right = sum(r is not None and r.text == p.text for r, p in zip(reads, plates, strict=True))
        assert right >= 0.85 * len(plates), [(r.text if r else None, p.text) for r, p in zip(reads, plates)]
        for r in reads:
            assert r is None or (len(r.char_confidences) == len(r.text) and 0 < r.confidence <= 1)


def test_views_are_the_crop_and_its_character_row() -> None:
    plate = LatinPlateRenderer(seed=4).render(style="us")
    lines = latin_lines(plate.image, 32, 160)
    assert len(lines) == 2 and all(line.shape == (32, 160) for line in lines)


def test_pick_lets_agreeing_views_outvote_a_confident_outlier() -> None:
    a = PlateRead("4YTD483", 0.6, (0.6,) * 7, "latin", "latin_reader")
    b = PlateRead("4YTD483", 0.5, (0.5,) * 7, "latin", "latin_reader")
    c = PlateRead("4YTD4B3", 0.9, (0.9,) * 7, "latin", "latin_reader")
    assert pick([a, b, c]) is a
    assert pick([PlateRead("AB", 0.99, (0.99, 0.99), "latin", "x")]) is None  # no plate is that short


def test_chain_reads_latin_and_korean_plates(latin_reader) -> None:
    korean = KoreanPlateReader(weights_dir(), backend="onnx")
    chain = MultiReader(korean, latin_reader)
    plates = _clean_plates(10, seed=31_337)
    right = sum((got := chain.read(p.image)) is not None and got.text == p.text for p in plates)
    assert right >= 8
    renderer = PlateRenderer(seed=5)
    korean_right = 0
    for style in PlateStyle:  # every Korean layout, two-line ones included: the Latin reader must not win
        for _ in range(2):
            img, text = renderer.render(style=style)
            got = chain.read(img)
            assert got is None or got.reader == "kr_reader", (text, got)
            korean_right += got is not None and got.text == text
    assert korean_right >= 0.85 * 2 * len(PlateStyle)


@pytest.mark.shared
def test_real_es_crops(latin_reader, shared_data) -> None:
    """Real plates from the es set, cut by their labelled boxes: never trained on, only measured."""
    folder = shared_data / "eval" / "es"
    rows = [r for r in csv.DictReader(open(folder / "labels.csv", encoding="utf-8")) if r["x1"]]
    right = 0
    for r in rows:
        img = cv2.imread(str(folder / r["image"]))
        x1, y1, x2, y2 = (int(float(r[k])) for k in ("x1", "y1", "x2", "y2"))
        got = latin_reader.read(img[y1:y2, x1:x2])
        right += got is not None and got.text == r["plate"]
    assert right >= ES_MIN_ACCURACY * len(rows), f"{right}/{len(rows)}"


def test_missing_weights_give_a_clear_error(tmp_path) -> None:
    from gatekeeper.pipeline.reader_ctc import ReaderLoadError

    with pytest.raises(ReaderLoadError, match="latin_reader"):
        LatinNetReader(tmp_path)
