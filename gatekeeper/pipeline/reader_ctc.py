"""A CTC plate network from our ``NAME.pth/.yaml/.py`` (+ ``NAME.onnx``) files, shared by the readers.

``backend="easyocr"`` loads the network through EasyOCR's custom ``recog_network`` mechanism (torch);
``backend="onnx"`` runs the exported copy with onnxruntime; ``"auto"`` picks ONNX on CPU when the file is
there (a clean crop: ~1 ms vs ~3 ms through EasyOCR/torch with one thread).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from gatekeeper.pipeline.reader_layout import IMG_H, IMG_W, to_tensor_array

log = logging.getLogger(__name__)

BACKENDS = ("auto", "easyocr", "onnx")


class ReaderLoadError(RuntimeError):
    """The reader's weight files are missing or unusable."""


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class CtcNetwork:
    """Loads one network and turns line images into per-step character probabilities."""

    def __init__(self, weights_dir: Path, name: str, device: str = "cpu", backend: str = "auto",
                 threads: int = 1) -> None:
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
        if backend == "onnx":
            self._session = onnx_session(onnx_path, threads)
            self._net = None
        else:
            self._session = None
            self._net = self._load_easyocr()
        log.info("reader network %s loaded from %s (%s)", name, self.weights_dir, backend)

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


def onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    if not path.is_file():
        raise ReaderLoadError(f"ONNX reader missing: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
