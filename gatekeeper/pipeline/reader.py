"""Plate readers: our Korean CTC network (EasyOCR custom network or ONNX) and EasyOCR's English model.

``KoreanPlateReader`` reads one- and two-line Korean plates: the crop is turned into one line image
(two-line plates are split and their lines put side by side, see :mod:`gatekeeper.pipeline.reader_layout`),
read with a greedy CTC decode that keeps per-character confidences, and both layouts are tried when the
aspect ratio is ambiguous; the grammar-valid, most confident read wins. A weak read is re-read once with a
second preprocessing (deskew, local contrast, sharpening).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader_layout import (
    IMG_H,
    IMG_W,
    ONE_LINE,
    layout_order,
    line_image,
    to_tensor_array,
)
from gatekeeper.pipeline.plate_locate import located_plate
from gatekeeper.pipeline.reader_decode import confidence as _confidence
from gatekeeper.pipeline.reader_decode import ctc_greedy, ctc_plate
from gatekeeper.pipeline.reader_prep import YELLOW, careful_variant, plate_colour

log = logging.getLogger(__name__)

BACKENDS = ("auto", "easyocr", "onnx")


class ReaderLoadError(RuntimeError):
    """The reader's weight files are missing or unusable."""


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def korean_valid(text: str) -> bool:
    """A grammar-valid Korean plate (the Latin grammar, which accepts bare digit runs, does not count)."""
    return plates.is_korean(text) and plates.is_valid_plate(text)


def syllables_for(colour: str) -> str:
    """Use syllables a plate of this colour can carry: yellow plates are commercial, others are not."""
    if colour == YELLOW:
        return plates.COMMERCIAL_SYLLABLES
    if colour == "not_yellow":
        return plates.PRIVATE_SYLLABLES + plates.RENTAL_SYLLABLES
    return ""


def consistent(text: str, syllables: str) -> bool:
    """A Korean-valid read whose use syllable fits the plate colour (any syllable when unknown)."""
    if not korean_valid(text):
        return False
    if not syllables:
        return True
    info = plates.parse_plate(text)
    return info is None or not info.syllable or info.syllable in syllables or info.kind.value in (
        "kr_diplomatic", "kr_temporary")


def better_read(a: PlateRead | None, b: PlateRead | None, valid=korean_valid) -> PlateRead | None:
    """Prefer a grammar-valid read, then the more confident one (``a`` on ties)."""
    if a is None or b is None:
        return a or b
    ka = (valid(a.text), a.confidence)
    kb = (valid(b.text), b.confidence)
    return a if ka >= kb else b


