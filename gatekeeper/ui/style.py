"""Look and feel: colours per decision/state, the application font (with Hangul) and the stylesheet."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from gatekeeper.domain.paths import resources_dir
from gatekeeper.domain.types import Decision

log = logging.getLogger(__name__)

#: Preferred font families, best first: the first one installed that can write Korean wins.
HANGUL_FAMILIES = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                   "Apple SD Gothic Neo", "UnDotum", "Baekmuk Gulim")

DECISION_COLOURS: dict[Decision, str] = {
    Decision.REGISTERED: "#2e9d5b",
    Decision.VISITOR: "#2f7fd0",
    Decision.UNKNOWN: "#d88a1c",
    Decision.DENIED: "#d6403a",
}

STATE_COLOURS: dict[str, str] = {
    "starting": "#9aa4b1",
    "running": "#2e9d5b",
    "reconnecting": "#d88a1c",
    "stopped": "#7a828c",
    "error": "#d6403a",
}

ACCENT = "#3a8fd9"
BOX_COLOUR = QColor("#39d353")
BOX_READ_COLOUR = QColor("#ffd23f")


def decision_colour(decision: Decision | str) -> QColor:
    """Badge colour of a decision."""
    try:
        return QColor(DECISION_COLOURS[Decision(decision)])
    except ValueError:
        return QColor("#7a828c")


def state_colour(kind: str) -> QColor:
    """Dot colour of a camera state."""
    return QColor(STATE_COLOURS.get(kind, "#7a828c"))


def hangul_family() -> str | None:
    """The first installed font family that can write Korean, or ``None``."""
    families = set(QFontDatabase.families())
    for name in HANGUL_FAMILIES:
        if name in families and QFontDatabase.WritingSystem.Korean in QFontDatabase.writingSystems(name):
            return name
    for name in sorted(families):
        if QFontDatabase.WritingSystem.Korean in QFontDatabase.writingSystems(name):
            return name
    return None


def apply_font(app: QApplication) -> str:
    """Use a Hangul-capable family when one is installed; returns the family in use."""
    family = hangul_family()
    if family is None:
        log.warning("no font with Hangul is installed (install fonts-nanum); Korean plates may show boxes")
        return app.font().family()
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)
    log.info("application font: %s", family)
    return family


def stylesheet_path() -> Path:
    return resources_dir() / "gatekeeper.qss"


def apply_style(app: QApplication) -> None:
    """Fusion style plus the shipped stylesheet (a missing file only logs)."""
    app.setStyle("Fusion")
    path = stylesheet_path()
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("stylesheet %s not loaded: %s", path, exc)
    app.setWindowIcon(icon("gatekeeper"))


def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/NAME.svg`` (an empty icon when missing)."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        log.debug("icon %s missing", path)
        return QIcon()
    return QIcon(str(path))
