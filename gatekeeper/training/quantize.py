"""Int8 copies of the reader networks (``NAME.int8.onnx`` beside ``NAME.onnx``) for faster CPU reads.

Static quantization (onnxruntime, QDQ, per-channel int8 weights, uint8 activations) calibrated on
synthetic line images from the project's own renderers: three quarters of the network's own kind of
plate and one quarter of the other kind, because the reader chain shows every crop to both networks.
The copy's metadata records the sha256 of the ``NAME.onnx`` it was made from; the readers run it only while
that file is unchanged (:func:`gatekeeper.pipeline.reader_ctc.int8_session`).

    python -m gatekeeper.training.quantize --weights weights --name kr_reader --kind korean
    python -m gatekeeper.training.quantize --weights weights --name latin_reader --kind latin
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from gatekeeper.domain.files import sha256_file
from gatekeeper.pipeline.reader_ctc import SOURCE_SHA256_KEY, int8_path
from gatekeeper.pipeline.reader_layout import to_tensor_array
from gatekeeper.training.reader_data import KINDS, make_samples

log = logging.getLogger(__name__)

CALIBRATION_BATCH = 32


def calibration_lines(kind: str, n: int, seed: int, glyph_dir: Path | None = None) -> np.ndarray:
    """``n`` synthetic line images (uint8 N x 32 x 160): 3/4 of ``kind``, 1/4 of the other kind."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    other = KINDS[1 - KINDS.index(kind)]
    n_other = n // 4
    own = make_samples(n - n_other, seed, glyph_dir=glyph_dir, kind=kind).images
    if n_other == 0:
        return own
    return np.concatenate([own, make_samples(n_other, seed + 1, glyph_dir=glyph_dir, kind=other).images])


def _batches(lines: np.ndarray) -> Iterator[dict[str, np.ndarray]]:
    for i in range(0, len(lines), CALIBRATION_BATCH):
        yield {"image": to_tensor_array(list(lines[i:i + CALIBRATION_BATCH]))}


def quantize_reader(weights_dir: Path, name: str, kind: str, n: int = 512, seed: int = 20261121,
                    glyph_dir: Path | None = None, out: Path | None = None) -> Path:
    """Write the int8 copy of ``weights_dir/name.onnx`` (to ``out`` or ``name.int8.onnx`` beside it)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    src = Path(weights_dir) / f"{name}.onnx"
    if not src.is_file():
        raise FileNotFoundError(f"no ONNX network to quantize: {src}")
    dst = Path(out) if out is not None else int8_path(src)
    lines = calibration_lines(kind, n, seed, glyph_dir)

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = _batches(lines)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=dst.parent)
    os.close(fd)
    try:
        quantize_static(str(src), tmp, _Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        _stamp(Path(tmp), {SOURCE_SHA256_KEY: sha256_file(src), "gatekeeper.calibration":
                           f"{len(lines)} synthetic lines, {kind} 3/4, seed {seed}"})
        os.chmod(tmp, 0o644)  # mkstemp makes it private
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("int8 %s written to %s (%d calibration lines, seed %d)", name, dst, len(lines), seed)
    return dst


def _stamp(path: Path, props: dict[str, str]) -> None:
    """Add metadata properties to an ONNX file in place."""
    import onnx

    model = onnx.load(str(path))
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=Path("weights"), help="folder with NAME.onnx")
    ap.add_argument("--name", default="kr_reader", help="network name (kr_reader, latin_reader)")
    ap.add_argument("--kind", choices=KINDS, default="korean", help="which plates calibrate it mostly")
    ap.add_argument("--n", type=int, default=512, help="calibration line images")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--glyphs", type=Path, default=None, help="official glyph folder (kr-plate-glyphs)")
    ap.add_argument("--out", type=Path, default=None, help="output file (default: NAME.int8.onnx beside it)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    dst = quantize_reader(args.weights, args.name, args.kind, args.n, args.seed, args.glyphs, args.out)
    print(dst, sha256_file(dst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
