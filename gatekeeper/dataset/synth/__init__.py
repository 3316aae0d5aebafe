"""Synthetic Korean licence plates: renderer, styles, gate-camera degradations.

Generated images are for training and the demo camera only; they are never committed.
"""

from gatekeeper.dataset.synth.degrade import degrade
from gatekeeper.dataset.synth.renderer import (
    FontNotFoundError,
    PlateRenderer,
    default_glyph_dir,
    find_hangul_fonts,
)
from gatekeeper.dataset.synth.styles import (
    COMMERCIAL,
    PRIVATE,
    REGIONS,
    RENTAL,
    PlateStyle,
    random_plate_text,
    split_text,
)

__all__ = [
    "COMMERCIAL", "PRIVATE", "REGIONS", "RENTAL", "FontNotFoundError", "PlateRenderer", "PlateStyle",
    "default_glyph_dir", "degrade", "find_hangul_fonts", "random_plate_text", "split_text",
]
