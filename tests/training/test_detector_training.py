"""A tiny real detector training run: 1 epoch on a few composites, ONNX export, nothing written elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.composite import generate_composites, road_texture, synth_plate_source
from gatekeeper.dataset.detect_data import write_detect_yaml
from gatekeeper.pipeline.detector import YoloPlateDetector
from gatekeeper.training.detector import DetectorTrainingError, main, train_detector


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture()
def tiny_data(tmp_path: Path) -> Path:
    bgs = [road_texture(np.random.default_rng(i), 160, 96) for i in range(3)]
    comp = generate_composites(tmp_path / "comp", 8, seed=0, backgrounds=bgs,
                               plate_source=synth_plate_source(0), valid_fraction=0.25)
    return write_detect_yaml(tmp_path / "run", None, synthetic=comp).yaml_path


@pytest.mark.slow
def test_tiny_training_gives_loadable_pt_and_onnx(tiny_data: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    cfg = Path(os.environ["YOLO_CONFIG_DIR"])
    seen: list[tuple[float, str]] = []
    out = tmp_path / "run"
    before_repo = _tree(Path(__file__).resolve().parents[2] / "weights")
    res = train_detector(out, data_yaml=tiny_data, epochs=1, imgsz=64, batch=4, cache=False,
                         progress=lambda f, m: seen.append((f, m)))
    assert res.weights.is_file() and res.weights.is_relative_to(out)
    assert res.onnx is not None and res.onnx.is_file() and res.onnx.suffix == ".onnx"
    assert res.epochs == 1 and {"precision", "recall", "mAP50"} <= set(res.metrics)
    assert all(0.0 <= v <= 1.0 for v in res.metrics.values())
    assert seen and seen[-1] == (1.0, "done") and [f for f, _ in seen] == sorted(f for f, _ in seen)
    assert _tree(cwd) == set(), "training wrote into the working directory"
    assert not any("Arial" in p for p in _tree(cfg)), "a font was fetched"
    assert _tree(Path(__file__).resolve().parents[2] / "weights") == before_repo
    for weights in (res.onnx, res.weights):
        det = YoloPlateDetector(weights, imgsz=64, device="cpu")
        assert isinstance(det.detect(np.zeros((96, 160, 3), np.uint8)), list)
    # the run finished, so a second call starts a new one instead of trying to resume it
    again = train_detector(out, data_yaml=tiny_data, epochs=1, imgsz=64, batch=4, cache=False, export=False)
    assert again.weights.is_file() and again.onnx is None


def test_bad_inputs_are_reported(tmp_path: Path) -> None:
    with pytest.raises(DetectorTrainingError, match="data yaml not found"):
        train_detector(tmp_path / "r", data_yaml=tmp_path / "missing.yaml", epochs=1)
    with pytest.raises(DetectorTrainingError, match="base weights not found"):
        yaml = tmp_path / "d.yaml"
        yaml.write_text("train: x\nval: x\nnc: 1\nnames: ['Plate']\n")
        train_detector(tmp_path / "r", data_yaml=yaml, epochs=1, base_weights=tmp_path / "none.pt")


@pytest.mark.slow
def test_cli_entry_point(tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["--out", str(tmp_path / "cli"), "--data", str(tiny_data), "--epochs", "1", "--imgsz", "64",
               "--batch", "4", "--no-export", "--threads", "1"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "weights:" in text and "metrics:" in text
    assert (tmp_path / "cli" / "train" / "weights" / "best.pt").is_file()


@pytest.mark.slow
def test_fine_tune_with_low_light_blurred_and_lettered_copies(tiny_data: Path, tmp_path: Path) -> None:
    """The night/infrared, blur and lettering recipes: low-light, blurred and lettered copies of the
    training photos join the training folders, and a fine-tune from base weights runs AdamW at the given
    learning rate."""
    base = train_detector(tmp_path / "base", data_yaml=tiny_data, epochs=1, imgsz=64, batch=4, cache=False,
                          export=False).weights
    out, photos = tmp_path / "ft", tmp_path / "comp"
    res = train_detector(out, epochs=1, imgsz=64, batch=4, cache=False, export=False, real_data=photos,
                         base_weights=base, low_light=4, blur=3, lettering=2, lr0=5e-4, warmup_epochs=0)
    for i, (kind, n) in enumerate((("low_light", 4), ("blur", 3), ("lettering", 2))):
        copies = sorted((out / kind / "train" / "images").glob("*.jpg"))
        assert len(copies) == n
        linked = sorted((out / "data" / f"extra{i}" / "train" / "images").iterdir())
        assert [p.resolve() for p in linked] == [p.resolve() for p in copies]
        assert f"data/extra{i}/train/images" in (out / "data.yaml").read_text(encoding="utf-8")
    args = (res.run_dir / "args.yaml").read_text(encoding="utf-8")
    assert "optimizer: AdamW" in args and "lr0: 0.0005" in args and "warmup_epochs: 0" in args
    assert res.weights.is_file()
