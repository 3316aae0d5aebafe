"""Table model of the site's registered vehicles (the registry is small: loaded per search)."""

from __future__ import annotations

import logging
from datetime import datetime
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
from PySide6.QtGui import QBrush, QColor

from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.ui.vehicle_dialog import category_name

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    QT_TRANSLATE_NOOP("VehiclesModel", "Plate"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Owner"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Unit or company"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Phone"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Category"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Valid"),
    QT_TRANSLATE_NOOP("VehiclesModel", "Notes"),
)
COL_PLATE, COL_OWNER, COL_UNIT, COL_PHONE, COL_CATEGORY, COL_VALID, COL_NOTES = range(7)
CATEGORY_COLOURS = {VehicleCategory.DENIED: "#ffcdd2", VehicleCategory.VISITOR: "#bbdefb"}


def _local(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else ""


class VehiclesModel(QAbstractTableModel):
    """Vehicles matching the current search text, sorted by the view."""

    error = Signal(str)

    def __init__(self, registry: VehicleRegistry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._registry = registry
        self._search = ""
        self._rows: list[Vehicle] = []
        self._sort_column, self._sort_order = COL_PLATE, Qt.SortOrder.AscendingOrder
        self.reload()

    def set_search(self, text: str) -> None:
        self._search = text.strip()
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        try:
            self._rows = list(self._registry.list(self._search))
        except Exception as exc:  # noqa: BLE001 - storage errors carry an operator message
            log.warning("vehicles could not be loaded: %s", exc)
            self._rows = []
            self.error.emit(str(exc))
        self._sort_rows()
        self.endResetModel()

    def vehicle(self, row: int) -> Vehicle | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, plate: str) -> int:
        """Row showing ``plate`` or -1."""
        return next((i for i, v in enumerate(self._rows) if v.plate == plate), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(COLUMNS):
                return QCoreApplication.translate("VehiclesModel", COLUMNS[section])
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None  # not super().headerData: PySide6 6.12 drops a reference to None there

    def _text(self, v: Vehicle, col: int) -> str:
        if col == COL_CATEGORY:
            return category_name(v.category)
        if col == COL_VALID:
            if v.category is not VehicleCategory.VISITOR or not (v.valid_from or v.valid_until):
                return ""
            return f"{_local(v.valid_from)} – {_local(v.valid_until)}"
        return (v.plate, v.owner, v.unit, v.phone, "", "", v.notes)[col]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        v = self.vehicle(index.row()) if index.isValid() else None
        if v is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(v, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == COL_CATEGORY:
            colour = CATEGORY_COLOURS.get(v.category)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == COL_NOTES and v.notes:
            return v.notes
        if role == Qt.ItemDataRole.UserRole:
            return v
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_column, self._sort_order = column, order
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        col = self._sort_column

        def key(v: Vehicle) -> tuple:
            if col == COL_VALID:
                return (v.valid_until or datetime.max.replace(tzinfo=None)).isoformat(), v.plate
            return self._text(v, col).casefold(), v.plate

        self._rows.sort(key=key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
