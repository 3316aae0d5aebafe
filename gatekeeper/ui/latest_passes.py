"""The "latest passes" side panel: newest card on top, bounded, click opens the evidence frame."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from gatekeeper.domain.types import PassRecord
from gatekeeper.ui.frame_dialog import FrameDialog
from gatekeeper.ui.pass_card import ImageResolver, PassCard, default_resolver

log = logging.getLogger(__name__)

MAX_CARDS = 50


class LatestPassesPanel(QFrame):
    """Cards of the latest passes; ``add_pass`` puts a new one on top and drops the oldest past the bound."""

    card_clicked = Signal(object)

    def __init__(self, resolve: ImageResolver = default_resolver, max_cards: int = MAX_CARDS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latestPanel")
        self.setMinimumWidth(330)
        self._resolve = resolve
        self._max = max_cards
        self._cards: list[PassCard] = []
        self._dialog: FrameDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel(self.tr("Latest passes"), self)
        title.setObjectName("panelTitle")
        layout.addWidget(title)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget(self._scroll)
        inner.setObjectName("latestInner")
        self._list = QVBoxLayout(inner)
        self._list.setContentsMargins(0, 0, 4, 0)
        self._list.setSpacing(6)
        self._empty = QLabel(self.tr("No vehicle has passed yet."), inner)
        self._empty.setObjectName("cardMeta")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._list.addWidget(self._empty)
        self._list.addStretch(1)
        self._scroll.setWidget(inner)
        layout.addWidget(self._scroll, 1)

    def load(self, records: Iterable[PassRecord]) -> None:
        """Show ``records`` (newest first, as the database gives them), replacing the current cards."""
        for card in self._cards:
            self._list.removeWidget(card)
            card.deleteLater()
        self._cards.clear()
        for record in reversed(list(records)[: self._max]):
            self.add_pass(record)
        self._empty.setVisible(not self._cards)

    def add_pass(self, record: PassRecord) -> PassCard:
        """Put a card for ``record`` on top; the oldest card goes past ``max_cards``."""
        card = PassCard(record, self._resolve, self)
        card.clicked.connect(self._on_card_clicked)
        self._list.insertWidget(0, card)
        self._cards.insert(0, card)
        while len(self._cards) > self._max:
            old = self._cards.pop()
            self._list.removeWidget(old)
            old.deleteLater()
        self._empty.setVisible(False)
        return card

    def update_pass(self, record: PassRecord) -> PassCard | None:
        """Replace the card of the same pass id in place (after an operator correction)."""
        for i, card in enumerate(self._cards):
            if record.id is not None and card.record.id == record.id:
                new = PassCard(record, self._resolve, self)
                new.clicked.connect(self._on_card_clicked)
                self._list.replaceWidget(card, new)
                card.deleteLater()
                self._cards[i] = new
                return new
        return None

    def cards(self) -> list[PassCard]:
        return list(self._cards)

    def _on_card_clicked(self, record: PassRecord) -> None:
        card = self.sender()
        self.card_clicked.emit(record)
        path = card.frame_path() if isinstance(card, PassCard) else None
        self.open_frame(record, path)

    def open_frame(self, record: PassRecord, path: Path | None = None) -> FrameDialog:
        """Open (non-modal) the evidence frame of ``record``; one dialog at a time."""
        old, self._dialog = self._dialog, FrameDialog(record, path, self.window())
        if old is not None:
            old.close()
            old.deleteLater()
        self._dialog.show()
        return self._dialog

    @property
    def dialog(self) -> FrameDialog | None:
        return self._dialog
