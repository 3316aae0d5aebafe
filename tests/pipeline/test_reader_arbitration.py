"""Korean vs Latin arbitration in the reader chain: by evidence (confidence, Hangul confidence, letters)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader_chain import MultiReader
from gatekeeper.pipeline.reader_latin import (
    arbitrate,
    hangul_confidence,
    korean_trusted,
    latin_plausible,
    latin_sure,
)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _kr(text: str, confs: list[float]) -> PlateRead:
    conf = float(np.exp(np.mean(np.log(confs))))
    return PlateRead(text, conf, tuple(confs), "", "kr_reader")


def test_latin_plate_forced_into_korean_grammar_loses_to_the_latin_read() -> None:
    # es 1277DPZ: the Korean network's grammar path "666어2714" with unsure Hangul vs a fair Latin read.
    korean = _kr("666어2714", [0.6, 0.5, 0.5, 0.01, 0.6, 0.6, 0.5, 0.6])
    latin = PlateRead("1277DPZ", 0.55, (0.55,) * 7, "latin", "easyocr_en")
    assert hangul_confidence(korean) == pytest.approx(0.01) and not korean_trusted(korean)
    assert arbitrate([korean, latin]) is latin
    # digits-only Latin plate (es 2122267): Latin is more confident than a Korean read with unsure Hangul
    korean = _kr("서울44사2281", [0.7, 0.6, 0.8, 0.8, 0.05, 0.9, 0.9, 0.9, 0.9])
    latin = PlateRead("2122267", 0.78, (0.78,) * 7, "latin", "easyocr_en")
    assert arbitrate([korean, latin]) is latin


def test_trusted_korean_read_beats_any_latin_read() -> None:
    korean = _kr("247너5294", [1.0, 1.0, 1.0, 0.999, 1.0, 1.0, 1.0, 1.0])
    latin = PlateRead("24745294", 0.998, (0.998,) * 8, "latin", "easyocr_en")
    assert korean_trusted(korean) and arbitrate([latin, korean]) is korean
    # a weak Korean read still beats a Latin read without letters that is less sure
    weak = _kr("47하1693", [1.0, 1.0, 0.81, 1.0, 1.0, 1.0, 1.0])
    assert arbitrate([weak, PlateRead("47041693", 0.39, (), "latin", "easyocr_en")]) is weak


def test_latin_network_reading_only_the_digits_of_a_korean_plate_does_not_win() -> None:
    # our Latin network skips Hangul: on a Korean plate it reads the digits, one of them maybe wrong
    korean = _kr("12가3456", [0.99, 0.99, 0.95, 0.9, 0.9, 0.9, 0.9])
    assert not korean_trusted(korean)
    assert arbitrate([korean, PlateRead("123456", 0.99, (0.99,) * 6, "latin", "latin_reader")]) is korean
    assert arbitrate([korean, PlateRead("128456", 0.99, (0.99,) * 6, "latin", "latin_reader")]) is korean
    # with unsure Hangul a digit-only Latin plate of another length is read as Latin
    unsure = _kr("12가3456", [0.99, 0.99, 0.5, 0.9, 0.9, 0.9, 0.9])
    latin = PlateRead("1000051", 0.95, (0.95,) * 7, "latin", "latin_reader")
    assert arbitrate([unsure, latin]) is latin
    # with unsure Hangul (a Latin plate forced into the Korean grammar, es 219108) the digits decide
    forced = _kr("21어1088", [0.6, 0.6, 0.2, 0.5, 0.5, 0.5, 0.5])
    latin = PlateRead("219108", 1.0, (1.0,) * 6, "latin", "latin_reader")
    assert arbitrate([forced, latin]) is latin


def test_confident_latin_letters_overrule_a_trusted_korean_read_with_uncertain_hangul() -> None:
    # us-ucsd 5AZJ257: the Korean grammar path "542나2557" scored 0.99 with Hangul 0.96
    korean = _kr("542나2557", [0.995, 0.995, 0.995, 0.96, 0.995, 0.995, 0.995, 0.995])
    latin = PlateRead("5AZJ257", 0.999, (0.999,) * 7, "latin", "latin_reader")
    assert korean_trusted(korean) and arbitrate([korean, latin]) is latin
    # certain Hangul keeps the Korean read against a Latin read short of sure, and so do only two letters
    # (a two-line Korean plate's region mark)
    sure = _kr("542나2557", [0.995, 0.995, 0.995, 0.999, 0.995, 0.995, 0.995, 0.995])
    fair = PlateRead("5AZJ257", 0.95, (0.95,) * 7, "latin", "latin_reader")
    assert arbitrate([sure, fair]) is sure
    assert arbitrate([korean, PlateRead("XI9728", 0.999, (0.999,) * 6, "latin", "latin_reader")]) is korean


def test_a_sure_latin_read_overrules_even_certain_hangul() -> None:
    # us-ucsd 5AZJ257: the Korean network, never shown a Latin plate, read 542나2257 at 0.995, Hangul 0.999
    certain = _kr("542나2257", [0.995, 0.995, 0.99, 0.999, 0.995, 0.995, 0.995, 0.995])
    latin = PlateRead("5AZJ257", 1.0, (1.0, 0.999, 1.0, 1.0, 0.998, 1.0, 1.0), "latin", "latin_reader")
    assert latin_sure(latin) and arbitrate([certain, latin]) is latin
    # not sure: one character under 0.97, a six-character read (two-line Korean plates read as 6, OHS392),
    # two letters only, or no common layout
    for text, confs in (("5AZJ257", (1.0, 0.96, 1.0, 1.0, 1.0, 1.0, 1.0)), ("OHS392", (1.0,) * 6),
                        ("5A9J257", (1.0,) * 7), ("5AZJ2T7", (1.0,) * 7)):
        read = PlateRead(text, 0.995, confs, "latin", "latin_reader")
        assert not latin_sure(read) and arbitrate([certain, read]) is certain


def test_two_sure_letters_in_a_common_seven_character_layout_overrule_uncertain_hangul() -> None:
    # es UM96201: the Korean grammar path "490아1900" scored 0.973 with Hangul 0.959
    korean = _kr("490아1900", [0.98, 0.98, 0.97, 0.959, 0.98, 0.97, 0.98, 0.98])
    latin = PlateRead("UM96201", 0.999, (0.999,) * 7, "latin", "latin_reader")
    assert korean_trusted(korean) and arbitrate([korean, latin]) is latin
    odd = PlateRead("U9M6201", 0.999, (0.999,) * 7, "latin", "latin_reader")  # no common layout
    assert arbitrate([korean, odd]) is korean
    sure = _kr("490아1900", [0.98, 0.98, 0.97, 0.999, 0.98, 0.97, 0.98, 0.98])
    assert arbitrate([sure, latin]) is sure


def test_latin_reads_of_implausible_length_do_not_count() -> None:
    assert not latin_plausible(PlateRead("I9", 0.8))
    assert not latin_plausible(PlateRead("A1B2C3D4E5F", 0.9))
    assert latin_plausible(PlateRead("AB12", 0.9))
    korean = _kr("전남88바8613", [0.5, 0.5, 0.8, 0.5, 0.01, 0.7, 0.6, 0.6, 0.6])
    assert arbitrate([korean, PlateRead("I9", 0.8)]) is korean
    assert arbitrate([None, PlateRead("I9", 0.8)]).text == "I9"  # nothing better: the invalid read stays
    assert arbitrate([None, None]) is None


def _latin_plate(text: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (520, 110), (240, 240, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((3, 3, 516, 106), outline=(20, 20, 20), width=3)
    font = ImageFont.truetype(str(FONT), 66)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((520 - box[2]) / 2, (110 - box[3]) / 2 - box[1] / 2), text, fill=(10, 10, 10), font=font)
    return np.ascontiguousarray(np.asarray(img)[..., ::-1])


@pytest.fixture(scope="module")
def chain() -> MultiReader:
    from gatekeeper.pipeline.reader import KoreanPlateReader
    from gatekeeper.pipeline.reader_latin import LatinPlateReader

    return MultiReader(KoreanPlateReader(weights_dir(), backend="onnx"), LatinPlateReader())


@pytest.mark.slow
@pytest.mark.parametrize("text", ["1277DPZ", "WX64KHD", "4TDS709", "AB123CD"])
def test_chain_reads_rendered_latin_plates_as_latin(chain, text) -> None:
    if not FONT.is_file():
        pytest.skip("DejaVu fonts are not installed")
    got = chain.read(_latin_plate(text))
    assert got is not None and got.text == text and got.reader == "easyocr_en"


@pytest.mark.slow
def test_chain_still_reads_rendered_korean_plates_as_korean(chain) -> None:
    r = PlateRenderer(seed=31)
    for style in (PlateStyle.WHITE_8, PlateStyle.YELLOW_COMMERCIAL_2LINE, PlateStyle.WHITE_REGIONAL):
        img, text = r.render(style=style)
        got = chain.read(img)
        assert got is not None and got.text == text and got.reader == "kr_reader", (got, text)


def test_latin_read_of_a_korean_serial_line_does_not_win() -> None:
    # a two-line Korean plate: the Latin reader finds only the big serial line
    korean = _kr("충남23도7460", [0.9, 0.9, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0])
    assert arbitrate([korean, PlateRead("7460", 0.999, (), "latin", "easyocr_en")]) is korean
    assert arbitrate([korean, PlateRead("237460", 0.999, (), "latin", "easyocr_en")]) is korean


def test_weak_korean_read_with_sure_looking_hangul_loses_to_confident_latin_letters() -> None:
    # UK test video, a far frame: the Korean grammar path "55도8851" scores 0.52 with Hangul 0.999
    korean = _kr("55도8851", [0.3, 0.4, 0.999, 0.5, 0.5, 0.6, 0.6])
    latin = PlateRead("LS15EBC", 0.95, (0.95,) * 7, "latin", "latin_reader")
    assert arbitrate([korean, latin]) is latin
    # a fair Korean read (0.955, sure Hangul) keeps the plate against the same Latin read
    fair = _kr("울산68나1437", [0.989, 0.989, 0.95, 0.95, 0.989, 0.95, 0.95, 0.95, 0.95])
    assert arbitrate([fair, latin]) is fair


def test_unsure_hangul_keeps_the_plate_against_less_confident_latin_letters() -> None:
    # a two-line regional plate (synthetic 대전10루8157): region mark unsure, the Latin network reads junk
    korean = _kr("대전10루8157", [0.859, 0.95, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])
    assert not korean_trusted(korean)
    assert arbitrate([korean, PlateRead("W8IST", 0.68, (0.68,) * 5, "latin", "latin_reader")]) is korean


def test_a_latin_read_of_the_serial_with_look_alike_letters_does_not_win() -> None:
    # darkened kr-dev 33하6580: the Latin network read the serial alone, its 0 as O, more confidently
    korean = _kr("33하6580", [0.9, 0.9, 0.4, 0.9, 0.9, 0.9, 0.9])
    assert arbitrate([korean, PlateRead("658O", 0.89, (0.89,) * 4, "latin", "latin_reader")]) is korean
    assert arbitrate([korean, PlateRead("3G58O", 0.89, (0.89,) * 5, "latin", "latin_reader")]) is korean
    # letters that are no digit's look-alike keep their weight
    latin = PlateRead("658KX", 0.89, (0.89,) * 5, "latin", "latin_reader")
    assert arbitrate([korean, latin]) is latin


def test_a_certain_latin_read_beats_an_untrusted_korean_read_but_not_its_serial() -> None:
    # es 5777770: the Korean grammar path 776배9110 (0.82, Hangul 0.98) against a certain Latin read
    korean = _kr("776배9110", [0.9, 0.91, 0.98, 0.98, 0.52, 0.79, 0.73, 0.87])
    certain = PlateRead("5777770", 1.0, (1.0,) * 7, "latin", "latin_reader")
    assert not korean_trusted(korean) and arbitrate([korean, certain]) is certain
    assert arbitrate([korean, PlateRead("5777770", 0.98, (0.98,) * 7, "latin", "latin_reader")]) is korean
    # a two-line Korean plate read by the Latin network as region-mark letters and the serial
    two_line = _kr("서울74사9728", [0.9, 0.9, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9])
    serial = PlateRead("XI9728", 0.999, (0.999,) * 6, "latin", "latin_reader")
    assert arbitrate([two_line, serial]) is two_line


def test_a_four_character_fragment_does_not_beat_an_unsure_korean_read_by_confidence_alone() -> None:
    korean = _kr("광주96너8280", [0.95, 0.95, 0.95, 0.95, 0.5, 0.99, 0.99, 0.99, 0.99])
    assert hangul_confidence(korean) == pytest.approx(0.5)
    assert arbitrate([korean, PlateRead("823O", 0.957, (0.957,) * 4, "latin", "latin_reader")]) is korean
    five = PlateRead("8230K", 0.957, (0.957,) * 5, "latin", "latin_reader")
    assert arbitrate([korean, five]) is five


def test_a_latin_read_of_all_the_korean_digits_with_letters_for_its_hangul_does_not_win() -> None:
    # 대구78라6593 (synthetic, green two-line): unsure Hangul, and the Latin network reads LH7786593
    korean = _kr("대구78라6593", [0.88, 0.9, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])
    assert not korean_trusted(korean)
    latin = PlateRead("LH7786593", 0.994, (0.994,) * 9, "latin", "latin_reader")
    assert arbitrate([korean, latin]) is korean
    # a digit-only Latin plate holding the Korean read's digits stays Latin (es 3100000 against 대전31소0000)
    korean = _kr("대전31소0000", [0.3, 0.3, 0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9])
    digits = PlateRead("3100000", 0.999, (0.999,) * 7, "latin", "latin_reader")
    assert arbitrate([korean, digits]) is digits


def test_a_shorter_latin_read_of_the_korean_digits_with_a_digit_or_two_lost_does_not_win() -> None:
    # synthetic yellow 경기78아8135 (seed 4242): right, but its 기 at 0.8 leaves it untrusted, and the Latin
    # network read the plate's digits 788135 as 88735 (one lost, one misread) at 0.981
    korean = _kr("경기78아8135", [0.98, 0.8, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])
    assert not korean_trusted(korean) and korean.confidence < 0.981
    assert arbitrate([korean, PlateRead("88735", 0.981, (0.99,) * 5, "latin", "latin_reader")]) is korean
    # look-alike letters for digits count too: O5O14 for 제주81아5014 (two-line, seed 777)
    korean = _kr("제주81아5014", [0.9, 0.9, 0.95, 0.95, 0.6, 0.99, 0.99, 0.99, 0.99])
    assert arbitrate([korean, PlateRead("O5O14", 0.986, (0.986,) * 5, "latin", "latin_reader")]) is korean
    # three look-alike letters look foreign: es 589222, read 589ZZZ, against the grammar path 589조2277
    korean = _kr("589조2277", [0.99, 0.99, 0.99, 0.5, 0.8, 0.9, 0.6, 0.9])
    zzz = PlateRead("589ZZZ", 0.9997, (0.9997,) * 6, "latin", "latin_reader")
    assert arbitrate([korean, zzz]) is zzz
    # three edits away, or as long as the digits, it is no Latin reading of this plate: the evidence decides
    far = PlateRead("86635", 0.981, (0.99,) * 5, "latin", "latin_reader")
    assert arbitrate([_kr("경기78아8135", [0.98, 0.8] + [0.99] * 7), far]) is far
    korean = _kr("서울44사2281", [0.7, 0.6, 0.8, 0.8, 0.05, 0.9, 0.9, 0.9, 0.9])
    same_length = PlateRead("442287", 0.99, (0.99,) * 6, "latin", "latin_reader")
    assert arbitrate([korean, same_length]) is same_length  # the Hangul is unsure:
    # misread digits do not count


def test_a_confident_latin_layout_with_three_letters_beats_an_untrusted_korean_read() -> None:
    # us-ucsd 5AOG200: the Korean grammar path 54다6260 (0.922, Hangul 0.985) against 5AOG200 at 0.990 with
    # one character at 0.94 (so not sure): no synthetic Korean plate gave such a Latin read
    korean = _kr("54다6260", [0.95, 0.9, 0.985, 0.9, 0.9, 0.95, 0.9])
    latin = PlateRead("5AOG200", 0.99, (1.0, 1.0, 1.0, 1.0, 1.0, 0.94, 1.0), "latin", "latin_reader")
    assert not korean_trusted(korean) and not latin_sure(latin)
    assert arbitrate([korean, latin]) is latin
    # not when the Latin read is less confident than the Korean one, nor outside a common layout
    weaker = PlateRead("5AOG200", 0.91, (0.91,) * 7, "latin", "latin_reader")
    assert arbitrate([korean, weaker]) is korean
    odd = PlateRead("5AOGA00", 0.98, (0.98,) * 7, "latin", "latin_reader")
    assert arbitrate([korean, odd]) is korean
    # a trusted Korean read keeps the plate
    trusted = _kr("54다6260", [1.0, 1.0, 0.99, 1.0, 1.0, 1.0, 1.0])
    assert korean_trusted(trusted) and arbitrate([trusted, latin]) is trusted


def test_a_certain_digit_read_of_the_korean_digits_wins_when_the_hangul_looks_invented() -> None:
    """es 1032148: the Korean grammar put a syllable in (103두2148, Hangul 0.62) where the plate has none."""
    latin = PlateRead("1032148", 1.0, (1.0,) * 7, "latin", "latin_reader")
    invented = _kr("103두2148", [0.99, 0.99, 0.99, 0.62, 0.97, 0.97, 0.97, 0.97])
    assert arbitrate([invented, latin]) is latin
    plausible = _kr("103두2148", [0.99, 0.99, 0.99, 0.76, 0.97, 0.97, 0.97, 0.97])  # a real, faint syllable
    assert arbitrate([plausible, latin]) is plausible
    unsure_digits = PlateRead("1032148", 0.96, (0.99,) * 6 + (0.8,), "latin", "latin_reader")
    assert arbitrate([invented, unsure_digits]) is invented  # only a certain Latin read counts


def test_a_digit_read_with_a_digit_where_the_korean_syllable_is_does_not_win() -> None:
    # synthetic yellow 광주48사0178 (seed 777): right at 0.976, untrusted for its 사 at 0.86; the Latin
    # network read the 사 as a 4 (4840178, every digit >= 0.97) and won as a certain read
    korean = _kr("광주48사0178", [0.94, 1.0, 1.0, 1.0, 0.86, 1.0, 1.0, 1.0, 1.0])
    latin = PlateRead("4840178", 0.99, (1.0, 1.0, 0.97, 0.97, 1.0, 1.0, 0.99), "latin", "latin_reader")
    assert not korean_trusted(korean) and arbitrate([korean, latin]) is korean
    # a digit anywhere else, or a syllable that looks invented (a digit-only plate forced into the grammar),
    # and the Latin read is no reading of this Korean plate: the evidence decides
    elsewhere = PlateRead("4801478", 0.99, (1.0,) * 7, "latin", "latin_reader")
    assert arbitrate([korean, elsewhere]) is elsewhere
    invented = _kr("48사0178", [1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0])
    assert arbitrate([invented, latin]) is latin
    # nor a weak Korean read: es 3100000, a digit-only plate read 대전31소0000 at 0.51 in the dark
    weak = _kr("대전31소0000", [0.3, 0.3, 0.9, 0.9, 0.75, 0.6, 0.6, 0.6, 0.6])
    digits = PlateRead("3100000", 0.995, (0.99,) * 7, "latin", "latin_reader")
    assert arbitrate([weak, digits]) is digits
