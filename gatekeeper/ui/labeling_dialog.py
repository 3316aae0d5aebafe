"""The labeling dialog: fix the boxes and the plate text of queued passes, one after another.

Keyboard first: the plate field has focus; Enter saves and moves on, Esc skips, Ctrl+Z undoes the last
box change, Del deletes the selected box, Ctrl+N adds a box. Invalid plate text is marked red and refused.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDateTime, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.plates import PlateUse, parse_plate
from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.services.labeling import COLOURS, PLATE_KINDS, VEHICLE_TYPES, LabelError, LabelingService
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelItem
from gatekeeper.ui.box_editor import BoxEditor, BoxEntry
from gatekeeper.ui.plate_edit import PlateEdit
from gatekeeper.ui.qt_image import load_qimage
from gatekeeper.ui.vehicle_dialog import category_name, from_qdatetime

log = logging.getLogger(__name__)

_KIND_NAMES = {
    "private": QT_TRANSLATE_NOOP("LabelingDialog", "Private"),
    "commercial": QT_TRANSLATE_NOOP("LabelingDialog", "Commercial"),
    "rental": QT_TRANSLATE_NOOP("LabelingDialog", "Rental"),
    "ev": QT_TRANSLATE_NOOP("LabelingDialog", "Electric vehicle"),
    "two_line_green": QT_TRANSLATE_NOOP("LabelingDialog", "Two-line old green"),
    "diplomatic": QT_TRANSLATE_NOOP("LabelingDialog", "Diplomatic"),
    "foreign": QT_TRANSLATE_NOOP("LabelingDialog", "Foreign / Latin"),
}
_VEHICLE_NAMES = {
    "car": QT_TRANSLATE_NOOP("LabelingDialog", "Car"),
    "van": QT_TRANSLATE_NOOP("LabelingDialog", "Van"),
    "truck": QT_TRANSLATE_NOOP("LabelingDialog", "Truck"),
    "bus": QT_TRANSLATE_NOOP("LabelingDialog", "Bus"),
    "motorcycle": QT_TRANSLATE_NOOP("LabelingDialog", "Motorcycle"),
}
_COLOUR_NAMES = {c: c for c in COLOURS} | {
    "white": QT_TRANSLATE_NOOP("LabelingDialog", "white"),
    "black": QT_TRANSLATE_NOOP("LabelingDialog", "black"),
    "grey": QT_TRANSLATE_NOOP("LabelingDialog", "grey"),
    "silver": QT_TRANSLATE_NOOP("LabelingDialog", "silver"),
    "blue": QT_TRANSLATE_NOOP("LabelingDialog", "blue"),
    "red": QT_TRANSLATE_NOOP("LabelingDialog", "red"),
    "green": QT_TRANSLATE_NOOP("LabelingDialog", "green"),
    "yellow": QT_TRANSLATE_NOOP("LabelingDialog", "yellow"),
    "brown": QT_TRANSLATE_NOOP("LabelingDialog", "brown"),
    "other": QT_TRANSLATE_NOOP("LabelingDialog", "other"),
}
_USE_TO_KIND = {
    PlateUse.PRIVATE: "private",
    PlateUse.COMMERCIAL: "commercial",
    PlateUse.RENTAL: "rental",
    PlateUse.DIPLOMATIC: "diplomatic",
    PlateUse.FOREIGN: "foreign",
    PlateUse.TEMPORARY: "private",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("LabelingDialog", text)


def guess_kind(text: str) -> str:
    """Plate type suggested by the grammar ('' when unknown)."""
    info = parse_plate(text)
    return _USE_TO_KIND.get(info.use, "") if info else ""


class LabelingDialog(QDialog):
    """Labels ``items`` one by one through ``service``; ``saved``/``skipped`` report each item."""

    saved = Signal(int)
    skipped = Signal(int)

    def __init__(
        self, service: LabelingService, items: list[LabelItem], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labelingDialog")
        self.setWindowTitle(self.tr("Label plates"))
        self.service = service
        self.items = list(items)
        self.index = 0
        self.saved_count = 0
        self._loading = False
        self._build()
        self._load()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.editor = BoxEditor()
        self.editor.setMinimumSize(480, 320)
        self.progress = QLabel(objectName="labelProgress")
        self.info = QLabel(objectName="labelInfo", wordWrap=True)
        self.plate = PlateEdit()
        self.kind = QComboBox(objectName="plateKind")
        for key in PLATE_KINDS:
            self.kind.addItem(_tr(_KIND_NAMES[key]), key)
        self.vehicle = QComboBox(objectName="vehicleType")
        for key in VEHICLE_TYPES:
            self.vehicle.addItem(_tr(_VEHICLE_NAMES[key]), key)
        self.colour = QComboBox(objectName="vehicleColour")
        self.colour.addItem(self.tr("(unknown)"), "")
        for key in COLOURS:
            self.colour.addItem(_tr(_COLOUR_NAMES[key]), key)
        self.box_label = QLabel(objectName="boxLabel")
        self.add_button = QPushButton(self.tr("Add box"), objectName="addBox")
        self.delete_button = QPushButton(self.tr("Delete box"), objectName="deleteBox")
        self.undo_button = QPushButton(self.tr("Undo"), objectName="undoBox")
        self.error = QLabel(objectName="labelError", wordWrap=True)
        self.error.setStyleSheet("color: #c62828;")
        self.save_button = QPushButton(self.tr("Save && next"), objectName="saveLabel")
        self.skip_button = QPushButton(self.tr("Skip"), objectName="skipLabel")
        self.close_button = QPushButton(self.tr("Close"), objectName="closeLabel")
        for b in (
            self.add_button,
            self.delete_button,
            self.undo_button,
            self.save_button,
            self.skip_button,
            self.close_button,
        ):
            b.setAutoDefault(False)

        self.register_box = QGroupBox(self.tr("Register this vehicle"), objectName="registerBox")
        self.register_box.setCheckable(True)
        self.register_box.setChecked(False)
        self.owner = QLineEdit(objectName="regOwner")
        self.unit = QLineEdit(objectName="regUnit")
        self.category = QComboBox(objectName="regCategory")
        for cat in VehicleCategory:
            self.category.addItem(category_name(cat), cat.value)
        self.limited = QCheckBox(self.tr("Valid until"), objectName="regLimited")
        self.valid_until = QDateTimeEdit(QDateTime.currentDateTime().addDays(1), objectName="regValidUntil")
        self.valid_until.setCalendarPopup(True)
        self.valid_until.setEnabled(False)
        self.limited.toggled.connect(self.valid_until.setEnabled)
        reg = QFormLayout(self.register_box)
        reg.addRow(self.tr("Owner"), self.owner)
        reg.addRow(self.tr("Unit"), self.unit)
        reg.addRow(self.tr("Category"), self.category)
        reg.addRow(self.limited, self.valid_until)

        form = QFormLayout()
        form.addRow(self.tr("Plate"), self.plate)
        form.addRow(self.tr("Plate type"), self.kind)
        form.addRow(self.tr("Vehicle"), self.vehicle)
        form.addRow(self.tr("Colour"), self.colour)
        box_row = QHBoxLayout()
        for b in (self.add_button, self.delete_button, self.undo_button):
            box_row.addWidget(b)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.progress)
        side_layout.addWidget(self.info)
        side_layout.addWidget(self.box_label)
        side_layout.addLayout(box_row)
        side_layout.addLayout(form)
        side_layout.addWidget(self.register_box)
        side_layout.addStretch(1)
        side_layout.addWidget(self.error)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.skip_button, self.close_button):
            buttons.addWidget(b)
        side_layout.addLayout(buttons)
        hint = QLabel(
            self.tr(
                "Enter: save · Esc: skip · Ctrl+Z: undo · Del: delete box · Ctrl+drag: new box · "
                "wheel: zoom · drag: pan"
            ),
            wordWrap=True,
        )
        hint.setStyleSheet("color: gray;")
        side_layout.addWidget(hint)
        splitter = QSplitter()
        splitter.addWidget(self.editor)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.resize(1100, 650)

        self.add_button.clicked.connect(self.add_box)
        self.delete_button.clicked.connect(self.editor.delete_selected)
        self.undo_button.clicked.connect(self.undo)
        self.save_button.clicked.connect(self.save_current)
        self.skip_button.clicked.connect(self.skip_current)
        self.close_button.clicked.connect(self.accept)
        self.editor.selection_changed.connect(self._on_selection)
        self.editor.boxes_changed.connect(self._update_box_label)
        self.plate.line_edit.textChanged.connect(self._on_text)
        self.kind.currentIndexChanged.connect(lambda _i: self._store("plate_kind", self.kind.currentData()))
        self.vehicle.currentIndexChanged.connect(
            lambda _i: self._store("vehicle_type", self.vehicle.currentData())
        )
        self.colour.currentIndexChanged.connect(lambda _i: self._store("colour", self.colour.currentData()))
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add_box)

    # -- items -----------------------------------------------------------------------------------
    def current(self) -> LabelItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def _load(self) -> None:
        item = self.current()
        self.error.clear()
        if item is None:
            self.progress.setText(self.tr("Done: %1 labelled").replace("%1", str(self.saved_count)))
            self.editor.set_entries([])
            for w in (self.save_button, self.skip_button, self.add_button):
                w.setEnabled(False)
            return
        self.progress.setText(f"{self.index + 1} / {len(self.items)}")
        reads = ", ".join(f"{r.text or '?'} ({r.confidence:.2f})" for r in item.reads[:6])
        self.info.setText(
            self.tr("Camera %1 · read %2 (%3) · %4")
            .replace("%1", item.camera or "-")
            .replace("%2", item.plate_read or "-")
            .replace("%3", f"{item.confidence:.2f}")
            .replace("%4", reads or self.tr("no reads"))
        )
        image = load_qimage(item.frame_path)
        if image.isNull():
            self.error.setText(
                self.tr("The frame %1 cannot be opened; skip this item.").replace("%1", item.frame_path)
            )
        self.editor.set_image(image)
        text = item.plate_read
        entries = [
            BoxEntry(
                p.box,
                {
                    "plate": p.plate,
                    "plate_kind": p.plate_kind,
                    "vehicle_type": p.vehicle_type,
                    "colour": p.colour,
                },
            )
            for p in item.plates
        ]
        if not entries and item.best_box is not None:
            entries = [BoxEntry(item.best_box, {"plate": text, "plate_kind": guess_kind(text)})]
        self.register_box.setChecked(False)
        self.owner.clear()
        self.unit.clear()
        self.editor.set_entries(entries)
        if not entries:
            self._show_entry({"plate": text, "plate_kind": guess_kind(text)})
        self._update_box_label()
        self.plate.line_edit.setFocus()
        self.plate.line_edit.selectAll()

    def _show_entry(self, data: dict) -> None:
        self._loading = True
        try:
            self.plate.setText(data.get("plate", ""))
            for combo, key in (
                (self.kind, "plate_kind"),
                (self.vehicle, "vehicle_type"),
                (self.colour, "colour"),
            ):
                i = combo.findData(data.get(key) or "")
                combo.setCurrentIndex(i if i >= 0 else 0)
        finally:
            self._loading = False

    def _on_selection(self, index: int) -> None:
        entries = self.editor.entries()
        if 0 <= index < len(entries):
            if "plate" not in entries[index].data:  # a new box: the first one takes what was typed
                first = len(entries) == 1
                self.editor.set_data(
                    index,
                    plate=self.plate.line_edit.text() if first else "",
                    plate_kind=self.kind.currentData(),
                    vehicle_type=self.vehicle.currentData(),
                    colour=self.colour.currentData(),
                )
            self._show_entry(entries[index].data)
        self._update_box_label()

    def _update_box_label(self) -> None:
        n, sel = len(self.editor.entries()), self.editor.selected()
        self.box_label.setText(
            self.tr("No plate box: Ctrl+drag on the frame or 'Add box'.")
            if n == 0
            else self.tr("Box %1 of %2").replace("%1", str(sel + 1)).replace("%2", str(n))
        )
        self.delete_button.setEnabled(sel >= 0)
        self.undo_button.setEnabled(self.editor.can_undo())

    def _store(self, key: str, value: object) -> None:
        if not self._loading:
            self.editor.set_data(self.editor.selected(), **{key: value})

    def _on_text(self, raw: str) -> None:
        if self._loading:
            return
        self._store("plate", raw)
        guess = guess_kind(raw)
        if guess and self.kind.currentData() in ("", "private", "foreign"):
            self.kind.setCurrentIndex(self.kind.findData(guess))
        self.error.clear()

    def add_box(self) -> None:
        self.editor.add_box()
        self.plate.line_edit.setFocus()

    def undo(self) -> None:
        if not self.editor.undo():
            self.error.setText(self.tr("Nothing to undo."))
        self._update_box_label()

    # -- actions ---------------------------------------------------------------------------------
    def plates(self) -> list[LabeledPlate]:
        return [
            LabeledPlate(
                box=e.box,
                plate=str(e.data.get("plate", "")),
                plate_kind=str(e.data.get("plate_kind") or ""),
                vehicle_type=str(e.data.get("vehicle_type") or ""),
                colour=str(e.data.get("colour") or ""),
            )
            for e in self.editor.entries()
        ]

    def registration(self) -> Vehicle | None:
        if not self.register_box.isChecked():
            return None
        until = from_qdatetime(self.valid_until.dateTime()) if self.limited.isChecked() else None
        start = datetime.now(timezone.utc) - timedelta(minutes=1) if until else None
        return Vehicle(
            plate="",
            category=VehicleCategory(self.category.currentData()),
            owner=self.owner.text(),
            unit=self.unit.text(),
            valid_from=start,
            valid_until=until,
        )

    def save_current(self) -> bool:
        """Validate and save the current item, then show the next one; False (with a message) if refused."""
        item = self.current()
        if item is None:
            return False
        plates = self.plates()
        if not plates:
            self.error.setText(self.tr("Draw the plate box first (Ctrl+drag on the frame or 'Add box')."))
            return False
        for i, p in enumerate(plates):
            if parse_plate(p.plate) is None:
                self.editor.select(i)
                self.error.setText(
                    self.tr("Plate %1: '%2' is not a valid plate number; fix it before saving.")
                    .replace("%1", str(i + 1))
                    .replace("%2", p.plate)
                )
                self.plate.line_edit.setFocus()
                return False
        try:
            self.service.save(item.id, plates, registration=self.registration())
        except (LabelError, OSError) as exc:
            self.error.setText(str(exc))
            return False
        self.saved_count += 1
        self.saved.emit(item.id)
        self._next()
        return True

    def skip_current(self) -> None:
        item = self.current()
        if item is None:
            return
        self.service.skip(item.id)
        self.skipped.emit(item.id)
        self._next()

    def _next(self) -> None:
        self.index += 1
        self._load()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt naming
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
            return event.accept()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save_current()
            return event.accept()
        if event.key() == Qt.Key.Key_Escape:
            if self.current() is None:
                self.accept()
            else:
                self.skip_current()
            return event.accept()
        super().keyPressEvent(event)
