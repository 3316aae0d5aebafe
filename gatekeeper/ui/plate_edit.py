"""A line edit for plate text validated live by the plate grammar, and translated format names."""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from gatekeeper.domain.plates import normalize_plate, parse_plate

log = logging.getLogger(__name__)

_FORMAT_NAMES = {
    "kr_private": QT_TRANSLATE_NOOP("PlateFormat", "Korean private"),
    "kr_regional_old": QT_TRANSLATE_NOOP("PlateFormat", "Korean regional (old)"),
    "kr_commercial": QT_TRANSLATE_NOOP("PlateFormat", "Korean commercial"),
    "kr_rental": QT_TRANSLATE_NOOP("PlateFormat", "Korean rental"),
    "kr_diplomatic": QT_TRANSLATE_NOOP("PlateFormat", "Korean diplomatic"),
    "kr_temporary": QT_TRANSLATE_NOOP("PlateFormat", "Korean temporary"),
    "latin": QT_TRANSLATE_NOOP("PlateFormat", "Latin"),
}

_INVALID_STYLE = "QLineEdit { border: 2px solid #c62828; background: #fdecea; }"


def format_name(plate_format: str) -> str:
    """Human, translated name of a plate format value ('' stays '')."""
    source = _FORMAT_NAMES.get(plate_format)
    return QCoreApplication.translate("PlateFormat", source) if source else plate_format


class PlateEdit(QWidget):
    """Plate text entry: invalid text is marked red with a message; ``validity_changed`` reports it."""

    validity_changed = Signal(bool)

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_edit = QLineEdit()
        self.line_edit.setObjectName("plateEdit")
        self.line_edit.setPlaceholderText(self.tr("e.g. 12가3456, 서울12가3456 or AB12CDE"))
        self.line_edit.setMaxLength(32)
        self.message = QLabel()
        self.message.setObjectName("plateMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.message)
        self._valid: bool | None = None
        self.line_edit.textChanged.connect(self._revalidate)
        self.line_edit.setText(text)
        self._revalidate(text)

    def text(self) -> str:
        """The normalised plate text (no spaces/separators, Latin upper-cased)."""
        return normalize_plate(self.line_edit.text())

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.line_edit.setText(text)

    def is_valid(self) -> bool:
        return bool(self._valid)

    def _revalidate(self, raw: str) -> None:
        info = parse_plate(raw)
        valid = info is not None
        if not raw.strip():
            self.message.setText(self.tr("Enter the plate number."))
            self.message.setStyleSheet("color: gray;")
            self.line_edit.setStyleSheet("")
        elif valid:
            self.message.setText(self.tr("Valid plate: %1 (%2)").replace("%1", info.text)
                                 .replace("%2", format_name(info.kind.value)))
            self.message.setStyleSheet("color: #2e7d32;")
            self.line_edit.setStyleSheet("")
        else:
            self.message.setText(self.tr("Not a valid plate number. Korean plates look like 12가3456, "
                                         "123가4567 or 서울12가3456; Latin plates use 2-10 letters and "
                                         "digits with at least one digit."))
            self.message.setStyleSheet("color: #c62828;")
            self.line_edit.setStyleSheet(_INVALID_STYLE)
        self.line_edit.setProperty("invalid", bool(raw.strip()) and not valid)
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
