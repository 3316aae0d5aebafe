"""Int8 copies of the reader networks: made from NAME.onnx, read like it, and never used once stale."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.dataset.synth.latin import LatinPlateRenderer
from gatekeeper.domain.files import sha256_file
from gatekeeper.domain.paths import weights_dir
from gatekeeper.pipeline.reader import KoreanPlateReader
from gatekeeper.pipeline.reader_ctc import SOURCE_SHA256_KEY, int8_path
from gatekeeper.pipeline.reader_latin_net import LatinNetReader
from gatekeeper.training.quantize import calibration_lines, main, quantize_reader

STYLES = [PlateStyle.WHITE_8, PlateStyle.WHITE_7, PlateStyle.YELLOW_COMMERCIAL_2LINE,
          PlateStyle.GREEN_OLD_2LINE, PlateStyle.BLUE_EV, PlateStyle.RENTAL, PlateStyle.WHITE_REGIONAL]


def _copy_network(dst: Path, name: str) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for ext in (".pth", ".yaml", ".py", ".onnx"):
        shutil.copy(weights_dir() / f"{name}{ext}", dst / f"{name}{ext}")
    return dst


@pytest.fixture(scope="module")
def quantized_kr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _copy_network(tmp_path_factory.mktemp("int8"), "kr_reader")
    quantize_reader(folder, "kr_reader", "korean", n=64, seed=5)
    return folder


def test_calibration_mixes_both_kinds_of_plates() -> None:
    lines = calibration_lines("korean", 8, seed=3)
    assert lines.shape == (8, 32, 160) and lines.dtype == np.uint8
    assert len({lines[i].tobytes() for i in range(8)}) == 8
    with pytest.raises(ValueError, match="kind"):
        calibration_lines("cyrillic", 4, seed=3)


def test_int8_copy_records_its_source_and_reads_korean_plates_like_the_fp32_network(
        quantized_kr: Path) -> None:
    import onnxruntime as ort

    path = int8_path(quantized_kr / "kr_reader.onnx")
    assert path.is_file() and path.stat().st_size < (quantized_kr / "kr_reader.onnx").stat().st_size
    meta = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta()
    assert meta.custom_metadata_map[SOURCE_SHA256_KEY] == sha256_file(quantized_kr / "kr_reader.onnx")

    int8 = KoreanPlateReader(quantized_kr, backend="onnx")
    fp32 = KoreanPlateReader(quantized_kr, backend="onnx", int8=False)
    assert int8.int8 and int8.onnx_file == path
    assert not fp32.int8 and fp32.onnx_file == quantized_kr / "kr_reader.onnx"
    r = PlateRenderer(seed=31)
    plates = [r.render(style=s) for s in STYLES for _ in range(2)]
    reads = [(int8.read(img), fp32.read(img), text) for img, text in plates]
    assert sum(a is not None and a.text == t for a, _, t in reads) >= len(plates) - 1
    assert sum(a is not None and b is not None and a.text == b.text for a, b, _ in reads) >= len(plates) - 1
    probs8 = int8.line_probs([np.full((32, 160), 200, np.uint8)])
    probs32 = fp32.line_probs([np.full((32, 160), 200, np.uint8)])
    assert probs8.shape == probs32.shape and np.allclose(probs8.sum(-1), 1.0, atol=1e-4)


def test_a_stale_or_broken_int8_copy_is_not_used(quantized_kr: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import onnx

    folder = tmp_path / "stale"
    shutil.copytree(quantized_kr, folder)
    model = onnx.load(str(folder / "kr_reader.onnx"))  # same network, new file: a retrained export
    model.doc_string = "re-exported"
    onnx.save(model, str(folder / "kr_reader.onnx"))
    with caplog.at_level(logging.WARNING, logger="gatekeeper.pipeline.reader_ctc"):
        stale = KoreanPlateReader(folder, backend="onnx")
    assert not stale.int8 and "stale" in caplog.text

    int8_path(folder / "kr_reader.onnx").write_bytes(b"not an onnx file")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="gatekeeper.pipeline.reader_ctc"):
        broken = KoreanPlateReader(folder, backend="onnx")
    assert not broken.int8 and "unusable" in caplog.text
    img, text = PlateRenderer(seed=2).render(style=PlateStyle.WHITE_8)
    read = broken.read(img)
    assert read is not None and read.text == text


def test_latin_int8_copy_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy_network(tmp_path, "latin_reader")
    assert main(["--weights", str(folder), "--name", "latin_reader", "--kind", "latin", "--n", "32"]) == 0
    path = int8_path(folder / "latin_reader.onnx")
    assert str(path) in capsys.readouterr().out and path.stat().st_mode & 0o044  # readable by the app's user
    reader = LatinNetReader(folder, backend="onnx")
    assert reader.int8
    renderer = LatinPlateRenderer(seed=4)
    texts = ["AB123CD", "7WGO233", "KL55XYZ"]
    reads = [reader.read(renderer.render(text=t, style="plain").image) for t in texts]
    assert sum(r is not None and r.text == t for r, t in zip(reads, texts, strict=True)) >= 2


def test_quantizing_a_missing_network_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="kr_reader.onnx"):
        quantize_reader(tmp_path, "kr_reader", "korean", n=4)


def test_shipped_readers_run_their_int8_copies() -> None:
    for cls in (KoreanPlateReader, LatinNetReader):
        assert cls(weights_dir(), backend="onnx").int8
