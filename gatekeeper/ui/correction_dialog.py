"""Correct a logged plate read: crop image, original read, new text validated live."""

from __future__ import annotations

import getpass
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.types import PassRecord
from gatekeeper.ui.plate_edit import PlateEdit

log = logging.getLogger(__name__)


def default_operator() -> str:
    """The OS user name ('' when it cannot be found)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises various errors without a login name
        return ""


def resolve_image(path: str, images_dir: Path | None) -> Path | None:
    """An existing image file for a stored path (absolute, or relative to ``images_dir``)."""
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute() and images_dir is not None:
        p = images_dir / p
    return p if p.is_file() else None


class CorrectionDialog(QDialog):
    """Shows the evidence and asks for the right plate; the original read is kept by the service."""

    def __init__(self, record: PassRecord, operator: str = "", images_dir: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Correct plate"))
        self._record = record
        self.image_label = QLabel()
        self.image_label.setObjectName("cropImage")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setMinimumSize(240, 80)
        crop = resolve_image(record.crop_path, images_dir)
        pixmap = QPixmap(str(crop)) if crop else QPixmap()
        if pixmap.isNull():
            self.image_label.setText(self.tr("No image"))
        else:
            self.image_label.setPixmap(pixmap.scaled(360, 160, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
        self.original_label = QLabel(record.plate_read or "—")
        self.original_label.setObjectName("originalRead")
        self.original_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        conf = QLabel(f"{record.confidence:.0%}")
        self.current_label = QLabel(record.corrected_plate or "—")
        self.plate_edit = PlateEdit(record.plate)
        self.operator_edit = QLineEdit(operator or default_operator())
        self.operator_edit.setPlaceholderText(self.tr("Your name"))
        form = QFormLayout()
        form.addRow(self.tr("Original read"), self.original_label)
        form.addRow(self.tr("Confidence"), conf)
        form.addRow(self.tr("Current correction"), self.current_label)
        form.addRow(self.tr("Correct plate"), self.plate_edit)
        form.addRow(self.tr("Operator"), self.operator_edit)
        note = QLabel(self.tr("The original read is kept in the log next to your correction."))
        note.setWordWrap(True)
        note.setStyleSheet("color: gray;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image_label)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.plate_edit.validity_changed.connect(self._update_state)
        self.plate_edit.line_edit.textChanged.connect(self._update_state)
        self.operator_edit.textChanged.connect(self._update_state)
        self.plate_edit.line_edit.selectAll()
        self.plate_edit.line_edit.setFocus()
        self._update_state()

    def _update_state(self, *_: object) -> None:
        changed = self.plate_edit.text() != normalize_plate(self._record.plate)
        self.save_button.setEnabled(self.plate_edit.is_valid() and changed
                                    and bool(self.operator_edit.text().strip()))

    def accept(self) -> None:
        if self.save_button.isEnabled():
            super().accept()

    def new_text(self) -> str:
        """The corrected plate (normalised)."""
        return self.plate_edit.text()

    def operator(self) -> str:
        return self.operator_edit.text().strip()
