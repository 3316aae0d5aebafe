"""The US serial network (``weights/latin_us.*``): when the Latin reader asks it, when its read is taken, and
that the app loads it beside the shipped Latin network."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from gatekeeper.dataset.synth.latin import LATIN_CHARSET, LatinPlateRenderer, random_latin_text
from gatekeeper.domain.paths import AppPaths, weights_dir
from gatekeeper.domain.settings import Settings
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader_ctc import CtcNetwork
from gatekeeper.pipeline.reader_latin_net import SERIAL_LAYOUT, LatinNetReader, latin_lines
from gatekeeper.pipeline.reader_layout import to_grey
from gatekeeper.services.runtime import make_latin_reader


class ScriptedNet:
    """A network stand-in whose every line reads ``text`` (each character at 0.97, then a blank frame); it
    counts the lines it is given."""

    def __init__(self, text: str, charset: str = LATIN_CHARSET, name: str = "latin_us") -> None:
        self.text = text
        self.charset = charset
        self.model_name = name
        self.lines: list[int] = []

    def line_probs(self, lines: list[np.ndarray]) -> np.ndarray:
        self.lines.append(len(lines))
        out = np.zeros((2 * len(self.text) + 2, len(self.charset) + 1), np.float32)
        out[:, 0] = 1.0
        for i, ch in enumerate(self.text):
            out[2 * i, 0] = 0.03
            out[2 * i, self.charset.index(ch) + 1] = 0.97
        return np.repeat(out[None], len(lines), axis=0)


def _with_serial(text: str) -> tuple[LatinNetReader, ScriptedNet]:
    net = ScriptedNet(text)
    reader = LatinNetReader(weights_dir(), backend="onnx")
    reader.serial = net  # type: ignore[assignment]
    return reader, net


def _read(text: str) -> PlateRead:
    return PlateRead(text=text, confidence=0.99, char_confidences=(0.99,) * len(text), reader="latin_reader")


LINES = [np.zeros((32, 160), np.uint8)] * 3


@pytest.mark.parametrize(("first", "serial"), [("4HAG376", "4WAG376"), ("5JEY719", "5JFY719"),
                                               ("JPA838", "4JPA838"), ("UG504", "4VUG504")])
def test_a_near_serial_read_of_the_us_layout_is_taken(first: str, serial: str) -> None:
    reader, net = _with_serial(serial)
    got = reader.serial_read(LINES, _read(first))
    assert got is not None and got.text == serial and got.reader == "latin_us"
    assert len(got.char_confidences) == len(serial) and net.lines == [len(LINES)]


@pytest.mark.parametrize(("first", "serial"), [
    ("4HAG376", "4HAG37"),  # a character short: no US serial
    ("4HAG376", "4HAGZ76"),  # a letter in a digit's place
    ("4HAG376", "7XYZ376"),  # more than two edits away
    ("4HAG376", "4HAG376"),  # the same text
])
def test_other_serial_reads_leave_the_first_read(first: str, serial: str) -> None:
    reader, _net = _with_serial(serial)
    first_read = _read(first)
    assert reader.serial_read(LINES, first_read) is first_read


@pytest.mark.parametrize("first", ["ABCD", "123456789", "1234567", "LS15EBC", "EMOTION", "2345ABC", None])
def test_the_serial_network_is_not_asked_about_reads_far_from_the_layout(first: str | None) -> None:
    reader, net = _with_serial("4WAG376")
    first_read = _read(first) if first else None
    assert reader.serial_read(LINES, first_read) is first_read and net.lines == []


@pytest.mark.parametrize(("first", "serial"), [("VGREHAL", "VGREWAL"), ("ZUH619", "ZUM619"),
                                               ("HEFLYN", "WEFLYN"), ("HH12ABC", "WM12ABC")])
def test_an_h_the_serial_network_reads_as_w_or_m_is_taken_on_any_plate(first: str, serial: str) -> None:
    reader, net = _with_serial(serial)
    got = reader.serial_read(LINES, _read(first))
    assert got is not None and got.text == serial and got.reader == "latin_us" and net.lines == [len(LINES)]


@pytest.mark.parametrize(("first", "serial"), [
    ("VGREHAL", "VGRENAL"),  # an H read as another letter
    ("VGREHAL", "VGREWAI"),  # more changed than the H
    ("VGREHAL", "VGREWL"),  # a character short
    ("ZUM619", "ZUH619"),  # the other way round
])
def test_other_changes_to_a_personalised_read_leave_it(first: str, serial: str) -> None:
    reader, _net = _with_serial(serial)
    first_read = _read(first)
    assert reader.serial_read(LINES, first_read) is first_read


def test_the_full_read_hands_every_view_to_the_serial_network() -> None:
    plate = LatinPlateRenderer(seed=3).render(text="5GWT825", style="us")
    reader, net = _with_serial("5GWT825")
    alone = LatinNetReader(weights_dir(), backend="onnx").read(plate.image)
    got = reader.read(plate.image)
    assert alone is not None and len(alone.text) == 7, alone
    assert got is not None and got.text == "5GWT825"
    assert net.lines == [len(latin_lines(to_grey(plate.image), 32, 160))]


def test_a_serial_network_must_read_the_same_characters() -> None:
    korean = CtcNetwork(weights_dir(), "kr_reader", backend="onnx")
    with pytest.raises(ValueError, match="reads other characters"):
        LatinNetReader(weights_dir(), backend="onnx", serial=korean)


def test_the_app_loads_the_shipped_serial_network(tmp_path) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data").ensure()
    reader = make_latin_reader(Settings(), paths)
    assert isinstance(reader, LatinNetReader) and reader.serial is not None
    assert reader.serial.model_name == "latin_us" and reader.serial.int8
    off = Settings.model_validate({"reader": {"latin_serial_weights": ""}})
    alone = make_latin_reader(off, paths)
    assert isinstance(alone, LatinNetReader) and alone.serial is None


def test_a_missing_serial_network_is_logged_and_the_latin_network_reads_alone(tmp_path, caplog) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data").ensure()
    settings = Settings.model_validate({"reader": {"latin_serial_weights": "no_such_network"}})
    with caplog.at_level(logging.WARNING):
        reader = make_latin_reader(settings, paths)
    assert isinstance(reader, LatinNetReader) and reader.serial is None
    assert "US serial network 'no_such_network' not found" in caplog.text


def test_the_shipped_serial_network_reads_generated_us_serials() -> None:
    """Generated US plates of the serial layout (a seed the training never used), the serial network read
    as a Latin reader of its own."""
    renderer = LatinPlateRenderer(seed=888_888)
    rng = np.random.default_rng(5)
    plates = [renderer.render(text=random_latin_text(rng, SERIAL_LAYOUT), style="us") for _ in range(30)]
    serial = LatinNetReader(weights_dir(), name="latin_us", backend="onnx")
    reads = [serial.read(p.image) for p in plates]
    right = sum(r is not None and r.text == p.text for r, p in zip(reads, plates, strict=True))
    assert right >= 0.85 * len(plates), [(r.text if r else None, p.text) for r, p in zip(reads, plates)]


def test_the_shipped_serial_network_reads_californias_w(monkeypatch) -> None:
    """Californian serials with a W in California's own glyph (upright stems, a peak from their feet), drawn
    small (90 px wide, as most us-ucsd plates are), a seed no training used: the serial network trained on
    that glyph reads them, where the networks trained without it dropped the W or read it as H or M."""
    import cv2

    import gatekeeper.dataset.synth.latin as latin

    monkeypatch.setattr(latin, "CONDENSED_US_SHARE", 1.0)
    monkeypatch.setattr(latin, "CALIFORNIA_GLYPH_SHARE", 1.0)
    renderer = LatinPlateRenderer(seed=777_001, plate_faces=[])
    rng = np.random.default_rng(3)
    texts = []
    for _ in range(40):
        text = list(random_latin_text(rng, SERIAL_LAYOUT))
        text[int(rng.integers(1, 4))] = "W"
        texts.append("".join(text))
    plates = [renderer.render(text=t, style="us").image for t in texts]
    small = [cv2.resize(cv2.resize(p, (90, 45), interpolation=cv2.INTER_AREA), (180, 90)) for p in plates]
    serial = LatinNetReader(weights_dir(), name="latin_us", backend="onnx")
    reads = [serial.read(image) for image in small]
    right = sum(r is not None and r.text == t for r, t in zip(reads, texts, strict=True))
    assert right >= 0.9 * len(texts), [(r.text if r else None, t) for r, t in zip(reads, texts, strict=True)]


def _labelled_crop(folder, name: str):
    """``folder``'s picture ``name`` cut to its labelled box with half the box's height above and below,
    and the box's plate text."""
    from gatekeeper.dataset.labels import image_path, load_image, read_labels

    row = next(r for r in read_labels(folder / "labels.csv") if r.image == f"images/{name}")
    assert row.box is not None, row
    x1, y1, x2, y2 = (int(v) for v in (row.box.x1, row.box.y1, row.box.x2, row.box.y2))
    image = load_image(image_path(folder, row.image))
    return image[max(0, y1 - (y2 - y1) // 2):y2 + (y2 - y1) // 2, x1:x2], row.plate


def test_a_real_personalised_plates_californian_w_is_read_as_w(tmp_path, shared_data) -> None:
    """us-ucsd's ``VGREWAL``, a personalised plate (no serial layout) with California's W: the Latin
    network reads an H there, the serial network the W, and the app's reader takes it."""
    paths = AppPaths(tmp_path / "config", tmp_path / "data").ensure()
    crop, text = _labelled_crop(shared_data / "eval" / "us-ucsd", "cars2_046.jpg")
    alone = make_latin_reader(Settings.model_validate({"reader": {"latin_serial_weights": ""}}), paths)
    first = alone.read(crop)
    got = make_latin_reader(Settings(), paths).read(crop)
    assert text == "VGREWAL" and first is not None and first.text == "VGREHAL", first
    assert got is not None and got.text == "VGREWAL" and got.reader == "latin_us", got


def test_real_californian_ws_are_read_as_w(tmp_path, shared_data) -> None:
    """us-ucsd plates with California's W (never trained on), each labelled box with half its height above
    and below, read by the Latin reader as the app builds it: the serial network trained without that glyph
    read each W as an H."""
    paths = AppPaths(tmp_path / "config", tmp_path / "data").ensure()
    reader = make_latin_reader(Settings(), paths)
    plates = ("cars2_019.jpg", "cars3_023.jpg", "cars4_065.jpg", "cars4_045.jpg", "cars4_013.jpg")
    reads = {}
    for name in plates:
        crop, text = _labelled_crop(shared_data / "eval" / "us-ucsd", name)
        got = reader.read(crop)
        reads[text] = got.text if got else None
    assert sum(text == read for text, read in reads.items()) >= 4, reads