class KoreanPlateReader:
    """Our Korean plate network (``NAME.pth/.yaml/.py``, ``NAME.onnx``) behind the ``PlateReader`` protocol.

    ``backend="easyocr"`` loads the network through EasyOCR's custom ``recog_network`` mechanism (torch);
    ``backend="onnx"`` runs the exported copy with onnxruntime. ``"auto"`` picks ONNX on CPU when the file is
    there (a clean crop: ~1 ms vs ~3 ms through EasyOCR/torch with one thread, far slower with torch's
    default threads on a busy 2-core machine), EasyOCR/torch otherwise.
    """

    def __init__(self, weights_dir: Path, name: str = "kr_reader", device: str = "cpu", backend: str = "auto",
                 recheck_below: float = 0.8, threads: int = 1) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        self.weights_dir = Path(weights_dir)
        self.model_name = name
        self.device = device
        self.recheck_below = recheck_below
        self._lock = threading.Lock()
        cfg = self._load_config()
        self.charset: str = cfg["character_list"]
        self.img_h = int(cfg.get("imgH") or IMG_H)
        self.img_w = int(cfg.get("imgW") or IMG_W)
        onnx_path = self.weights_dir / f"{name}.onnx"
        if backend == "auto":
            backend = "onnx" if device == "cpu" and onnx_path.is_file() and _has_onnxruntime() else "easyocr"
        self.backend = backend
        if backend == "onnx":
            self._session = _onnx_session(onnx_path, threads)
            self._net = None
        else:
            self._session = None
            self._net = self._load_easyocr()
        log.info("Korean reader %s loaded from %s (%s)", name, self.weights_dir, backend)

    @property
    def name(self) -> str:
        return self.model_name

    def _load_config(self) -> dict:
        import yaml

        missing = [p for p in (self.weights_dir / f"{self.model_name}{e}" for e in (".yaml", ".pth", ".py"))
                   if not p.is_file()]
        if missing:
            raise ReaderLoadError(f"reader weights missing: {', '.join(str(p) for p in missing)}")
        with open(self.weights_dir / f"{self.model_name}.yaml", encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        if not cfg or "character_list" not in cfg:
            raise ReaderLoadError(f"{self.model_name}.yaml has no character_list")
        return cfg

    def _load_easyocr(self):
        import easyocr
        import easyocr.easyocr as eo

        saved_h = getattr(eo, "imgH", 64)  # EasyOCR keeps a module-wide imgH that a custom yaml overwrites
        try:
            gpu = False if self.device == "cpu" else self.device
            reader = easyocr.Reader(["ko"], gpu=gpu, model_storage_directory=str(self.weights_dir),
                                    user_network_directory=str(self.weights_dir), recog_network=self.model_name,
                                    download_enabled=False, detector=False, verbose=False, quantize=False)
        except Exception as exc:  # noqa: BLE001 - surface any loader failure as one clear error
            raise ReaderLoadError(f"EasyOCR could not load {self.model_name} from {self.weights_dir}: {exc}") from exc
        finally:
            eo.imgH = saved_h
        self.easyocr_reader = reader
        net = reader.recognizer
        net.eval()
        return net

    # ------------------------------------------------------------------ inference
    def line_probs(self, lines: list[np.ndarray]) -> np.ndarray:
        """N line images (uint8 H x W) -> N x T x C probabilities."""
        x = to_tensor_array(lines)
        if self._session is not None:
            logits = self._session.run(None, {"image": x})[0]
        else:
            import torch

            with self._lock, torch.no_grad():
                t = torch.from_numpy(x)
                if self.device != "cpu":
                    t = t.to(self.device)
                logits = self._net(t).float().cpu().numpy()
        return _softmax(logits)

    def _decode(self, probs: np.ndarray, constrained: bool = False, syllables: str = "") -> list[PlateRead]:
        """Greedy reads; with ``constrained``, a read that is not a valid Korean plate fitting the plate
        colour is replaced by the best grammar path (restricted to ``syllables`` when given)."""
        out = []
        for p in probs:
            text, confs = ctc_greedy(p, self.charset)
            if constrained and not consistent(text, syllables):
                fixed = ctc_plate(p, self.charset, syllables)
                if fixed is not None:
                    text, confs = fixed[0], fixed[1]
            out.append(PlateRead(text=text, confidence=_confidence(confs), char_confidences=confs,
                                 plate_format=plates.plate_format(text), reader=self.model_name))
        return out

    def read_layouts(self, crop: np.ndarray, layouts: Sequence[str]) -> list[PlateRead]:
        """One read per layout of the same crop."""
        return self._decode(self.line_probs([line_image(crop, lay, self.img_h, self.img_w) for lay in layouts]))

    def _good(self, read: PlateRead | None, syllables: str = "") -> bool:
        return read is not None and consistent(read.text, syllables) and read.confidence >= self.recheck_below

    def candidate_lines(self, crop: np.ndarray) -> list[np.ndarray]:
        """The careful pass: other layout, the plate located inside a loose crop, horizontal bands."""
        h, w = crop.shape[:2]
        order = layout_order(crop)
        lines = [line_image(crop, order[1], self.img_h, self.img_w)]
        loc = located_plate(crop)
        if loc is not None:
            lines += [line_image(loc, lay, self.img_h, self.img_w) for lay in layout_order(loc)]
        for band in plate_bands(crop):
            lines.append(line_image(band, ONE_LINE, self.img_h, self.img_w))
        return lines

    def read(self, crop: np.ndarray) -> PlateRead | None:
        """Read one plate crop (BGR or grey); None when no Hangul plate text is found.

        Cheap first: the crop in its likely layout (one network call). Careful second, when that read is
        not grammar-valid or below ``recheck_below``: the other layout, the located plate, horizontal bands
        of a loose crop, and a deskewed/contrast-enhanced copy, in one batch; the best read wins.
        """
        if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
            return None
        syllables = syllables_for(plate_colour(crop))
        best = self.read_layouts(crop, layout_order(crop)[:1])[0]
        if self._good(best, syllables):
            return best
        lines = [line_image(crop, layout_order(crop)[0], self.img_h, self.img_w)] + self.candidate_lines(crop)
        alt = careful_variant(crop)
        if alt is not None:
            lines += [line_image(alt, lay, self.img_h, self.img_w) for lay in layout_order(alt)]
        best = vote(self._decode(self.line_probs(lines), constrained=True, syllables=syllables), syllables) or best
        if best is None or not plates.is_korean(best.text):
            return None  # digits alone are no Korean plate: leave the crop to the Latin reader
        return best


def vote(reads: Sequence[PlateRead], syllables: str = "") -> PlateRead | None:
    """The valid text with the largest summed confidence over several views of one plate (views that
    agree outvote one confident outlier), preferring texts that fit the plate colour; its most confident
    read is returned."""
    for ok in ((lambda t: consistent(t, syllables)), korean_valid):
        totals: dict[str, float] = {}
        for r in reads:
            if ok(r.text):
                totals[r.text] = totals.get(r.text, 0.0) + r.confidence
        if totals:
            text = max(totals, key=totals.__getitem__)
            return max((r for r in reads if r.text == text), key=lambda r: r.confidence)
    return max(reads, key=lambda r: r.confidence, default=None)


def plate_bands(crop: np.ndarray, aspect: float = 3.2) -> list[np.ndarray]:
    """Overlapping full-width horizontal bands of plate-like aspect (for crops much taller than a plate)."""
    h, w = crop.shape[:2]
    bh = int(round(w / aspect))
    if bh < 8 or bh >= 0.8 * h:
        return []
    n = int(math.ceil((h - bh) / (0.5 * bh))) + 1
    tops = np.linspace(0, h - bh, n).round().astype(int)
    return [crop[t:t + bh] for t in tops]


def _has_onnxruntime() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    if not path.is_file():
        raise ReaderLoadError(f"ONNX reader missing: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


from gatekeeper.pipeline.reader_latin import LatinPlateReader, MultiReader, PlateReaderChain  # noqa: E402

ChainPlateReader = PlateReaderChain
MultiPlateReader = MultiReader

__all__ = [
    "BACKENDS", "ChainPlateReader", "KoreanPlateReader", "LatinPlateReader", "MultiPlateReader", "MultiReader",
    "PlateReaderChain", "ReaderLoadError", "better_read", "ctc_greedy", "ctc_plate", "consistent", "korean_valid", "syllables_for", "vote",
]
