"""Reader training can draw some plate styles more often than the usual mix (``--style-weight``): Korean
styles, and the Latin renderer's (``us``, ``eu``, ...)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateStyle
from gatekeeper.training.reader import main, train_reader
from gatekeeper.training.reader_data import (
    TRAIN_STYLE_WEIGHTS,
    latin_style_weights,
    make_samples,
    parse_styles,
    style_weights,
)

ONLY_RENTAL = {s.value: 0.0 for s in PlateStyle} | {"rental": 1.0}


def test_style_weights_replace_the_named_styles_only() -> None:
    weights = style_weights({"rental": 0.3, "blue_ev": 0})
    assert weights[PlateStyle.RENTAL] == 0.3
    assert weights[PlateStyle.BLUE_EV] == 0.0
    assert weights[PlateStyle.WHITE_8] == TRAIN_STYLE_WEIGHTS[PlateStyle.WHITE_8]
    assert style_weights() == TRAIN_STYLE_WEIGHTS
    assert style_weights() is not TRAIN_STYLE_WEIGHTS


@pytest.mark.parametrize(("overrides", "message"), [
    ({"taxi": 1.0}, "unknown plate style 'taxi'"),
    ({"rental": -0.1}, "must be 0 or more"),
    ({"rental": float("nan")}, "must be 0 or more"),
    ({s.value: 0.0 for s in PlateStyle}, "every plate style has weight 0"),
])
def test_bad_style_weights_are_refused(overrides: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        style_weights(overrides)


def test_samples_follow_the_style_weights_and_the_usual_mix_is_unchanged() -> None:
    rental = make_samples(12, seed=5, overrides=ONLY_RENTAL)
    assert all(any(c in label for c in "하허호") for label in rental.labels), rental.labels
    usual, same = make_samples(12, seed=5), make_samples(12, seed=5, overrides={})
    assert usual.labels == same.labels and np.array_equal(usual.images, same.images)
    assert usual.labels != rental.labels
    with pytest.raises(ValueError, match="unknown Latin plate style 'rental'"):
        make_samples(2, seed=5, kind="latin", overrides={"rental": 1.0})


def test_latin_samples_follow_the_latin_style_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeeper.dataset.synth.latin import STYLES, LatinPlateRenderer

    drawn: list[str | None] = []
    render = LatinPlateRenderer.render

    def recording(self, text=None, style=None):  # noqa: ANN001, ANN202 - the real renderer, recorded
        drawn.append(style)
        return render(self, text, style)

    monkeypatch.setattr(LatinPlateRenderer, "render", recording)
    make_samples(40, seed=6, kind="latin", overrides={"us": 1.0, "eu": 0, "yellow": 0, "plain": 0,
                                                       "dark": 0, "uk": 0})
    assert drawn and set(drawn) == {"us"}
    drawn.clear()
    usual, same = make_samples(20, seed=6, kind="latin"), make_samples(20, seed=6, kind="latin", overrides={})
    assert usual.labels == same.labels and set(drawn) == {None}  # the renderer's own mix, as before
    assert latin_style_weights({"us": 0.7}) == {**dict(STYLES), "us": 0.7}
    for bad, message in (({"taxi": 1}, "unknown Latin plate style"), ({"us": -1}, "must be 0 or more"),
                         (dict.fromkeys(dict(STYLES), 0.0), "every plate style has weight 0")):
        with pytest.raises(ValueError, match=message):
            latin_style_weights(bad)


def test_a_run_keeps_its_style_weights_and_refuses_others_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = train_reader(out, steps=2, batch_size=4, synthetic=8, held_out=4, producer=False,
                       int8_calibration=0, styles=ONLY_RENTAL)
    assert res.pth.is_file()
    assert json.loads((out / "cache" / "styles.json").read_text(encoding="utf-8")) == ONLY_RENTAL
    with pytest.raises(ValueError, match="rendered with style weights"):
        train_reader(out, steps=3, batch_size=4, synthetic=8, held_out=4, producer=False, int8_calibration=0)
    usual = tmp_path / "usual"
    train_reader(usual, steps=1, batch_size=4, synthetic=4, held_out=4, producer=False, int8_calibration=0)
    with pytest.raises(ValueError, match="rendered with style weights as usual"):
        train_reader(usual, steps=2, batch_size=4, synthetic=4, held_out=4, producer=False,
                     int8_calibration=0, styles={"rental": 1.0})
    with pytest.raises(ValueError, match="unknown Latin plate style 'rental'"):
        train_reader(tmp_path / "latin", kind="latin", steps=1, styles={"rental": 1.0})
    latin = train_reader(tmp_path / "latin-us", kind="latin", steps=1, batch_size=4, synthetic=4, held_out=4,
                         producer=False, int8_calibration=0, styles={"us": 1.0, "eu": 0.0})
    assert latin.pth.is_file()
    assert json.loads((tmp_path / "latin-us" / "cache" / "styles.json").read_text(encoding="utf-8")) == {
        "us": 1.0, "eu": 0.0}


def test_style_weight_options_are_parsed_and_checked(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_styles(["rental=0.2", " blue_ev=0"]) == {"rental": 0.2, "blue_ev": 0.0}
    for bad, message in (("rental", "expected STYLE=WEIGHT"), ("rental=x", "expected STYLE=WEIGHT"),
                         ("taxi=1", "unknown plate style")):
        with pytest.raises(SystemExit) as exc:
            main(["--out", str(tmp_path / "cli"), "--steps", "1", "--style-weight", bad])
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "cli"), "--kind", "latin", "--style-weight", "rental=1"])
    assert "unknown Latin plate style 'rental'" in capsys.readouterr().err
    assert parse_styles(["us=0.7"], "latin") == {"us": 0.7}
    assert not (tmp_path / "cli").exists()
