"""A CTC plate network from our ``NAME.pth/.yaml/.py`` (+ ``NAME.onnx``) files, shared by the readers.

``backend="easyocr"`` loads the network through EasyOCR's custom ``recog_network`` mechanism (torch);
``backend="onnx"`` runs the exported copy with onnxruntime; ``"auto"`` picks ONNX on CPU when the file is
there (a clean crop: ~1 ms vs ~3 ms through EasyOCR/torch with one thread). With ``int8`` the ONNX backend
runs ``NAME.int8.onnx`` (:mod:`gatekeeper.training.quantize`) instead, when that file was made from this very
``NAME.onnx`` (its metadata holds the source's sha256); a missing or stale int8 copy falls back to
``NAME.onnx``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from gatekeeper.domain.files import sha256_file
from gatekeeper.pipeline.reader_layout import IMG_H, IMG_W, to_tensor_array
from gatekeeper.pipeline.reader_prep import blank

log = logging.getLogger(__name__)

BACKENDS = ("auto", "easyocr", "onnx")
INT8_SUFFIX = ".int8.onnx"
SOURCE_SHA256_KEY = "gatekeeper.source_sha256"  # ONNX metadata of an int8 copy: sha256 of the fp32 file


class ReaderLoadError(RuntimeError):
    """The reader's weight files are missing or unusable."""


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class CtcNetwork:
    """Loads one network and turns line images into per-step character probabilities."""

    def __init__(self, weights_dir: Path, name: str, device: str = "cpu", backend: str = "auto",
                 threads: int = 1, int8: bool = True) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        self.weights_dir = Path(weights_dir)
        self.model_name = name
        self.device = device
        self._lock = threading.Lock()
        cfg = self._load_config()
        self.charset: str = cfg["character_list"]
        self.lang_list: list[str] = list(cfg.get("lang_list") or ["ko"])
        self.img_h = int(cfg.get("imgH") or IMG_H)
        self.img_w = int(cfg.get("imgW") or IMG_W)
        onnx_path = self.weights_dir / f"{name}.onnx"
        if backend == "auto":
            backend = "onnx" if device == "cpu" and onnx_path.is_file() and has_onnxruntime() else "easyocr"
        self.backend = backend
        self.onnx_file: Path | None = None
        if backend == "onnx":
            found = int8_session(onnx_path, threads) if int8 else None
            self._session, self.onnx_file = found or (onnx_session(onnx_path, threads), onnx_path)
            self._net = None
        else:
            self._session = None
            self._net = self._load_easyocr()
        log.info("reader network %s loaded from %s (%s%s)", name, self.weights_dir, backend,
                 ", int8" if self.int8 else "")

    @property
    def int8(self) -> bool:
        """True when the int8 copy runs."""
        return self.onnx_file is not None and self.onnx_file.name.endswith(INT8_SUFFIX)

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
            reader = easyocr.Reader(self.lang_list, gpu=gpu, model_storage_directory=str(self.weights_dir),
                                    user_network_directory=str(self.weights_dir),
                                    recog_network=self.model_name,
                                    download_enabled=False, detector=False, verbose=False, quantize=False)
        except Exception as exc:  # noqa: BLE001 - surface any loader failure as one clear error
            raise ReaderLoadError(f"EasyOCR could not load {self.model_name} "
                                  f"from {self.weights_dir}: {exc}") from exc
        finally:
            eo.imgH = saved_h
        self.easyocr_reader = reader
        net = reader.recognizer
        net.eval()
        return net

    def blank(self, crop: np.ndarray) -> bool:
        """True when the crop shows nothing this network could read (:func:`.reader_prep.blank`): the
        pipeline then does not ask it."""
        return blank(crop)

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
        return softmax(logits)


def has_onnxruntime() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def int8_path(onnx_path: Path) -> Path:
    """Where the int8 copy of ``NAME.onnx`` lives: ``NAME.int8.onnx`` beside it."""
    onnx_path = Path(onnx_path)
    return onnx_path.with_name(onnx_path.name.removesuffix(".onnx") + INT8_SUFFIX)


def int8_session(onnx_path: Path, threads: int):
    """(session, path) of ``NAME.int8.onnx`` when it was quantized from that very ``onnx_path``, else None."""
    path = int8_path(onnx_path)
    if not path.is_file() or not Path(onnx_path).is_file():
        return None
    try:
        session = onnx_session(path, threads)
        source = session.get_modelmeta().custom_metadata_map.get(SOURCE_SHA256_KEY)
    except Exception as exc:  # noqa: BLE001 - a broken int8 copy must not stop the reader
        log.warning("int8 reader %s unusable (%s): using %s", path, exc, Path(onnx_path).name)
        return None
    if source != sha256_file(onnx_path):
        log.warning("int8 reader %s was not made from %s (stale copy): using the fp32 network", path.name,
                    Path(onnx_path).name)
        return None
    return session, path


def onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    if not path.is_file():
        raise ReaderLoadError(f"ONNX reader missing: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
