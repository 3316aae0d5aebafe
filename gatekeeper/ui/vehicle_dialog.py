"""Add/edit one registered vehicle, with live plate validation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.ui.plate_edit import PlateEdit

log = logging.getLogger(__name__)

_CATEGORY_NAMES = {
    VehicleCategory.RESIDENT: QT_TRANSLATE_NOOP("VehicleCategory", "Resident"),
    VehicleCategory.STAFF: QT_TRANSLATE_NOOP("VehicleCategory", "Staff"),
    VehicleCategory.VISITOR: QT_TRANSLATE_NOOP("VehicleCategory", "Visitor"),
    VehicleCategory.DENIED: QT_TRANSLATE_NOOP("VehicleCategory", "Denied"),
}


def category_name(category: VehicleCategory | str) -> str:
    """Translated name of a vehicle category."""
    cat = VehicleCategory(category)
    return QCoreApplication.translate("VehicleCategory", _CATEGORY_NAMES[cat])


def to_qdatetime(value: datetime) -> QDateTime:
    """An aware or naive-UTC datetime as a local QDateTime."""
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return QDateTime.fromSecsSinceEpoch(int(aware.timestamp()))


def from_qdatetime(value: QDateTime) -> datetime:
    """A QDateTime as an aware UTC datetime."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=timezone.utc)


SaveHook = Callable[[Vehicle], None]


class VehicleDialog(QDialog):
    """Edits a copy of a ``Vehicle``. ``on_save`` (e.g. the registry's add/edit) may raise; its message
    is shown in the dialog, which stays open so nothing typed is lost."""

    def __init__(self, vehicle: Vehicle | None = None, on_save: SaveHook | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._id = vehicle.id if vehicle else None
        self._on_save = on_save
        self._result: Vehicle | None = None
        v = vehicle or Vehicle(plate="")
        self.setWindowTitle(self.tr("Edit vehicle") if vehicle else self.tr("Add vehicle"))

        self.plate_edit = PlateEdit(v.plate)
        self.owner_edit = QLineEdit(v.owner)
        self.unit_edit = QLineEdit(v.unit)
        self.unit_edit.setPlaceholderText(self.tr("e.g. 101-1203 or company name"))
        self.phone_edit = QLineEdit(v.phone)
        self.category_combo = QComboBox()
        for cat in VehicleCategory:
            self.category_combo.addItem(category_name(cat), cat.value)
        self.category_combo.setCurrentIndex(self.category_combo.findData(v.category.value))
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        self.valid_from_edit = QDateTimeEdit(to_qdatetime(v.valid_from or now))
        self.valid_until_edit = QDateTimeEdit(to_qdatetime(v.valid_until or now + timedelta(days=1)))
        for edit in (self.valid_from_edit, self.valid_until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.notes_edit = QPlainTextEdit(v.notes)
        self.notes_edit.setFixedHeight(70)
        self.error_label = QLabel()
        self.error_label.setObjectName("vehicleError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()

        form = QFormLayout()
        form.addRow(self.tr("Plate"), self.plate_edit)
        form.addRow(self.tr("Owner"), self.owner_edit)
        form.addRow(self.tr("Unit or company"), self.unit_edit)
        form.addRow(self.tr("Phone"), self.phone_edit)
        form.addRow(self.tr("Category"), self.category_combo)
        form.addRow(self.tr("Valid from"), self.valid_from_edit)
        form.addRow(self.tr("Valid until"), self.valid_until_edit)
        form.addRow(self.tr("Notes"), self.notes_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.plate_edit.validity_changed.connect(self._update_state)
        self.category_combo.currentIndexChanged.connect(self._update_state)
        self.valid_from_edit.dateTimeChanged.connect(self._update_state)
        self.valid_until_edit.dateTimeChanged.connect(self._update_state)
        self._update_state()

    def _is_visitor(self) -> bool:
        return self.category_combo.currentData() == VehicleCategory.VISITOR.value

    def window_problem(self) -> str:
        """A message when the visitor validity window is empty, else ''."""
        if self._is_visitor() and self.valid_until_edit.dateTime() <= self.valid_from_edit.dateTime():
            return self.tr("The visit must end after it starts.")
        return ""

    def _update_state(self, *_: object) -> None:
        visitor = self._is_visitor()
        self.valid_from_edit.setEnabled(visitor)
        self.valid_until_edit.setEnabled(visitor)
        problem = self.window_problem()
        self.error_label.setText(problem)
        self.error_label.setVisible(bool(problem))
        self.save_button.setEnabled(self.plate_edit.is_valid() and not problem)

    def vehicle(self) -> Vehicle:
        """The vehicle as currently entered (validity window only for visitors)."""
        visitor = self._is_visitor()
        return Vehicle(
            plate=self.plate_edit.text(),
            category=VehicleCategory(self.category_combo.currentData()),
            owner=self.owner_edit.text().strip(),
            unit=self.unit_edit.text().strip(),
            phone=self.phone_edit.text().strip(),
            notes=self.notes_edit.toPlainText().strip(),
            valid_from=from_qdatetime(self.valid_from_edit.dateTime()) if visitor else None,
            valid_until=from_qdatetime(self.valid_until_edit.dateTime()) if visitor else None,
            id=self._id,
        )

    def accept(self) -> None:
        if not self.save_button.isEnabled():
            return
        vehicle = self.vehicle()
        if self._on_save is not None:
            try:
                saved = self._on_save(vehicle)
            except Exception as exc:  # noqa: BLE001 - every failure is shown to the operator
                log.info("vehicle not saved: %s", exc)
                self.error_label.setText(str(exc))
                self.error_label.show()
                self._focus_field(getattr(exc, "field", ""))
                return
            if isinstance(saved, Vehicle):
                vehicle = saved
        self._result = vehicle
        super().accept()

    def _focus_field(self, name: str) -> None:
        widgets = {"plate": self.plate_edit.line_edit, "owner": self.owner_edit, "unit": self.unit_edit,
                   "phone": self.phone_edit, "category": self.category_combo,
                   "valid_from": self.valid_from_edit, "valid_until": self.valid_until_edit}
        widget = widgets.get(name)
        if widget is not None:
            widget.setFocus()

    def result_vehicle(self) -> Vehicle | None:
        """The saved vehicle after Accepted, else ``None``."""
        return self._result
