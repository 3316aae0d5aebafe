"""Latest-passes panel: newest on top, bounded, decision colours, click opens the evidence frame."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPoint, Qt

from gatekeeper.domain.types import Decision, Lane, PassRecord
from gatekeeper.ui.latest_passes import LatestPassesPanel
from gatekeeper.ui.pass_card import local_time_text
from gatekeeper.ui.style import decision_colour


def _record(tmp: Path, i: int, decision: Decision = Decision.UNKNOWN) -> PassRecord:
    frame = np.full((120, 200, 3), 40 + i, np.uint8)
    crop = np.full((30, 90, 3), 230, np.uint8)
    cv2.imwrite(str(tmp / f"f{i}.jpg"), frame)
    cv2.imwrite(str(tmp / f"c{i}.png"), crop)
    return PassRecord(plate_read=f"12가{1000 + i}", confidence=0.9, camera="Gate A", lane=Lane.ENTRY,
                      time_utc=datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc) + timedelta(minutes=i),
                      decision=decision, frame_path=f"f{i}.jpg", crop_path=f"c{i}.png", id=i)


def test_newest_on_top_bounded_and_coloured(qtbot, tmp_path) -> None:
    panel = LatestPassesPanel(resolve=lambda p: tmp_path / p, max_cards=3)
    qtbot.addWidget(panel)
    records = [_record(tmp_path, i) for i in range(5)]
    panel.load(list(reversed(records[:2])))  # the database gives newest first
    assert [c.record.id for c in panel.cards()] == [1, 0]
    for r in records[2:]:
        panel.add_pass(r)
    assert [c.record.id for c in panel.cards()] == [4, 3, 2]  # bounded at 3, newest on top
    denied = panel.add_pass(_record(tmp_path, 9, Decision.DENIED))
    assert panel.cards()[0] is denied
    assert decision_colour(Decision.DENIED).name() in denied.badge.styleSheet()
    assert denied.crop_label.pixmap() is not None and not denied.crop_label.pixmap().isNull()
    assert denied.time_label.text() == local_time_text(denied.record.time_utc)
    assert "Gate A" in denied.meta_label.text() and "90%" in denied.meta_label.text()


def test_corrected_pass_replaces_its_card(qtbot, tmp_path) -> None:
    panel = LatestPassesPanel(resolve=lambda p: tmp_path / p)
    qtbot.addWidget(panel)
    panel.load([_record(tmp_path, 2), _record(tmp_path, 1)])
    fixed = _record(tmp_path, 1, Decision.REGISTERED)
    fixed.corrected_plate = "12가9999"
    card = panel.update_pass(fixed)
    assert card is panel.cards()[1] and card.plate_label.text() == "12가9999"
    assert panel.update_pass(_record(tmp_path, 7)) is None


def test_click_opens_evidence_frame(qtbot, tmp_path) -> None:
    panel = LatestPassesPanel(resolve=lambda p: tmp_path / p)
    qtbot.addWidget(panel)
    panel.show()
    card = panel.add_pass(_record(tmp_path, 1, Decision.REGISTERED))
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.card_clicked, timeout=2000) as sig:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert sig.args[0].id == 1
    dialog = panel.dialog
    assert dialog is not None and dialog.has_image
    assert "12가1001" in dialog.details.text()
    dialog.close()


def test_missing_images_do_not_break_the_card(qtbot, tmp_path) -> None:
    panel = LatestPassesPanel(resolve=lambda p: tmp_path / "nowhere" / p)
    qtbot.addWidget(panel)
    record = PassRecord(plate_read="", confidence=0.4, camera="Gate B", lane=Lane.EXIT,
                        time_utc=datetime.now(timezone.utc), decision=Decision.UNKNOWN)
    card = panel.add_pass(record)
    assert card.plate_label.text() == "?"
    dialog = panel.open_frame(record, card.frame_path())
    assert not dialog.has_image
    dialog.close()
