"""Labelled image folders (``labels.csv``: ``image,plate,x1,y1,x2,y2``, one row per plate, box empty when
unknown) as ``gatekeeper eval`` and the training tools' evaluations read them, and the images they name.

A row with a box and no text is a plate that cannot be read (it counts for detection only); a row with neither
is an image without plates. Files written by other tools are read as they come: a header in capitals, ``;``
or tab separators, corners in any order, Windows paths, decomposed Hangul, a bare name for an image under
``images/``, another case of the file name; a box that cannot be used leaves its plate's box unknown and is
reported, so one bad row does not stop a whole run.
"""

from __future__ import annotations

import csv
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

LABEL_COLUMNS = ("image", "plate", "x1", "y1", "x2", "y2")


class LabelsError(ValueError):
    """A labels.csv that cannot be used, with the file and line at fault."""


@dataclass(frozen=True)
class LabelRow:
    """One labelled plate: image path (relative to the folder), plate text, box when known. No text: a plate
    nobody could read (with a box) or, with no box either, an image without plates."""

    image: str
    plate: str
    box: Box | None = None

    @property
    def readable(self) -> bool:
        """A plate with its text: scored for accuracy."""
        return bool(normalize_plate(self.plate))

    @property
    def no_plate(self) -> bool:
        """The row of an image without plates."""
        return not self.readable and self.box is None


def read_labels(path: Path, warnings: list[str] | None = None) -> list[LabelRow]:
    """Parse ``labels.csv``; raises :class:`LabelsError` for a file that cannot be used (missing, not text, no
    ``image,plate,x1,y1,x2,y2`` header, a row without an image). The header's case is free, and a file saved
    with ``;`` or tabs (a spreadsheet in many locales) is read too. A box given corner to corner in another
    order is put in order; a box that cannot be used (a coordinate missing or not a number, no area) leaves
    that plate's box unknown, with a message naming the line appended to ``warnings`` (logged when None):
    one bad box must not stop the evaluation of a whole folder."""
    path = Path(path)
    if not path.is_file():
        raise LabelsError(f"{path}: labels file not found (expected image,plate,x1,y1,x2,y2)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelsError(f"{path}: not UTF-8 text ({exc})") from exc
    lines = text.splitlines()
    reader = csv.DictReader(lines, delimiter=_delimiter(lines[0] if lines else ""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in LABEL_COLUMNS if c not in header]
    if missing:
        raise LabelsError(f"{path}: header must be {','.join(LABEL_COLUMNS)}; missing {', '.join(missing)}")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        rec = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(rec.values()):
            continue
        row, problem = _label_row(rec)
        where = f"{path}:{reader.line_num}"
        if row is None:
            raise LabelsError(f"{where}: {problem}")
        if problem and warnings is not None:
            warnings.append(f"{where}: {problem}")
        elif problem:
            log.warning("%s: %s", where, problem)
        rows.append(row)
    return rows


def _delimiter(header: str) -> str:
    """``,`` unless the header line has none and is split by ``;`` or a tab instead."""
    if "," in header:
        return ","
    return next((d for d in (";", "\t") if d in header), ",")


def _label_row(rec: dict[str, str]) -> tuple[LabelRow | None, str]:
    """The row, and what was wrong with it ('' when nothing); no row when it cannot be used at all."""
    if not rec.get("image"):
        return None, "empty image column"
    image, plate = rec["image"], rec.get("plate", "")
    coords = [rec.get(c, "") for c in LABEL_COLUMNS[2:]]
    if not any(coords):
        return LabelRow(image, plate), ""
    unknown = f"box left unknown for {image}"
    if not all(coords):
        return LabelRow(image, plate), f"box must have all of x1,y1,x2,y2 or none (got {coords}); {unknown}"
    try:
        x1, y1, x2, y2 = (float(c) for c in coords)
    except ValueError as exc:
        return LabelRow(image, plate), f"box coordinates must be numbers ({exc}); {unknown}"
    if not all(np.isfinite((x1, y1, x2, y2))) or x1 == x2 or y1 == y2:
        return LabelRow(image, plate), f"box has no area: {coords}; {unknown}"
    return LabelRow(image, plate, Box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))), ""


def group_rows(rows: Iterable[LabelRow]) -> dict[str, list[LabelRow]]:
    """Rows per image, in first-appearance order."""
    groups: dict[str, list[LabelRow]] = {}
    for row in rows:
        groups.setdefault(row.image, []).append(row)
    return groups


def load_image(path: Path) -> np.ndarray:
    """Read an image as BGR (works with non-ASCII paths); ``ValueError`` when missing or corrupt."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not an image")
    if not path.is_file():
        raise ValueError(f"{path}: image not found")
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return image


def image_path(root: Path, name: str) -> Path:
    """``root / name``, or, when that does not exist, the first of these that does: the same name in the other
    Unicode normal form (Hangul file names written on macOS are decomposed, a labels.csv typed elsewhere is
    not), with ``\\`` read as ``/`` (a labels.csv written on Windows), under ``images/`` (a bare file name),
    and the one file of its folder whose name differs only in case (``.JPG``)."""
    path = root / name
    if path.exists():
        return path
    tried: list[str] = []
    for spelling in (name, name.replace("\\", "/")):
        for form in ("NFC", "NFD"):
            tried.append(unicodedata.normalize(form, spelling))
    if "/" not in tried[-1]:
        tried += [f"images/{t}" for t in tried]
    for candidate in dict.fromkeys(tried):
        if (root / candidate).exists():
            return root / candidate
    for candidate in dict.fromkeys(tried):
        folder = (root / candidate).parent
        same = _names_by_case(folder, _mtime(folder)).get(Path(candidate).name.lower(), ())
        if len(same) == 1:
            return same[0]
    return path


def _mtime(folder: Path) -> float | None:
    try:
        return folder.stat().st_mtime
    except OSError:
        return None


@lru_cache(maxsize=8)
def _names_by_case(folder: Path, mtime: float | None) -> dict[str, tuple[Path, ...]]:
    """The files of ``folder`` by their lower-case name, listed once per change of the folder (``mtime``):
    a labels.csv whose every name differs in case from its file does not list the folder once per image."""
    names: dict[str, tuple[Path, ...]] = {}
    if mtime is not None and folder.is_dir():
        for p in folder.iterdir():
            names[p.name.lower()] = names.get(p.name.lower(), ()) + (p,)
    return names
