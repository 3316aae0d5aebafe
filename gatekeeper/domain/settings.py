"""Typed settings (pydantic, ``extra="forbid"``), stored as JSON in the user's config dir."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gatekeeper.domain.files import atomic_write_text
from gatekeeper.domain.types import Lane

log = logging.getLogger(__name__)

DEMO_SOURCE = "demo"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CameraSettings(_Strict):
    """One camera: ``source`` is a USB index ("0"), an rtsp/http URL, a video file, or ``demo``."""

    name: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1)
    lane: Lane = Lane.ENTRY
    enabled: bool = True
    loop: bool = True

    @field_validator("name", "source")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v


class DetectorSettings(_Strict):
    """Plate detector: weights path (``.pt`` or ``.onnx``), input size and thresholds."""

    weights: str = "plate_detector.onnx"
    imgsz: int = Field(default=320, ge=64, le=1280)
    confidence: float = Field(default=0.25, ge=0.01, le=0.99)
    iou: float = Field(default=0.5, ge=0.05, le=0.95)
    motion_gate: bool = True
    # still images (gatekeeper read/eval) where nothing reaches ``confidence``: boxes down to this score are
    # read too and kept when their read is a sure, valid plate (dark frames score their plates low)
    still_fallback_confidence: float | None = Field(default=0.08, ge=0.01, le=0.99)
    # still images larger than 3x imgsz are detected at up to this input (small plates in street photos)
    still_max_imgsz: int | None = Field(default=640, ge=64, le=1280)
    # still images: a box (not the best) scored under this is reported only when read as a sure plate
    still_unsure_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # still images (from ~800 px) are detected again at their long side / 2, up to this input, when that is
    # 1.25x the first look's or more: small plates in street and traffic-camera frames; null: no finer look
    still_fine_max_imgsz: int | None = Field(default=1280, ge=64, le=1920)
    # still images: the first look is also made at the image mirrored left to right; a box only that look
    # found is reported when read as a plate, or as the best box of an image no other look found a plate in
    # (detect test split as `gatekeeper eval` counts it: recall 0.943 -> 0.952; one more detector run)
    still_mirror: bool = True


class ReaderSettings(_Strict):
    """Plate readers: the Korean network, and for Latin plates our Latin network (``latin_engine="network"``)
    or EasyOCR's generic English model (``"easyocr"``)."""

    korean_weights: str = "kr_reader"
    latin: bool = True
    latin_engine: Literal["network", "easyocr"] = "network"
    latin_weights: str = "latin_reader"
    # the US serial network: a fine-tune of the Latin network asked about reads that may be a US serial plate
    # (9AAA999: the narrow Californian W/H, F/E, V/M, O/Q); used with the shipped Latin network, not with
    # a site-trained one; "" switches it off (pipeline/reader_latin_net.py, weights/README.md)
    latin_serial_weights: str = "latin_us"
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    recheck_below: float = Field(default=0.8, ge=0.0, le=1.0)
    # a Korean read less confident than this gets the careful second pass (more views, grammar paths):
    # 1,600 synthetic plates 0.971 / 0.980 at 0.8, 0.978 / 0.985 at 0.97, ~0.5 ms more per read on average
    careful_below: float = Field(default=0.97, ge=0.0, le=1.01)
    # run a reader's int8 copy (NAME.int8.onnx, made from its NAME.onnx) on CPU when there is one: as many
    # plates read on the shared sets (757 against 756 of 13 sets), the network ~1.6x faster
    # (weights/README.md)
    int8: bool = True
    upscale_min_width: int = Field(default=160, ge=0, le=1024)
    # still images (gatekeeper read/eval): each box is also read moved by this share of its width in the eight
    # directions of a grid, and the text with the largest summed confidence kept (reads swing with a box moved
    # by a pixel; weights/README.md); nine reads per box; a plate crop read whole: as it is and cut by that
    # share at either side, three reads; 0: one read per box
    still_shift_vote: float = Field(default=0.025, ge=0.0, le=0.2)
    # still images: a crop that looks smeared sideways (a car crossing a long exposure) is also read with the
    # smear undone at a few estimated lengths, and the surest read kept (pipeline/deblur.py)
    still_unsmear: bool = True
    # cameras: a weak read of a smeared crop, on the whole reader chain's turn, is also read unsmeared
    camera_unsmear: bool = True


class VotingSettings(_Strict):
    """How reads of one vehicle are combined into one logged pass."""

    min_frames: int = Field(default=2, ge=1, le=100)  # reads that agree (but for one character) on the plate
    track_timeout_s: float = Field(default=1.5, gt=0, le=60)
    max_track_s: float = Field(default=20.0, gt=0, le=600)
    iou_match: float = Field(default=0.2, gt=0, lt=1)
    repeat_suppress_s: float = Field(default=30.0, ge=0, le=3600)


class RetrainSettings(_Strict):
    """On-site retraining: how many new labels trigger it and when it may run."""

    labels_trigger: int = Field(default=200, ge=1, le=100000)
    auto_start: bool = False
    quiet_hour: int = Field(default=3, ge=0, le=23)
    low_confidence: float = Field(default=0.7, ge=0, le=1)


class Settings(_Strict):
    """Everything that changes Gatekeeper's behaviour. Window geometry lives in QSettings instead."""

    cameras: list[CameraSettings] = Field(
        default_factory=lambda: [CameraSettings(name="Demo gate", source=DEMO_SOURCE, lane=Lane.ENTRY)],
        max_length=4,
    )
    detector: DetectorSettings = Field(default_factory=DetectorSettings)
    reader: ReaderSettings = Field(default_factory=ReaderSettings)
    voting: VotingSettings = Field(default_factory=VotingSettings)
    retrain: RetrainSettings = Field(default_factory=RetrainSettings)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    language: Literal["system", "ko", "en"] = "system"
    data_dir: str = ""
    database_url: str = ""

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read ``path``; a missing file gives defaults, a malformed one raises ``SettingsError``."""
        if not path.exists():
            return cls()
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid JSON ({exc})") from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()
            )
            raise SettingsError(f"{path}: {problems}") from exc

    def save(self, path: Path) -> None:
        """Write atomically (temp file in the same folder, then rename)."""
        atomic_write_text(path, self.model_dump_json(indent=2))


class SettingsError(ValueError):
    """A settings file that cannot be used, with a message an operator can act on."""


def resolve_model_path(value: str, config_dir: Path, weights_dir: Path) -> Path:
    """Resolve a weights path: absolute as given, else relative to the config dir, else in ``weights/``."""
    p = Path(value).expanduser()
    if p.is_absolute():
        return p
    for base in (config_dir, weights_dir):
        candidate = (base / p).resolve()
        if candidate.exists():
            return candidate
    return (weights_dir / p).resolve()
