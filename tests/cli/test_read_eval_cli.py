"""``gatekeeper read`` and ``gatekeeper eval``: argument handling, clear errors, and real-model runs."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.cli import build_parser, main
from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings

REPORT_KEYS = {
    "images", "plates", "plate_accuracy", "char_error_rate", "detection_recall", "detection_precision",
    "latency_ms_median", "latency_ms_p95", "read_ms_per_crop_median", "read_ms_per_crop_p95", "per_format",
    "kr_last4_accuracy", "errors", "model_version",
}


def test_parsers() -> None:
    parser = build_parser()
    args = parser.parse_args(["read", "a.jpg", "b.png", "--device", "cpu"])
    assert args.images == [Path("a.jpg"), Path("b.png")] and args.device == "cpu"
    args = parser.parse_args(
        ["--config", "top.json", "eval", "DIR", "--json", "o.json", "--details", "--limit", "3"]
    )
    assert args.directory == Path("DIR") and args.json == Path("o.json") and args.details and args.limit == 3
    assert args.config == Path("top.json")  # the top-level --config is not reset by the sub-command
    assert parser.parse_args(["eval", "DIR", "--config", "sub.json"]).config == Path("sub.json")
    with pytest.raises(SystemExit):
        parser.parse_args(["read", "a.jpg", "--device", "tpu"])


def test_eval_without_labels_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path)]) == 2
    assert "labels file not found" in capsys.readouterr().err


def test_eval_with_malformed_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "labels.csv").write_text("image,plate,x1,y1,x2,y2\n,12가3456,5,5,1,1\n", encoding="utf-8")
    assert main(["eval", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "labels.csv:2" in err and "empty image" in err
    (tmp_path / "labels.csv").write_text("file,text\na.jpg,12가3456\n", encoding="utf-8")
    assert main(["eval", str(tmp_path)]) == 2
    assert "header must be image,plate,x1,y1,x2,y2; missing image, plate" in capsys.readouterr().err


def test_eval_limit_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "labels.csv").write_text("image,plate,x1,y1,x2,y2\n", encoding="utf-8")
    assert main(["eval", str(tmp_path), "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err


# ------------------------------------------------------------------------- with the real models


@pytest.fixture(scope="module")
def models_ready() -> None:
    from gatekeeper.services.model_registry import shipped_weights

    settings, paths = Settings(), AppPaths.default()
    missing = [k for k in ("detector", "reader") if shipped_weights(k, settings, paths) is None]
    if missing:
        pytest.skip(f"no shipped weights for {', '.join(missing)} in weights/")


def _write_image(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imencode(path.suffix, image)[1].tofile(str(path))


def _fixture_set(root: Path) -> list[str]:
    """Three rendered plates: two crop-only images, one pasted into a 640x480 scene with its box."""
    from gatekeeper.dataset.synth.renderer import PlateRenderer

    renderer = PlateRenderer(seed=7)
    texts = ["12가3456", "123나4567", "서울39바2764"]
    rows = ["image,plate,x1,y1,x2,y2"]
    for i, text in enumerate(texts[:2]):
        plate, _ = renderer.render(text)
        _write_image(root / f"images/crop{i}.png", plate)
        rows.append(f"images/crop{i}.png,{text},,,,")
    plate, _ = renderer.render(texts[2])
    plate = cv2.resize(plate, (200, int(200 * plate.shape[0] / plate.shape[1])))
    scene = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(scene, (150, 180), (490, 420), (40, 40, 40), -1)  # a dark car body around the plate
    x, y = 220, 300
    scene[y : y + plate.shape[0], x : x + plate.shape[1]] = plate
    _write_image(root / "images/scene.jpg", scene)
    rows.append(f"images/scene.jpg,{texts[2]},{x},{y},{x + plate.shape[1]},{y + plate.shape[0]}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return texts


@pytest.mark.slow
def test_read_outputs_json_lines_and_survives_bad_images(
    models_ready: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fixture_set(tmp_path)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    images = [tmp_path / "images/crop0.png", bad, tmp_path / "missing.jpg", tmp_path / "images",
              tmp_path / "images/scene.jpg"]
    assert main(["read", *map(str, images), "--device", "cpu"]) == 1
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [Path(line["image"]).name for line in lines] == [
        "crop0.png", "broken.jpg", "missing.jpg", "images", "scene.jpg"]  # one line per image, in order
    errors = [line.get("error", "") for line in lines]
    assert errors[0] == errors[4] == ""
    assert (errors[1].endswith("broken.jpg: not a readable image")
            and errors[2].endswith("missing.jpg: image not found"))
    assert errors[3].endswith("images: is a folder, not an image")
    assert all(line["plates"] == [] for line in lines[1:4])
    assert "broken.jpg: not a readable image" in err and "missing.jpg: image not found" in err
    crop_plates = lines[0]["plates"]
    assert crop_plates, "a crop-only image is read whole when nothing is detected"
    for plate in crop_plates + lines[4]["plates"]:
        assert set(plate) == {"box", "text", "confidence", "format", "detector_score"}
        assert len(plate["box"]) == 4 and 0.0 <= plate["confidence"] <= 1.0


@pytest.mark.slow
def test_eval_end_to_end_on_rendered_plates(
    models_ready: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fixture_set(tmp_path / "set")
    out_json = tmp_path / "report.json"
    assert main(["eval", str(tmp_path / "set"), "--json", str(out_json), "--details", "--device", "cpu"]) == 0
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    assert REPORT_KEYS <= set(report)
    assert report["images"] == 3 and report["plates"] == 3 and report["failed_images"] == 0
    assert 0.0 <= report["plate_accuracy"] <= 1.0 and report["char_error_rate"] >= 0.0
    assert report["detection_images"] == 1 and report["detection_recall"] in (0.0, 1.0)
    assert report["latency_ms_median"] > 0 and report["latency_ms_p95"] >= report["latency_ms_median"]
    assert report["crops_read"] >= 3 and 0 < report["read_ms_per_crop_median"] <= report["latency_ms_p95"]
    assert len(report["details"]) == 3
    # clean rendered crops are the easiest case there is: the Korean reader must get most of them right
    assert report["char_error_rate"] < 0.5


@pytest.mark.slow
@pytest.mark.shared
def test_eval_runs_on_kr_dev(models_ready: None, shared_data: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "kr-dev.json"
    assert main(["eval", str(shared_data / "eval/kr-dev"), "--json", str(out_json), "--device", "cpu"]) == 0
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert REPORT_KEYS <= set(report)
    assert report["images"] == 14 and report["plates"] == 14 and report["failed_images"] == 0


@pytest.mark.slow
def test_eval_reads_labels_as_a_spreadsheet_on_windows_wrote_them(
    models_ready: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``;`` separators, a header in capitals, backslash paths, a bare file name for an image under
    ``images/``, corners the other way round, and a box that cannot be used: every image is evaluated, and
    the bad box is reported with its line."""
    texts = _fixture_set(tmp_path)
    rows = [line.split(",")
            for line in (tmp_path / "labels.csv").read_text(encoding="utf-8").splitlines()[1:]]
    rows[0][0] = rows[0][0].replace("/", "\\")
    rows[1][0] = rows[1][0].removeprefix("images/")
    rows[1][2:] = ["0", "0", "0", "0"]
    rows[2][2:] = rows[2][4:] + rows[2][2:4]
    (tmp_path / "labels.csv").write_text(
        "\n".join(";".join(r) for r in [["IMAGE", "Plate", "X1", "Y1", "X2", "Y2"], *rows]) + "\n",
        encoding="utf-8")
    out_json = tmp_path / "report.json"
    assert main(["eval", str(tmp_path), "--json", str(out_json), "--details", "--device", "cpu"]) == 0
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["failed_images"] == 0 and report["images"] == report["plates"] == len(texts)
    assert [d["plates"][0]["truth"] for d in report["details"]] == texts
    assert report["detection_images"] == 1  # the scene's box, its corners put in order
    assert [w.split(": ", 1)[0] for w in report["label_warnings"]] == [f"{tmp_path / 'labels.csv'}:3"]
    assert "box has no area" in capsys.readouterr().err



def test_eval_approach_needs_a_picture_with_one_boxed_plate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "labels.csv").write_text("image,plate,x1,y1,x2,y2\na.jpg,12가3456,,,,\n", encoding="utf-8")
    assert main(["eval", str(tmp_path), "--approach"]) == 2
    err = capsys.readouterr().err
    assert "no picture with exactly one labelled plate and its box" in err and "--approach" in err


@pytest.mark.slow
def test_eval_approach_end_to_end(
    models_ready: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fixture_set(tmp_path / "set")  # one scene with a boxed plate, two crops without boxes
    out_json = tmp_path / "approach.json"
    args = ["eval", str(tmp_path / "set"), "--approach", "--json", str(out_json), "--device", "cpu"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert json.loads(out) == report
    assert report["cars"] == 1 and len(report["skipped_images"]) == 2 and report["failed_images"] == 0
    assert report["pass_accuracy"] == 1.0 and report["other_passes"] == 0 and report["model_version"]
    assert report["read_ms_per_crop"]["n"] == report["crops_read"] > 0
    assert "pass_accuracy: 1.0 (1 cars logged right)" in err and "unsmeared turns: " in err
