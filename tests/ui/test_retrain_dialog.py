"""The retrain dialog runs ``gatekeeper train --site`` in a real background process."""

from __future__ import annotations

import sys

import cv2
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.services.labeling import LabelingService
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository
from gatekeeper.training.site import synthetic_gate_frames
from gatekeeper.ui.retrain_dialog import RetrainDialog, train_arguments

TINY = ["--synthetic", "32", "--batch-size", "8", "--held-out", "8"]


def _label(tmp_path, n: int, latin: bool = False) -> AppPaths:
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    svc = LabelingService(LabelingRepository(db), paths, Settings(), user="tester")
    for k, (frame, box, text) in enumerate(synthetic_gate_frames(n, seed=5, latin=latin)):
        path = tmp_path / f"g{k}.jpg"
        cv2.imwrite(str(path), frame)
        svc.save(svc.enqueue_frame(path, text=text, box=box), [LabeledPlate(box, text)])
    db.dispose()
    return paths


def _tiny_run(qtbot, dialog: RetrainDialog) -> tuple[dict, list[tuple[str, str]]]:
    """Run a 3-step retraining from the dialog; (its result, the models_changed emissions)."""
    dialog.amount.setValue(3)
    changed: list[tuple[str, str]] = []
    dialog.models_changed.connect(lambda kind, version: changed.append((kind, version)))
    with qtbot.waitSignal(dialog.finished_run, timeout=180_000) as done:
        dialog.start()
    return done.args[0], changed


def test_arguments() -> None:
    assert train_arguments("reader", 50) == [
        "-m",
        "gatekeeper",
        "train",
        "reader",
        "--site",
        "--progress-json",
        "--device",
        "cpu",
        "--steps",
        "50",
    ]
    assert train_arguments("detector", 3)[-2:] == ["--epochs", "3"]


def test_arguments_in_the_packaged_program(monkeypatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    args = train_arguments("reader", 50)
    assert args[:3] == ["train", "reader", "--site"], "the bundle's executable takes sub-commands directly"


def test_failure_is_reported_and_buttons_reset(qtbot) -> None:
    dialog = RetrainDialog(data_dir=AppPaths.default().data_dir)
    qtbot.addWidget(dialog)
    dialog.amount.setValue(3)
    dialog.start()
    assert dialog.is_running() and not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)
    assert "Training failed" in dialog.status.text() and dialog.start_button.isEnabled()
    assert "validation split has no Korean plates" in dialog.log_view.toPlainText()


def test_cancel_stops_the_process(qtbot, tmp_path) -> None:
    _label(tmp_path, 8)
    dialog = RetrainDialog(data_dir=AppPaths.default().data_dir, extra_args=TINY)
    qtbot.addWidget(dialog)
    dialog.amount.setValue(1_000_000)
    dialog.start()
    qtbot.waitUntil(lambda: "scoring" in dialog.log_view.toPlainText(), timeout=90_000)  # it is working
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert "Cancelled" in dialog.status.text() and dialog.result is None


@pytest.mark.slow
def test_tiny_run_shows_report_and_signals_new_model(qtbot, tmp_path) -> None:
    _label(tmp_path, 12)
    dialog = RetrainDialog(data_dir=AppPaths.default().data_dir, extra_args=TINY)
    qtbot.addWidget(dialog)
    result, changed = _tiny_run(qtbot, dialog)
    assert result["kind"] == "reader" and dialog.progress.value() == 1000
    assert "Site validation split" in dialog.report.toPlainText()
    assert changed == ([("reader", result["version"])] if result["promoted"] else [])


@pytest.mark.slow
def test_the_latin_reader_is_retrained_from_the_dialog(qtbot, tmp_path) -> None:
    _label(tmp_path, 12, latin=True)
    dialog = RetrainDialog(data_dir=AppPaths.default().data_dir, extra_args=TINY)
    qtbot.addWidget(dialog)
    kinds = [dialog.kind.itemData(i) for i in range(dialog.kind.count())]
    assert kinds == ["reader", "latin-reader", "detector"]
    dialog.kind.setCurrentIndex(kinds.index("latin-reader"))
    assert dialog.amount_label.text() == "Steps" and dialog.amount.value() == 2000
    result, changed = _tiny_run(qtbot, dialog)
    assert result["kind"] == "latin-reader" and result["data"]["plates_latin_train"] >= 6
    assert changed == ([("latin-reader", result["version"])] if result["promoted"] else [])
