"""The "To label" tab: queued passes (newest reasons first), a count for the tab badge, the dialog."""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.services.labeling import LabelingService
from gatekeeper.storage.labeling_repo import LabelItem
from gatekeeper.ui.labeling_dialog import LabelingDialog

log = logging.getLogger(__name__)

_REASONS = {
    "unknown": QT_TRANSLATE_NOOP("LabelQueueTab", "Not registered"),
    "invalid": QT_TRANSLATE_NOOP("LabelQueueTab", "Invalid plate"),
    "low_confidence": QT_TRANSLATE_NOOP("LabelQueueTab", "Low confidence"),
    "operator": QT_TRANSLATE_NOOP("LabelQueueTab", "Sent by operator"),
}


def reason_name(reason: str) -> str:
    source = _REASONS.get(reason)
    return QCoreApplication.translate("LabelQueueTab", source) if source else reason


def tab_title(count: int) -> str:
    """The tab's title with its badge, e.g. ``To label (12)``."""
    base = QCoreApplication.translate("LabelQueueTab", "To label")
    return f"{base} ({count})" if count else base


class LabelQueueTab(QWidget):
    """Lists the labeling queue; ``count_changed`` carries the number of pending items (tab badge);
    ``labels_saved`` the number saved in a dialog session; ``retrain_requested`` the Retrain button."""

    count_changed = Signal(int)
    labels_saved = Signal(int)
    retrain_requested = Signal()

    def __init__(self, service: LabelingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelQueueTab")
        self.service = service
        self._items: list[LabelItem] = []
        self._count = -1
        self.table = QTableWidget(0, 5, objectName="labelQueueTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Queued"), self.tr("Camera"), self.tr("Read"), self.tr("Confidence"), self.tr("Reason")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.summary = QLabel(objectName="labelQueueSummary")
        self.label_button = QPushButton(self.tr("Label…"), objectName="labelButton")
        self.refresh_button = QPushButton(self.tr("Refresh"), objectName="refreshQueue")
        self.retrain_button = QPushButton(self.tr("Retrain…"), objectName="retrainButton")
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for b in (self.refresh_button, self.retrain_button, self.label_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.label_button.clicked.connect(self.open_dialog)
        self.refresh_button.clicked.connect(self.refresh)
        self.retrain_button.clicked.connect(self.retrain_requested)
        self.table.doubleClicked.connect(lambda _i: self.open_dialog())
        self.dialog: LabelingDialog | None = None
        self.refresh()

    def count(self) -> int:
        return max(self._count, 0)

    def refresh(self) -> None:
        """Reload the queue from the database (emits ``count_changed`` when the count changed)."""
        self._items = self.service.pending()
        self.table.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            when = item.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if item.created_at else ""
            cells = [
                when,
                item.camera,
                item.plate_read or "—",
                f"{item.confidence:.2f}",
                reason_name(item.reason),
            ]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                self.table.setItem(row, col, cell)
        labelled = self.service.labelled_count()
        self.summary.setText(
            self.tr("%1 to label · %2 labelled")
            .replace("%1", str(len(self._items)))
            .replace("%2", str(labelled))
        )
        self.label_button.setEnabled(bool(self._items))
        if len(self._items) != self._count:
            self._count = len(self._items)
            self.count_changed.emit(self._count)

    def open_dialog(self) -> LabelingDialog | None:
        """Open the labeling dialog at the selected item (or the first); non-modal."""
        if not self._items:
            return None
        start = max(self.table.currentRow(), 0)
        items = self._items[start:] + self._items[:start]
        self.dialog = LabelingDialog(self.service, items, self)
        self.dialog.saved.connect(lambda _id: self.refresh())
        self.dialog.skipped.connect(lambda _id: self.refresh())
        self.dialog.finished.connect(self._dialog_closed)
        self.dialog.show()
        return self.dialog

    def _dialog_closed(self, _result: int) -> None:
        if self.dialog is not None and self.dialog.saved_count:
            self.labels_saved.emit(self.dialog.saved_count)
        self.refresh()


def install_labeling(
    window,
    service: LabelingService,
    *,
    retrain_settings=None,
    new_labels=None,
    data_dir=None,
    device: str = "cpu",
    config=None,
) -> LabelQueueTab:
    """Add the "To label" tab to the main window and wire it up.

    ``window`` needs ``add_tab(widget, title)``, ``tabs`` (QTabWidget), ``pass_logged`` and
    ``reload_models()``. The tab title shows the pending count; new passes refresh the list; Retrain opens
    :class:`RetrainDialog` whose activated model is reloaded without a restart; with ``retrain_settings``
    and ``new_labels`` (a callable counting labels since the last training) a ``RetrainTrigger`` offers
    (or starts) retraining at the quiet hour, of the reader the labels call for (:func:`reader_kind_for`).
    """
    from PySide6.QtWidgets import QMessageBox

    from gatekeeper.services.retrain import reader_kind_for
    from gatekeeper.ui.retrain_dialog import RetrainDialog, RetrainTrigger

    tab = LabelQueueTab(service)
    index = window.add_tab(tab, tab_title(tab.count()))
    tab.count_changed.connect(lambda n: window.tabs.setTabText(window.tabs.indexOf(tab), tab_title(n)))
    window.tabs.setTabText(index, tab_title(tab.count()))
    window.pass_logged.connect(lambda _record: tab.refresh())

    def open_retrain(start: bool = False, kind: str | None = None) -> RetrainDialog:
        dialog = getattr(window, "retrain_dialog", None)
        if dialog is None:
            dialog = RetrainDialog(window, data_dir=data_dir, device=device, config=config)
            dialog.models_changed.connect(lambda _kind, _version: window.reload_models())
            window.retrain_dialog = dialog
        if kind is not None:
            dialog.set_kind(kind)
        dialog.show()
        dialog.raise_()
        if start:
            dialog.start()
        return dialog

    def site_reader() -> str:
        """The reader the labels call for (the Latin one at a site labelling mostly foreign plates)."""
        try:
            return reader_kind_for(service.dataset.counts())
        except OSError as exc:
            log.warning("cannot count the site's labelled plates: %s", exc)
            return "reader"

    tab.retrain_requested.connect(open_retrain)
    tab.open_retrain = open_retrain
    if retrain_settings is not None and new_labels is not None:
        trigger = RetrainTrigger(retrain_settings, new_labels, parent=window)

        def offer(n: int) -> None:
            answer = QMessageBox.question(
                window,
                QCoreApplication.translate("LabelQueueTab", "Retrain"),
                QCoreApplication.translate(
                    "LabelQueueTab", "%1 new labels are waiting. Retrain the plate reader now?"
                ).replace("%1", str(n)),
            )
            if answer == QMessageBox.StandardButton.Yes:
                open_retrain(kind=site_reader())

        trigger.offer.connect(offer)
        trigger.start.connect(lambda _n: open_retrain(start=True, kind=site_reader()))
        tab.trigger = trigger
    return tab
