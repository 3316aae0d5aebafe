"""A tiny real training run of the Korean reader: writes loadable EasyOCR/ONNX weights and resumes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from gatekeeper.domain.plates import PLATE_CHARSET
from gatekeeper.training.reader import main, train_reader


@pytest.mark.slow
def test_tiny_training_writes_loadable_weights_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    seen: list[str] = []
    res = train_reader(out, steps=3, batch_size=4, synthetic=12, held_out=6, producer=False,
                       checkpoint_every=2, progress=lambda f, m: seen.append(m))
    assert res.steps == 3
    for p in (res.pth, res.yaml, res.py, res.onnx):
        assert p is not None and p.is_file() and p.stat().st_size > 0
    cfg = yaml.safe_load(res.yaml.read_text(encoding="utf-8"))
    assert cfg["character_list"] == PLATE_CHARSET and cfg["imgH"] == 32 and cfg["lang_list"] == ["ko"]
    assert 0.0 <= res.metrics["synthetic_accuracy"] <= 1.0
    assert (out / "checkpoint.pt").is_file()

    again = train_reader(out, steps=5, batch_size=4, synthetic=12, held_out=6, producer=False,
                         checkpoint_every=2, progress=lambda f, m: seen.append(m))
    assert again.steps == 5
    assert any("resumed at step 3" in m for m in seen)

    tuned = train_reader(tmp_path / "tuned", steps=1, batch_size=4, synthetic=8, held_out=4, producer=False,
                         base_weights=again.pth, progress=lambda f, m: seen.append(m))
    assert tuned.steps == 1 and any("fine-tuning from" in m for m in seen)

    from gatekeeper.pipeline.reader import KoreanPlateReader

    crop = np.full((110, 520, 3), 230, np.uint8)
    for backend in ("easyocr", "onnx"):
        reader = KoreanPlateReader(out, backend=backend)
        assert reader.backend == backend
        read = reader.read(crop)  # an untrained net may read nothing; it must not fail
        assert read is None or len(read.char_confidences) == len(read.text)


def test_cli_rejects_missing_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["--steps", "1"])
