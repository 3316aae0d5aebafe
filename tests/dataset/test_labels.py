"""labels.csv as other tools write it, and the images it names."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.labels import LabelRow, LabelsError, image_path, load_image, read_labels
from gatekeeper.domain.types import Box


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_labels(tmp_path: Path) -> None:
    csv_path = _write(
        tmp_path / "labels.csv",
        "\ufeffimage,plate,x1,y1,x2,y2\nimages/a.jpg,12가 3456,1,2,30,40\nimages/b.jpg,LS15EBC,,,,\n\n",
    )
    rows = read_labels(csv_path)
    assert rows == [
        LabelRow("images/a.jpg", "12가 3456", Box(1, 2, 30, 40)),
        LabelRow("images/b.jpg", "LS15EBC"),
    ]



@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("image,plate\na.jpg,12가3456\n", "missing x1, y1, x2, y2"),
        ("image,plate,x1,y1,x2,y2\na.jpg,AB12,1,2,3,4\n,AB12,,,,\n", ":3: empty image"),
        ("image,plate,x1,y1,x2,y2\n\na.jpg,AB12,1,2,3,4\n,AB12,,,,\n",
         ":4: empty image"),  # blank lines count
    ],
)
def test_read_labels_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(LabelsError, match=message):
        read_labels(_write(tmp_path / "labels.csv", content))


def test_a_bad_box_leaves_its_plate_unboxed_and_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "labels.csv", "image,plate,x1,y1,x2,y2\n"
                  "a.jpg,AB1234,1,2,,\n"  # a coordinate missing
                  "b.jpg,AB1234,1,two,3,4\n"  # not a number
                  "c.jpg,AB1234,10,2,10,4\n"  # no area
                  "d.jpg,AB1234,30,40,1,2\n"  # corners given the other way round: a good box
                  "e.jpg,AB1234,1,2,30,40\n")
    warnings: list[str] = []
    rows = read_labels(path, warnings)
    assert [r.box for r in rows] == [None, None, None, Box(1, 2, 30, 40), Box(1, 2, 30, 40)]
    assert all(r.plate == "AB1234" for r in rows)  # the text is still scored
    assert [w.split(": ", 1)[0] for w in warnings] == [f"{path}:{n}" for n in (2, 3, 4)]
    assert "all of x1,y1,x2,y2" in warnings[0] and "numbers" in warnings[1] and "no area" in warnings[2]
    assert all("box left unknown" in w for w in warnings)


def test_spreadsheet_exports_are_read(tmp_path: Path) -> None:
    """A header in capitals, and ``;`` or tab separators (a spreadsheet saved in a European locale)."""
    for sep in (";", "\t"):
        path = _write(tmp_path / "labels.csv", sep.join(["Image", "Plate", "X1", "Y1", "X2", "Y2"]) + "\n"
                      + sep.join(["a.jpg", "12가3456", "1", "2", "30", "40"]) + "\n")
        assert read_labels(path) == [LabelRow("a.jpg", "12가3456", Box(1, 2, 30, 40))]



def test_hangul_image_names_match_in_either_unicode_form(tmp_path: Path) -> None:
    name = "P1_33하6580.jpg"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    (tmp_path / decomposed).write_bytes(b"x")  # as unzipped from a Mac
    assert image_path(tmp_path, name) == tmp_path / decomposed
    assert image_path(tmp_path, "none.jpg") == tmp_path / "none.jpg"


def test_image_names_as_other_tools_write_them(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    for name in ("images/a.jpg", "images/B.JPG", "c.jpg"):
        (tmp_path / name).write_bytes(b"x")
    assert image_path(tmp_path, "images\\a.jpg") == tmp_path / "images" / "a.jpg"  # written on Windows
    assert image_path(tmp_path, "a.jpg") == tmp_path / "images" / "a.jpg"  # a bare name, the image in images/
    assert image_path(tmp_path, "images/b.jpg") == tmp_path / "images" / "B.JPG"  # the case differs
    assert image_path(tmp_path, "C.jpg") == tmp_path / "c.jpg"
    assert image_path(tmp_path, "d.jpg") == tmp_path / "d.jpg"  # not there: reported as not found


def test_load_image_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="image not found"):
        load_image(tmp_path / "none.jpg")
    with pytest.raises(ValueError, match="is a folder, not an image"):
        load_image(tmp_path)
    with pytest.raises(ValueError, match="not a readable image"):
        load_image(_write(tmp_path / "bad.jpg", "not a jpeg"))
    ok = tmp_path / "번호판.png"  # non-ASCII file names work
    cv2.imencode(".png", np.zeros((4, 6, 3), np.uint8))[1].tofile(str(ok))
    assert load_image(ok).shape == (4, 6, 3)
