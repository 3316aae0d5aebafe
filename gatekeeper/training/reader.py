"""Train a plate reader (compact CRNN + CTC) on synthetic plates, resumably, on CPU.

``--kind korean`` (default) trains the Korean reader, ``--kind latin`` the Latin one (0-9, A-Z).
Writes ``NAME.pth`` / ``NAME.yaml`` / ``NAME.py`` (EasyOCR custom ``recog_network`` files) and ``NAME.onnx``.
    python -m gatekeeper.training.reader --out runs/reader --steps 8000 --time-budget 3000
    python -m gatekeeper.training.reader --kind latin --out runs/latin --steps 8000
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gatekeeper.dataset.synth.latin import LATIN_CHARSET
from gatekeeper.domain.plates import PLATE_CHARSET
from gatekeeper.domain.text import edit_distance
from gatekeeper.pipeline import reader_net
from gatekeeper.pipeline.reader_layout import IMG_H, IMG_W, to_tensor_array
from gatekeeper.training.reader_data import (
    ChunkProducer,
    SampleSet,
    check_cache_styles,
    kind_style_weights,
    load_extra,
    make_samples,
    parse_styles,
    wait_for,
)

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
NETWORK_PARAMS = {"input_channel": 1, "output_channel": 128, "hidden_size": 96}
CHUNK = 512
CHECKPOINT = "checkpoint.pt"
EMA_DECAY = 0.998
# per kind: (charset, default model name, EasyOCR lang_list)
KIND_SPECS = {"korean": (PLATE_CHARSET, "kr_reader", ["ko"]),
              "latin": (LATIN_CHARSET, "latin_reader", ["en"])}


def _ema_update(ema, model, decay: float) -> None:
    """Exponential moving average of the weights (BatchNorm statistics copied)."""
    import torch

    with torch.no_grad():
        for e, m in zip(ema.state_dict().values(), model.state_dict().values(), strict=True):
            if e.dtype.is_floating_point:
                e.mul_(decay).add_(m.detach(), alpha=1 - decay)
            else:
                e.copy_(m)


def consistency_loss(student_logp, teacher_logp, keep):
    """Mean per-frame KL(teacher || student) over the samples in ``keep`` (a bool mask; zero when none):
    the fine-tuned network is held to the base network's output distribution where the base already reads
    a sample right, and left to the labels where it reads it wrong."""
    if not bool(keep.any()):
        return student_logp.sum() * 0.0
    t, s = teacher_logp[keep], student_logp[keep]
    return (t.exp() * (t - s)).sum(-1).mean()


def fitting_state(model, state: dict) -> dict:
    """The tensors of a saved state dict (``module.`` prefixes, as EasyOCR saves them, dropped) that fit
    ``model``'s by name and shape: another charset's output layer does not."""
    own = model.state_dict()
    state = {k.removeprefix("module."): v for k, v in state.items()}
    return {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}


def average_with(model, state: dict, share: float) -> int:
    """Move ``model`` to the weight-space average ``(1 - share) * model + share * state`` in place (tensors of
    ``state`` that do not fit (:func:`fitting_state`) and integer counters are left as they are, and the model
    may be on another device); returns how many tensors were averaged. The shipped Korean reader is a
    fine-tune averaged with its start: it lost no real plate where the fine-tune alone did
    (weights/README.md)."""
    import torch

    own = model.state_dict()
    n = 0
    with torch.no_grad():
        for k, other in fitting_state(model, state).items():
            t = own[k]
            if t.dtype.is_floating_point:
                t.mul_(1.0 - share).add_(other.to(device=t.device, dtype=t.dtype), alpha=share)
                n += 1
    return n


@dataclass
class ReaderTrainResult:
    """Files written by a run and its metrics (``synthetic_accuracy``: held-out exact plate accuracy)."""

    pth: Path
    yaml: Path
    py: Path
    onnx: Path | None
    metrics: dict[str, float] = field(default_factory=dict)
    steps: int = 0
    seconds: float = 0.0
    int8: Path | None = None


class Codec:
    """Text <-> CTC label indices (0 is the blank)."""

    def __init__(self, charset: str = PLATE_CHARSET) -> None:
        self.charset = charset
        self.index = {c: i + 1 for i, c in enumerate(charset)}

    @property
    def num_class(self) -> int:
        return len(self.charset) + 1

    def encode(self, texts: Sequence[str]) -> tuple[list[int], list[int]]:
        flat, lengths = [], []
        for t in texts:
            ids = [self.index[c] for c in t if c in self.index]
            flat += ids
            lengths.append(len(ids))
        return flat, lengths

    def greedy(self, logits: np.ndarray) -> list[str]:
        out = []
        for seq in logits.argmax(-1):
            chars, prev = [], 0
            for k in seq:
                if k != prev and k != 0:
                    chars.append(self.charset[k - 1])
                prev = k
            out.append("".join(chars))
        return out


def _accuracy(model, codec: Codec, data: SampleSet, batch: int = 256) -> tuple[float, float]:
    import torch

    model.eval()
    right, char_err, chars = 0, 0, 0
    with torch.no_grad():
        for i in range(0, len(data.labels), batch):
            x = torch.from_numpy(to_tensor_array(list(data.images[i:i + batch])))
            preds = codec.greedy(model(x).numpy())
            for p, t in zip(preds, data.labels[i:i + batch], strict=True):
                right += p == t
                char_err += edit_distance(p, t)
                chars += len(t)
    model.train()
    return right / max(1, len(data.labels)), 1.0 - char_err / max(1, chars)


class _Pool:
    """All training samples loaded so far (chunks appear while the producer renders)."""

    def __init__(self, extra: SampleSet | None, extra_share: float) -> None:
        self.loaded: set[Path] = set()
        self.images: list[np.ndarray] = []
        self.labels: list[str] = []
        self.extra = extra
        self.extra_share = extra_share if extra is not None else 0.0

    def refresh(self, paths: list[Path]) -> None:
        for p in paths:
            if p in self.loaded:
                continue
            try:
                s = SampleSet.load(p)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("skipping unreadable chunk %s: %s", p, exc)
                continue
            self.loaded.add(p)
            self.images.extend(s.images)
            self.labels.extend(s.labels)

    def batch(self, rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], list[str]]:
        n_extra = int(rng.binomial(n, self.extra_share)) if self.extra is not None else 0
        idx = rng.integers(0, len(self.labels), n - n_extra)
        imgs = [self.images[i] for i in idx]
        labels = [self.labels[i] for i in idx]
        if n_extra:
            j = rng.integers(0, len(self.extra.labels), n_extra)
            imgs += [self.extra.images[i] for i in j]
            labels += [self.extra.labels[i] for i in j]
        return imgs, labels


def _augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cheap per-step variation of a cached sample: shift, contrast, inversion-free noise."""
    if rng.random() < 0.5:
        dx = int(rng.integers(-4, 5))
        img = np.roll(img, dx, axis=1)
    if rng.random() < 0.3:
        f = img.astype(np.float32) * rng.uniform(0.6, 1.1) + rng.uniform(-20, 40)
        img = np.clip(f + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
    return img


def export_weights(model, codec: Codec, out_dir: Path, name: str = "kr_reader",
                   lang_list: Sequence[str] = ("ko",)) -> tuple[Path, Path, Path, Path | None]:
    """Write the EasyOCR custom-network files (+ ONNX) for ``model`` into ``out_dir``."""
    import torch
    import yaml

    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    pth, yml, py, onnx = (out_dir / f"{name}{ext}" for ext in (".pth", ".yaml", ".py", ".onnx"))
    state = {f"module.{k}": v.detach().cpu() for k, v in model.state_dict().items()}  # EasyOCR strips 7 chars
    torch.save(state, pth)
    shutil.copyfile(reader_net.__file__, py)
    config = {
        "network_params": dict(NETWORK_PARAMS),
        "imgH": IMG_H,
        "imgW": IMG_W,
        "lang_list": list(lang_list),
        "character_list": codec.charset,
    }
    yml.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        dummy = torch.zeros(1, 1, IMG_H, IMG_W)
        torch.onnx.export(model, (dummy,), str(onnx), input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17,
                          dynamo=False)
    except Exception as exc:  # noqa: BLE001 - ONNX is the fast path, EasyOCR files still work
        log.warning("ONNX export failed: %s", exc)
        onnx = None
    model.train()
    return pth, yml, py, onnx


def train_reader(
    out_dir: Path,
    *,
    steps: int,
    batch_size: int = 64,
    synthetic: int = 60_000,
    extra_data: Path | None = None,
    base_weights: Path | None = None,
    seed: int = 0,
    resume: bool = True,
    device: str = "cpu",
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    held_out: int = 800,
    lr: float = 2e-3,
    threads: int = 1,
    checkpoint_every: int = 200,
    name: str | None = None,
    producer: bool = True,
    kind: str = "korean",
    stop_at: int | None = None,
    int8_calibration: int = 256,
    average_base: float = 0.0,
    distill: float = 0.0,
    styles: Mapping[str, float] | None = None,
) -> ReaderTrainResult:
    """Train (or fine-tune from ``base_weights``) and export the reader into ``out_dir``.

    ``kind`` picks the plates and charset (``korean`` or ``latin``); ``name`` defaults to the kind's model
    name.
    ``stop_at``: end the run at this step, with the learning rate still on the schedule of ``steps``.
    ``int8_calibration``: synthetic lines that calibrate the int8 copy written beside the ONNX file
    (:mod:`gatekeeper.training.quantize`); 0 writes none.
    ``average_base``: the share of ``base_weights`` in a weight-space average with the trained network
    (:func:`average_with`), exported instead of it; 0 exports the trained network.
    ``distill``: the weight of :func:`consistency_loss` to ``base_weights`` (a frozen copy) added to the CTC
    loss, so that a fine-tune learns what the base reads wrong without unlearning what it reads right; 0:
    none.
    ``styles``: plate styles drawn with other weights than
    :data:`~gatekeeper.training.reader_data.TRAIN_STYLE_WEIGHTS` (``{"rental": 0.2}``), or for Latin plates
    than :data:`gatekeeper.dataset.synth.latin.STYLES` (``{"us": 0.7}``); the held-out plates
    keep the usual mix. A run's cache keeps the weights it was rendered with, and resuming it with others is
    refused.
    """
    if kind not in KIND_SPECS:
        raise ValueError(f"kind must be one of {sorted(KIND_SPECS)}, not {kind!r}")
    if not 0.0 <= average_base < 1.0:
        raise ValueError(f"average_base must be in [0, 1), not {average_base}")
    if average_base and base_weights is None:
        raise ValueError("average_base needs base_weights to average with")
    if distill < 0:
        raise ValueError(f"distill must be 0 or more, not {distill}")
    if distill and base_weights is None:
        raise ValueError("distill needs base_weights to hold the fine-tune to")
    styles = {k: float(v) for k, v in (styles or {}).items()}
    # refuses unknown styles and bad weights before anything is written
    kind_style_weights(kind, styles)
    charset, default_name, lang_list = KIND_SPECS[kind]
    name = name or default_name
    import torch

    t0 = time.monotonic()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda f, m: log.info("%3.0f%% %s", 100 * f, m))
    codec = Codec(charset)
    model = reader_net.Model(num_class=codec.num_class, **NETWORK_PARAMS).to(device)
    base_state: dict = {}
    if base_weights is not None:
        base_state = fitting_state(model, torch.load(base_weights, map_location="cpu", weights_only=True))
        model.load_state_dict(base_state, strict=False)  # another charset: all but the output layer
        report(0.0, f"fine-tuning from {base_weights} ({len(base_state)}/{len(model.state_dict())} tensors)")
    teacher = None
    if distill:
        if len(base_state) != len(model.state_dict()):
            raise ValueError(f"distill needs base_weights of the same network and charset: {base_weights}")
        teacher = reader_net.Model(num_class=codec.num_class, **NETWORK_PARAMS).to(device)
        teacher.load_state_dict(base_state)
        teacher.requires_grad_(False)
        for m in teacher.modules():  # normalised by the batch's statistics, as the student in training is,
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):  # without moving the base's running ones
                m.momentum = 0.0
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    warm = max(1, min(300, steps // 20))

    def lr_at(s: int) -> float:
        if s < warm:
            return (s + 1) / warm
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, (s - warm) / max(1, steps - warm))))

    def set_lr(s: int) -> None:
        frac = s / max(1, steps)
        if time_budget_s is not None:  # a time-budgeted run anneals by the clock as well
            frac = max(frac, (time.monotonic() - t0) / time_budget_s)
        for g in opt.param_groups:
            g["lr"] = lr * lr_at(int(frac * steps) if s >= warm else s)

    step = 0
    ckpt = out_dir / CHECKPOINT
    ema = reader_net.Model(num_class=codec.num_class, **NETWORK_PARAMS).to(device)
    ema.load_state_dict(model.state_dict())
    if resume and ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        ema.load_state_dict(state.get("ema", state["model"]))
        step = int(state["step"])
        report(step / max(1, steps), f"resumed at step {step}")
    ema.eval()

    held_path = out_dir / "heldout.npz"
    if held_path.is_file():
        held = SampleSet.load(held_path)
    else:
        held = make_samples(held_out, seed=10_000_019 + seed, kind=kind)
        held.save(held_path)
    extra = load_extra(Path(extra_data), kind=kind) if extra_data is not None else None
    n_chunks = max(1, math.ceil(synthetic / CHUNK))
    chunk_size = min(CHUNK, synthetic)
    cache = out_dir / "cache"
    check_cache_styles(cache, styles)
    prod = ChunkProducer(cache, n_chunks, chunk_size, seed, kind=kind, overrides=styles) if producer else None
    if prod is not None:
        prod.start()
    else:
        cache.mkdir(parents=True, exist_ok=True)
        for i in range(n_chunks):
            p = cache / f"chunk_{i:05d}.npz"
            if not p.exists():
                make_samples(chunk_size, seed * 100_000 + i, kind=kind, overrides=styles).save(p)
    pool = _Pool(extra, extra_share=0.25)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    rng = np.random.default_rng(seed + step)
    loss_avg = None
    try:
        pool.refresh(wait_for(lambda: sorted(cache.glob("chunk_*[0-9].npz")), 1, 600))
        if not pool.labels:
            raise RuntimeError("no training samples were produced")
        model.train()
        last = min(steps, stop_at) if stop_at is not None else steps
        while step < last:
            if time_budget_s is not None and time.monotonic() - t0 > time_budget_s:
                report(step / steps, f"time budget reached at step {step}")
                break
            if step % 50 == 0:
                pool.refresh(sorted(cache.glob("chunk_*[0-9].npz")))
            imgs, labels = pool.batch(rng, batch_size)
            imgs = [_augment(im, rng) for im in imgs]
            x = torch.from_numpy(to_tensor_array(imgs)).to(device)
            flat, lengths = codec.encode(labels)
            logits = model(x)  # N x T x C
            logp = logits.log_softmax(-1).permute(1, 0, 2)
            t_len = torch.full((len(labels),), logp.shape[0], dtype=torch.long)
            loss = ctc(logp, torch.tensor(flat, dtype=torch.long), t_len,
                       torch.tensor(lengths, dtype=torch.long))
            if teacher is not None:
                with torch.no_grad():
                    t_logits = teacher(x)
                right = [p == t for p, t in zip(codec.greedy(t_logits.cpu().numpy()), labels, strict=True)]
                keep = torch.tensor(right, device=logits.device)
                kl = consistency_loss(logp.permute(1, 0, 2), t_logits.log_softmax(-1), keep)
                loss = loss + distill * kl
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            set_lr(step)
            opt.step()
            _ema_update(ema, model, min(EMA_DECAY, (1 + step) / (10 + step)))
            step += 1
            lv = float(loss.detach())
            loss_avg = lv if loss_avg is None else 0.98 * loss_avg + 0.02 * lv
            if step % checkpoint_every == 0 or step == last:
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "ema": ema.state_dict(),
                            "step": step}, ckpt)
                msg = f"step {step}/{steps} loss {loss_avg:.3f} pool {len(pool.labels)}"
                if step % (checkpoint_every * 5) == 0:
                    acc, cacc = _accuracy(model, codec, held)
                    eacc, _ = _accuracy(ema, codec, held)
                    msg += f" held-out acc {acc:.3f} char {cacc:.3f} (ema {eacc:.3f})"
                report(step / steps, msg)
    finally:
        if prod is not None:
            prod.stop()
    acc, cacc = _accuracy(model, codec, held)
    eacc, ecacc = _accuracy(ema, codec, held)
    if eacc >= acc:  # the weight average is usually the steadier model
        model, acc, cacc = ema, eacc, ecacc
    if average_base:
        trained = acc
        averaged = average_with(model, base_state, average_base)  # the base weights as loaded at the start
        acc, cacc = _accuracy(model, codec, held)
        report(1.0, f"averaged {averaged} tensors with {base_weights} (share {average_base:.2f}): held-out "
                    f"accuracy {trained:.3f} -> {acc:.3f}")
    pth, yml, py, onnx = export_weights(model, codec, out_dir, name, lang_list)
    int8 = None
    if onnx is not None and int8_calibration > 0:
        from gatekeeper.training.quantize import quantize_reader

        try:
            int8 = quantize_reader(out_dir, name, kind, n=int8_calibration, seed=seed)
        except Exception as exc:  # noqa: BLE001 - the fp32 network is complete without its int8 copy
            log.warning("int8 copy of %s not written: %s", name, exc)
    metrics = {"synthetic_accuracy": acc, "synthetic_char_accuracy": cacc,
               "held_out": float(len(held.labels)), "train_samples": float(len(pool.labels)),
               "loss": float(loss_avg or 0.0)}
    secs = time.monotonic() - t0
    report(1.0, f"done: step {step}, held-out accuracy {acc:.3f} ({secs:.0f} s)")
    return ReaderTrainResult(pth, yml, py, onnx, metrics, step, secs, int8)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gatekeeper.training.reader",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--steps", type=int, default=8000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--synthetic", type=int, default=60_000, help="synthetic samples rendered to the cache")
    p.add_argument("--extra-data", type=Path, default=None, help="folder with labels.csv (image,plate) crops")
    p.add_argument("--base-weights", type=Path, default=None, help="a kr_reader.pth to fine-tune")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--time-budget", type=float, default=None, help="seconds")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--kind", choices=sorted(KIND_SPECS), default="korean", help="Korean or Latin plates")
    p.add_argument("--name", default=None, help="the exported files' name (default: the kind's reader)")
    p.add_argument("--stop-at", type=int, default=None,
                   help="end at this step, the learning rate still following the schedule of --steps")
    p.add_argument("--int8-calibration", type=int, default=256,
                   help="synthetic lines calibrating the int8 copy of the network (0: no int8 copy)")
    p.add_argument("--average-base", type=float, default=0.0, metavar="SHARE",
                   help="export the weight average with --base-weights, SHARE of it (e.g. 0.5); 0: none")
    p.add_argument("--distill", type=float, default=0.0, metavar="WEIGHT",
                   help="hold the fine-tune to --base-weights where it reads a sample right (e.g. 1.0)")
    p.add_argument("--style-weight", action="append", default=[], metavar="STYLE=WEIGHT",
                   help="draw this plate style with another weight (repeatable; e.g. rental=0.2, or us=0.7 "
                   "for Latin plates)")
    args = p.parse_args(argv)
    try:
        styles = parse_styles(args.style_weight, args.kind)
    except ValueError as exc:
        p.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    res = train_reader(args.out, steps=args.steps, batch_size=args.batch_size, synthetic=args.synthetic,
                       extra_data=args.extra_data, base_weights=args.base_weights, seed=args.seed,
                       resume=not args.no_resume, device=args.device, time_budget_s=args.time_budget,
                       threads=args.threads, lr=args.lr, kind=args.kind, stop_at=args.stop_at,
                       int8_calibration=args.int8_calibration, average_base=args.average_base,
                       distill=args.distill, styles=styles, name=args.name)
    print(f"wrote {res.pth} {res.yaml} {res.py} {res.onnx} {res.int8}; metrics {res.metrics}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
