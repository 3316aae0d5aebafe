"""A held-out synthetic Korean plate set for ``gatekeeper eval``: degraded crops as a detector cuts them.

``python -m gatekeeper.training.synth_set --out DIR --per-style 100 --seed 4242`` writes ``DIR/images/*.png``
and ``DIR/labels.csv`` (``image,plate,x1,y1,x2,y2``, the plate's box in its crop) for every plate style the
renderer draws, so that ``gatekeeper eval DIR`` measures the issue's "synthetic held-out plates" figure with
the app's own pipeline. The crops are made as the reader's training samples are
(:func:`~gatekeeper.training.reader_data.degraded_crop`: a loose or tight detector-like box around the tilted
plate, the gate-camera degradations, 55-360 px wide), but each style in equal numbers and kept as images
rather than network inputs. Deterministic per seed; the training recipes never use the seeds the model card
reports (4242, 777, 31). The set is generated, never committed.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.training.reader_data import degraded_crop

log = logging.getLogger(__name__)


def write_synthetic_set(out: Path, per_style: int = 100, seed: int = 4242, glyph_dir: Path | None = None,
                        styles: Sequence[PlateStyle] = tuple(PlateStyle)) -> Path:
    """Write ``per_style`` crops of each style to ``out`` (a labelled folder ``gatekeeper eval`` reads);
    returns the labels file. An existing set in ``out`` is replaced."""
    if per_style < 1:
        raise ValueError("per_style must be at least 1")
    renderer = PlateRenderer(seed=seed, glyph_dir=glyph_dir)
    rng = np.random.default_rng(seed + 1_000_003)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    for old in images.glob("*.png"):
        old.unlink()
    rows = []
    for style in styles:
        for i in range(per_style):
            plate, text = renderer.render(style=style)
            crop, box = degraded_crop(plate, text, rng)
            name = f"images/{style.value}_{i:04d}.png"
            if not cv2.imwrite(str(out / name), crop):
                raise OSError(f"could not write {out / name}")
            rows.append([name, text, *box])
    labels = out / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["image", "plate", "x1", "y1", "x2", "y2"])
        writer.writerows(rows)
    info = {"seed": seed, "per_style": per_style, "styles": [PlateStyle(s).value for s in styles],
            "glyphs": str(renderer.glyph_dir) if renderer.glyph_dir is not None else None,
            "font_only": renderer.font_only, "command": "python -m gatekeeper.training.synth_set"}
    text = json.dumps(info, ensure_ascii=False, indent=2) + "\n"
    (out / "synthetic.json").write_text(text, encoding="utf-8")
    log.info("%d synthetic plates (%d per style, seed %d%s) written to %s", len(rows), per_style, seed,
             ", font-only" if renderer.font_only else "", out)
    return labels


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder to write (images/ and labels.csv)")
    ap.add_argument("--per-style", type=int, default=100, help="plates of each style (default 100)")
    ap.add_argument("--seed", type=int, default=4242, help="held-out seed (the model card: 4242, 777, 31)")
    ap.add_argument("--glyphs", type=Path, default=None, help="official glyph folder (kr-plate-glyphs)")
    ap.add_argument("--style", action="append", choices=[s.value for s in PlateStyle],
                    help="only this style (repeatable; default: every style)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    styles = tuple(PlateStyle(s) for s in args.style) if args.style else tuple(PlateStyle)
    try:
        labels = write_synthetic_set(args.out, args.per_style, args.seed, args.glyphs, styles)
    except (ValueError, OSError) as exc:
        print(f"synth_set: {exc}")
        return 2
    print(labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
