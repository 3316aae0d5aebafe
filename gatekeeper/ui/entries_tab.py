"""The entries log tab: filter bar, paged table, CSV export in the background, plate correction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.types import Decision, PassRecord
from gatekeeper.services.entries import EntriesService, EntryFilter
from gatekeeper.ui.background import BackgroundJob
from gatekeeper.ui.correction_dialog import CorrectionDialog
from gatekeeper.ui.entries_model import COL_TIME, EntriesModel, decision_name

log = logging.getLogger(__name__)


def _local_day_start(day: QDate) -> datetime:
    """Midnight (local time) of ``day`` as an aware UTC datetime."""
    local = datetime.combine(day.toPython(), time.min).astimezone()
    return local.astimezone(timezone.utc)


class EntriesTab(QWidget):
    """Filterable log of every pass. The main window calls ``add_pass`` for each new pass."""

    pass_corrected = Signal(object)
    register_requested = Signal(str)
    export_finished = Signal(str)
    export_progress = Signal(int, int)

    def __init__(self, service: EntriesService, operator: str = "", images_dir: Path | None = None,
                 page_size: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._operator = operator
        self._images_dir = images_dir
        self._export_job: BackgroundJob | None = None
        self._export_path = Path()
        self.progress_dialog: QProgressDialog | None = None
        self.model = EntriesModel(service, page_size=page_size, parent=self)

        self.plate_edit = QLineEdit()
        self.plate_edit.setPlaceholderText(self.tr("Plate contains… (e.g. 가12 or AB1)"))
        self.plate_edit.setClearButtonEnabled(True)
        self.date_check = QCheckBox(self.tr("From"))
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.camera_combo = QComboBox()
        self.camera_combo.addItem(self.tr("All cameras"), None)
        self.decision_combo = QComboBox()
        self.decision_combo.addItem(self.tr("All decisions"), None)
        for decision in Decision:
            self.decision_combo.addItem(decision_name(decision), decision.value)
        self.count_label = QLabel()
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.correct_button = QPushButton(self.tr("Correct plate…"))
        self.correct_button.setEnabled(False)
        self.register_button = QPushButton(self.tr("Register vehicle…"))
        self.register_button.setToolTip(self.tr("Add the selected plate to the vehicles registry"))
        self.register_button.setEnabled(False)

        bar = QHBoxLayout()
        bar.addWidget(self.plate_edit, 2)
        bar.addWidget(self.date_check)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel(self.tr("to")))
        bar.addWidget(self.date_to)
        bar.addWidget(self.camera_combo, 1)
        bar.addWidget(self.decision_combo, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.correct_button)
        actions.addWidget(self.register_button)
        actions.addWidget(self.export_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(COL_TIME, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self._typing_timer = QTimer(self)  # one query after typing pauses, not one per key
        self._typing_timer.setSingleShot(True)
        self._typing_timer.setInterval(250)
        self._typing_timer.timeout.connect(self.apply_filter)
        self.plate_edit.textChanged.connect(self._typing_timer.start)
        self.date_check.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.camera_combo.currentIndexChanged.connect(self.apply_filter)
        self.decision_combo.currentIndexChanged.connect(self.apply_filter)
        self.export_button.clicked.connect(self._ask_export)
        self.correct_button.clicked.connect(self.correct_selected)
        self.register_button.clicked.connect(self._register_selected)
        self.table.doubleClicked.connect(lambda _i: self.correct_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.total_changed.connect(self._show_count)
        self.model.error.connect(self._show_error)
        self.model.modelReset.connect(self._selection_changed)
        self._show_count(self.model.total)
        self.set_cameras([])

    # -- filter ------------------------------------------------------------------------------------
    def set_cameras(self, names: Iterable[str]) -> None:
        """Offer these camera names plus every camera in the log in the camera filter."""
        all_names = list(dict.fromkeys(names))
        try:
            all_names += [n for n in self._service.cameras() if n not in all_names]
        except Exception as exc:  # noqa: BLE001 - the filter still works with the given names
            log.warning("cameras of the log could not be read: %s", exc)
        current = self.camera_combo.currentData()
        self.camera_combo.blockSignals(True)
        while self.camera_combo.count() > 1:
            self.camera_combo.removeItem(1)
        for name in all_names:
            self.camera_combo.addItem(name, name)
        index = self.camera_combo.findData(current) if current else 0
        self.camera_combo.setCurrentIndex(max(0, index))
        self.camera_combo.blockSignals(False)
        if current and index < 0:
            self.apply_filter()

    def current_filter(self) -> EntryFilter:
        """The filter the bar describes (dates are local days, inclusive)."""
        start = end = None
        if self.date_check.isChecked():
            start = _local_day_start(self.date_from.date())
            end = _local_day_start(self.date_to.date()) + timedelta(days=1)
        decision = self.decision_combo.currentData()
        return EntryFilter(
            plate=self.plate_edit.text().strip(),
            start=start,
            end=end,
            camera=self.camera_combo.currentData() or None,
            decision=Decision(decision) if decision else None,
        )

    def apply_filter(self, *_: object) -> None:
        self._typing_timer.stop()
        self.model.set_filter(self.current_filter())

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def _show_count(self, total: int) -> None:
        self.count_label.setText(self.tr("%n pass(es)", "", total))

    def _show_error(self, message: str) -> None:
        self.count_label.setText(self.tr("Could not read the log: %1").replace("%1", message))

    # -- live updates ------------------------------------------------------------------------------
    def add_pass(self, record: PassRecord) -> None:
        """Slot for the main window: a new pass was logged."""
        self.model.add_pass(record)

    # -- correction --------------------------------------------------------------------------------
    def selected_record(self) -> PassRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _selection_changed(self, *_: object) -> None:
        record = self.selected_record()
        self.correct_button.setEnabled(record is not None)
        self.register_button.setEnabled(record is not None and record.vehicle_id is None)

    def _register_selected(self) -> None:
        """Ask the main window to open the vehicles tab's add dialog with this plate filled in."""
        record = self.selected_record()
        if record is not None:
            self.register_requested.emit(record.plate)

    def correction_dialog(self, record: PassRecord) -> CorrectionDialog:
        return CorrectionDialog(record, operator=self._operator, images_dir=self._images_dir, parent=self)

    def correct_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        dialog = self.correction_dialog(record)
        if dialog.exec() == CorrectionDialog.DialogCode.Accepted:
            self.apply_correction(record, dialog.new_text(), dialog.operator())

    def apply_correction(self, record: PassRecord, text: str, operator: str) -> PassRecord | None:
        """Store the correction (the original read is kept) and refresh the row."""
        try:
            updated = self._service.correct(record.id, text, operator)
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            QMessageBox.warning(self, self.tr("Correction not saved"), str(exc))
            return None
        self.model.update_pass(updated)
        self.pass_corrected.emit(updated)
        return updated

    # -- export ------------------------------------------------------------------------------------
    def _ask_export(self) -> None:
        default = Path.home() / f"gatekeeper-entries-{datetime.now():%Y%m%d-%H%M}.csv"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export entries"), str(default),
                                              self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> BackgroundJob:
        """Write the filtered rows to ``path`` on a worker thread, with a progress dialog."""
        entry_filter = self.current_filter()
        service = self._service

        def job(progress, cancelled):  # type: ignore[no-untyped-def]
            return service.export_csv(entry_filter, path, progress=progress, cancelled=cancelled)

        self.export_button.setEnabled(False)
        self.progress_dialog = QProgressDialog(self.tr("Exporting entries…"), self.tr("Cancel"), 0, 0, self)
        self.progress_dialog.setWindowTitle(self.tr("Export CSV"))
        self.progress_dialog.setMinimumDuration(500)
        self.progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        bg = BackgroundJob(job)
        self.progress_dialog.canceled.connect(bg.cancel)
        bg.signals.progress.connect(self._export_progress)
        self._export_path = path
        bg.signals.finished.connect(self._export_done)
        bg.signals.failed.connect(self._export_failed)
        self._export_job = bg
        return bg.start()

    def _export_progress(self, done: int, total: int) -> None:
        self.export_progress.emit(done, total)
        if self.progress_dialog is not None:
            self.progress_dialog.setMaximum(max(total, 1))
            self.progress_dialog.setValue(min(done, max(total, 1)))

    def _finish_export(self) -> None:
        self.export_button.setEnabled(True)
        if self.progress_dialog is not None:
            self.progress_dialog.reset()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self._export_job = None

    def _export_done(self, rows: object) -> None:
        path = self._export_path
        cancelled = self._export_job is not None and self._export_job.cancelled()
        self._finish_export()
        if cancelled:
            self.count_label.setText(self.tr("Export cancelled."))
        else:
            self.count_label.setText(self.tr("Exported %1 rows to %2").replace("%1", str(rows))
                                     .replace("%2", str(path)))
        self.export_finished.emit(str(path))

    def _export_failed(self, message: str) -> None:
        self._finish_export()
        QMessageBox.warning(self, self.tr("Export failed"), message)
        self.export_finished.emit("")
