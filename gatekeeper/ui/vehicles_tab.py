"""The vehicles tab: the site's registry with search, add/edit/delete and CSV import/export."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.types import Vehicle
from gatekeeper.services import csv_io
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.ui.vehicle_dialog import VehicleDialog
from gatekeeper.ui.vehicles_model import COL_PLATE, VehiclesModel

log = logging.getLogger(__name__)


class VehiclesTab(QWidget):
    """Registered vehicles. ``registry_changed`` fires after every add/edit/delete/import."""

    registry_changed = Signal()

    def __init__(self, registry: VehicleRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._registry = registry
        self.model = VehiclesModel(registry, self)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search plate, owner, unit or phone…"))
        self.search_edit.setClearButtonEnabled(True)
        self.add_button = QPushButton(self.tr("Add…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.delete_button = QPushButton(self.tr("Delete"))
        self.import_button = QPushButton(self.tr("Import CSV…"))
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.import_report = QPlainTextEdit()
        self.import_report.setObjectName("importReport")
        self.import_report.setReadOnly(True)
        self.import_report.setMaximumHeight(110)
        self.import_report.hide()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(COL_PLATE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 1)
        for b in (self.add_button, self.edit_button, self.delete_button, self.import_button,
                  self.export_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.import_report)

        self.search_edit.textChanged.connect(self.model.set_search)
        self.add_button.clicked.connect(self.add_vehicle)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self._ask_import)
        self.export_button.clicked.connect(self._ask_export)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.model.error.connect(self.status_label.setText)
        self._update_buttons()

    # -- selection ---------------------------------------------------------------------------------
    def selected_vehicle(self) -> Vehicle | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.vehicle(rows[0].row()) if rows else None

    def select_plate(self, plate: str) -> None:
        row = self.model.row_of(plate)
        if row >= 0:
            self.table.selectRow(row)

    def _update_buttons(self, *_: object) -> None:
        has = self.selected_vehicle() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    # -- add / edit / delete -----------------------------------------------------------------------
    def vehicle_dialog(self, vehicle: Vehicle | None = None) -> VehicleDialog:
        """The dialog for a new (``None``) or existing vehicle; saving goes through the registry."""
        hook = self._registry.edit if vehicle is not None else self._registry.add
        return VehicleDialog(vehicle, on_save=hook, parent=self)

    def add_vehicle(self, plate: str = "") -> Vehicle | None:
        """Open the add dialog (optionally with a plate filled in, e.g. from the entries log)."""
        dialog = self.vehicle_dialog(None)
        if plate:
            dialog.plate_edit.setText(plate)
        return self._run(dialog)

    def edit_selected(self) -> Vehicle | None:
        vehicle = self.selected_vehicle()
        return self._run(self.vehicle_dialog(vehicle)) if vehicle else None

    def _run(self, dialog: VehicleDialog) -> Vehicle | None:
        if dialog.exec() != VehicleDialog.DialogCode.Accepted:
            return None
        saved = dialog.result_vehicle()
        self._changed()
        if saved is not None:
            self.select_plate(saved.plate)
            self.status_label.setText(self.tr("Saved %1.").replace("%1", saved.plate))
        return saved

    def confirm_delete(self, vehicle: Vehicle) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Delete vehicle"),
            self.tr("Delete %1 (%2) from the registry?").replace("%1", vehicle.plate)
            .replace("%2", vehicle.owner or "—"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> bool:
        vehicle = self.selected_vehicle()
        if vehicle is None or vehicle.id is None or not self.confirm_delete(vehicle):
            return False
        try:
            self._registry.delete(vehicle.id)
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            QMessageBox.warning(self, self.tr("Vehicle not deleted"), str(exc))
            return False
        self._changed()
        self.status_label.setText(self.tr("Deleted %1.").replace("%1", vehicle.plate))
        return True

    def _changed(self) -> None:
        self.model.reload()
        self._update_buttons()
        self.registry_changed.emit()

    # -- CSV ---------------------------------------------------------------------------------------
    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import vehicles"), str(Path.home()),
                                              self.tr("CSV files (*.csv);;All files (*)"))
        if path:
            self.import_csv(Path(path))

    def import_csv(self, path: Path) -> csv_io.ImportReport | None:
        """Import vehicles; rows with problems are skipped and listed with their line numbers."""
        try:
            report = csv_io.import_vehicles(self._registry, path)
        except Exception as exc:  # noqa: BLE001 - unreadable file etc.
            QMessageBox.warning(self, self.tr("Import failed"), str(exc))
            return None
        self._changed()
        self.status_label.setText(
            self.tr("Imported %1 vehicles (%2 new, %3 updated); %4 rows had problems.")
            .replace("%1", str(report.added + report.updated)).replace("%2", str(report.added))
            .replace("%3", str(report.updated)).replace("%4", str(len(report.errors))))
        lines = [self.tr("Line %1: %2").replace("%1", str(e.line)).replace("%2", e.message)
                 for e in report.errors]
        self.import_report.setPlainText("\n".join(lines))
        self.import_report.setVisible(bool(lines))
        return report

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export vehicles"),
                                              str(Path.home() / "gatekeeper-vehicles.csv"),
                                              self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> int:
        try:
            count = csv_io.export_vehicles(self._registry, path)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, self.tr("Export failed"), str(exc))
            return -1
        self.status_label.setText(self.tr("Exported %1 vehicles to %2").replace("%1", str(count))
                                  .replace("%2", str(path)))
        return count
