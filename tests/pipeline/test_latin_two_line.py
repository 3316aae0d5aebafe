"""Two-line Latin plates (India, motorcycles, square rear plates): both rows found and read, top first."""

from __future__ import annotations

import numpy as np
import pytest

from gatekeeper.dataset.synth.latin import STYLES, LatinPlateRenderer
from gatekeeper.pipeline.latin_locate import char_row, find_rows
from gatekeeper.pipeline.reader_latin_net import pick
from gatekeeper.pipeline.reader_layout import to_grey


def _boxes(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    return [r.box for r in find_rows(grey)]


def _two_line_plates(n: int, seed: int) -> list:
    r = LatinPlateRenderer(seed=seed)
    return [r.render_two_line() for _ in range(n)]


def test_both_rows_of_a_two_line_plate_are_found_top_first() -> None:
    found = 0
    for plate in _two_line_plates(20, seed=31):
        rows = _boxes(to_grey(plate.image))
        if len(rows) == 2:
            found += 1
            (_, top_y0, _, top_y1), (_, bottom_y0, _, _) = rows
            assert top_y1 <= bottom_y0 + 0.15 * (top_y1 - top_y0)
            assert char_row(to_grey(plate.image)) in rows  # the main row is one of them
    assert found >= 18


@pytest.mark.parametrize("style", [s for s, _ in STYLES])
def test_one_line_plates_have_one_row(style: str) -> None:
    r = LatinPlateRenderer(seed=12)
    for _ in range(6):
        plate = r.render(style=style)
        assert len(_boxes(to_grey(plate.image))) == 1, plate.text  # state names, slogans: no second row


def test_blank_crop_has_no_row() -> None:
    assert _boxes(np.full((60, 120), 128, np.uint8)) == []


def test_two_line_plates_are_read_row_by_row(latin_reader) -> None:
    plates = _two_line_plates(30, seed=777_001)  # a seed the tests and training never used elsewhere
    reads = [latin_reader.read(p.image) for p in plates]
    right = sum(r is not None and r.text == p.text for r, p in zip(reads, plates, strict=True))
    one_line = sum((r := pick(latin_reader.read_views(p.image))) is not None and r.text == p.text
                   for p in plates)
    assert right >= 0.8 * len(plates), [(r.text if r else None, p.text) for r, p in zip(reads, plates)]
    assert one_line <= 0.2 * len(plates)  # the whole-plate views read one row: the row reads are what work
    for r in reads:
        assert r is not None and len(r.char_confidences) == len(r.text) and 0 < r.confidence <= 1


def test_quick_read_stays_one_line(latin_reader) -> None:
    plate = _two_line_plates(1, seed=5)[0]
    quick = latin_reader.quick_read(plate.image)
    assert quick is None or quick.text != plate.text


def test_two_line_renderer_labels_top_then_bottom_and_is_deterministic() -> None:
    a, b = LatinPlateRenderer(seed=9), LatinPlateRenderer(seed=9)
    pa, pb = a.render_two_line("MH 12 A", "B 1234"), b.render_two_line("MH 12 A", "B 1234")
    assert pa.text == "MH12AB1234" and np.array_equal(pa.image, pb.image)
    h, w = pa.image.shape[:2]
    assert 1.3 <= w / h <= 2.2
    _, y0, _, y1 = pa.text_box
    assert y0 < 0.2 * h and y1 > 0.8 * h  # two rows span the plate's height


@pytest.mark.slow
def test_a_two_line_plate_in_a_scene_is_found_and_read(tmp_path) -> None:
    import cv2

    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.pipeline.recognizer import Recognizer
    from gatekeeper.services.runtime import load_models

    models = load_models(Settings(), AppPaths(tmp_path / "config", tmp_path / "data"), device="cpu")
    rec = Recognizer(models.detector, models.reader, upscale_min_width=160)
    renderer, rng = LatinPlateRenderer(seed=44), np.random.default_rng(44)
    right = 0
    for _ in range(4):
        plate = renderer.render_two_line()
        scene = np.empty((720, 1280, 3), np.uint8)
        scene[:] = rng.integers(40, 120, 3)
        small = cv2.resize(plate.image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
        scene[400:400 + small.shape[0], 600:600 + small.shape[1]] = small
        right += any(o.read is not None and o.read.text == plate.text for o in rec.recognize(scene))
    assert right >= 3
