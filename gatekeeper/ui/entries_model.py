"""Table model of the entries log: pages rows from the database on demand, never the whole table."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.types import Decision, Lane, PassRecord
from gatekeeper.services.entries import EntriesService, EntryFilter, EntrySort
from gatekeeper.ui.plate_edit import format_name

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

# (sort key understood by EntriesService, header)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", QT_TRANSLATE_NOOP("EntriesModel", "Time")),
    ("camera", QT_TRANSLATE_NOOP("EntriesModel", "Camera")),
    ("lane", QT_TRANSLATE_NOOP("EntriesModel", "Lane")),
    ("plate", QT_TRANSLATE_NOOP("EntriesModel", "Plate")),
    ("plate_read", QT_TRANSLATE_NOOP("EntriesModel", "Original read")),
    ("confidence", QT_TRANSLATE_NOOP("EntriesModel", "Confidence")),
    ("decision", QT_TRANSLATE_NOOP("EntriesModel", "Decision")),
    ("format", QT_TRANSLATE_NOOP("EntriesModel", "Format")),
)
COL_TIME, COL_CAMERA, COL_LANE, COL_PLATE, COL_READ, COL_CONF, COL_DECISION, COL_FORMAT = range(8)

DECISION_NAMES = {
    Decision.REGISTERED: QT_TRANSLATE_NOOP("Decision", "Registered"),
    Decision.VISITOR: QT_TRANSLATE_NOOP("Decision", "Visitor"),
    Decision.UNKNOWN: QT_TRANSLATE_NOOP("Decision", "Unknown"),
    Decision.DENIED: QT_TRANSLATE_NOOP("Decision", "Denied"),
}
DECISION_COLOURS = {
    Decision.REGISTERED: "#c8e6c9",
    Decision.VISITOR: "#bbdefb",
    Decision.UNKNOWN: "#ffe0b2",
    Decision.DENIED: "#ffcdd2",
}
LANE_NAMES = {
    Lane.ENTRY: QT_TRANSLATE_NOOP("Lane", "Entry"),
    Lane.EXIT: QT_TRANSLATE_NOOP("Lane", "Exit"),
}


def matches(flt: EntryFilter, rec: PassRecord) -> bool:
    """Whether ``rec`` passes ``flt`` (the same rules as the database query, for live inserts)."""
    key = normalize_plate(flt.plate)
    if key and key not in normalize_plate(rec.plate_read) \
            and key not in normalize_plate(rec.corrected_plate or ""):
        return False
    when = rec.time_utc if rec.time_utc.tzinfo else rec.time_utc.replace(tzinfo=timezone.utc)
    if flt.start is not None and when < _aware(flt.start):
        return False
    if flt.end is not None and when >= _aware(flt.end):
        return False
    if flt.camera and rec.camera != flt.camera:
        return False
    if flt.decision and Decision(rec.decision) != Decision(flt.decision):
        return False
    return not (flt.lane and Lane(rec.lane) != Lane(flt.lane))


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def decision_name(decision: Decision) -> str:
    return QCoreApplication.translate("Decision", DECISION_NAMES[Decision(decision)])


def lane_name(lane: Lane) -> str:
    return QCoreApplication.translate("Lane", LANE_NAMES[Lane(lane)])


class EntriesModel(QAbstractTableModel):
    """Passes matching ``filter``, in ``sort`` order, loaded ``page_size`` rows at a time.

    ``rowCount`` is the number of rows loaded so far; views call ``fetchMore`` as they scroll.
    ``total`` is the number of matching passes in the database.
    """

    total_changed = Signal(int)
    error = Signal(str)

    def __init__(self, service: EntriesService, page_size: int = 200, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._page_size = max(1, page_size)
        self._filter = EntryFilter()
        self._sort = EntrySort()
        self._rows: list[PassRecord] = []
        self._total = 0
        self.reload()

    # -- state -------------------------------------------------------------------------------------
    @property
    def filter(self) -> EntryFilter:
        return self._filter

    @property
    def sort_order(self) -> EntrySort:
        return self._sort

    @property
    def total(self) -> int:
        return self._total

    def set_filter(self, entry_filter: EntryFilter) -> None:
        """Show only passes matching ``entry_filter`` (reloads from the first page)."""
        self._filter = entry_filter
        self.reload()

    def reload(self, keep_loaded: bool = False) -> None:
        """Re-read the count and the first page (or as many rows as were loaded)."""
        want = max(self._page_size, len(self._rows)) if keep_loaded else self._page_size
        self.beginResetModel()
        try:
            self._total = self._service.count(self._filter)
            self._rows = self._service.query(self._filter, self._sort, 0, min(want, self._total))
        except Exception as exc:  # noqa: BLE001 - storage errors carry an operator message
            log.warning("entries could not be loaded: %s", exc)
            self._rows, self._total = [], 0
            self.error.emit(str(exc))
        finally:
            self.endResetModel()
        self.total_changed.emit(self._total)

    def record(self, row: int) -> PassRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- Qt model API ------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or len(self._rows) >= self._total:
            return
        try:
            page = self._service.query(self._filter, self._sort, len(self._rows), self._page_size)
        except Exception as exc:  # noqa: BLE001
            log.warning("next page of entries could not be loaded: %s", exc)
            self.error.emit(str(exc))
            return
        if not page:
            self._total = len(self._rows)
            self.total_changed.emit(self._total)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(COLUMNS):
                return QCoreApplication.translate("EntriesModel", COLUMNS[section][1])
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None  # not super().headerData: PySide6 6.12 drops a reference to None there

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        rec = self.record(index.row()) if index.isValid() else None
        if rec is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(rec, col)
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_PLATE, COL_READ):
            if rec.corrected_plate:
                return self.tr("Corrected by the operator; the camera read %1").replace("%1", rec.plate_read)
            return self.tr("As read by the camera")
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_DECISION:
            return QBrush(QColor(DECISION_COLOURS[Decision(rec.decision)]))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_DECISION:
            return QBrush(QColor("#202020"))
        if role == Qt.ItemDataRole.FontRole and col == COL_PLATE and rec.corrected_plate:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_CONF:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return rec
        return None

    def _display(self, rec: PassRecord, col: int) -> str:
        if col == COL_TIME:
            return rec.time_utc.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if col == COL_CAMERA:
            return rec.camera
        if col == COL_LANE:
            return lane_name(rec.lane)
        if col == COL_PLATE:
            return rec.plate
        if col == COL_READ:
            return rec.plate_read
        if col == COL_CONF:
            return f"{rec.confidence:.0%}"
        if col == COL_DECISION:
            return decision_name(rec.decision)
        if col == COL_FORMAT:
            return format_name(rec.plate_format)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the database (the whole filtered set, not just the loaded rows)."""
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = EntrySort(key=COLUMNS[column][0], descending=order == Qt.SortOrder.DescendingOrder)
        self.reload()

    # -- live updates ------------------------------------------------------------------------------
    def add_pass(self, record: PassRecord) -> None:
        """A new pass was logged: show it at the top when the log is in newest-first order."""
        if record.id is not None and any(r.id == record.id for r in self._rows):
            self.update_pass(record)
            return
        if self._sort.key == "time" and self._sort.descending and matches(self._filter, record):
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._rows.insert(0, record)
            self._total += 1
            self.endInsertRows()
            self.total_changed.emit(self._total)
        else:
            self.reload(keep_loaded=True)

    def update_pass(self, record: PassRecord) -> None:
        """A pass changed (e.g. corrected): refresh its row in place."""
        for row, old in enumerate(self._rows):
            if old.id == record.id:
                self._rows[row] = replace(record)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return
