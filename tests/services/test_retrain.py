"""Champion/challenger retraining on a handful of generated labelled frames, the report and the scheduler."""

from __future__ import annotations

from datetime import datetime

import cv2
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import RetrainSettings, Settings
from gatekeeper.pipeline.reader_latin_net import LatinNetReader
from gatekeeper.services.labeling import LabelingService
from gatekeeper.services.model_registry import ModelRegistry, active_weights
from gatekeeper.services.retrain import (
    RetrainScheduler,
    RetrainService,
    challenger_wins,
    labels_since_last_training,
    reader_kind_for,
)
from gatekeeper.services.runtime import make_latin_reader
from gatekeeper.services.train_report import align, confusion_pairs
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository, ModelVersionRepository
from gatekeeper.training.site import ReaderRow, synthetic_gate_frames

TINY_READER = {"batch_size": 8, "held_out": 8, "producer": False, "checkpoint_every": 100}


def label_generated_frames(svc: LabelingService, folder, n: int, seed: int = 0, latin: bool = False) -> None:
    """Queue ``n`` generated gate frames (Korean or ``latin`` plates), labelled as an operator would."""
    for k, (frame, box, text) in enumerate(synthetic_gate_frames(n, seed, latin=latin)):
        path = folder / f"gen{seed}_{'latin' if latin else 'kr'}_{k}.jpg"
        cv2.imwrite(str(path), frame)
        item = svc.enqueue_frame(path, text=text, confidence=0.3, box=box)
        svc.save(item, [LabeledPlate(box, text, "private", "car")])


@pytest.fixture
def env(tmp_path):
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    labels = LabelingRepository(db)
    svc = LabelingService(labels, paths, Settings(), user="tester")
    registry = ModelRegistry(ModelVersionRepository(db), paths, Settings())
    yield svc, registry, paths, labels
    db.dispose()


def test_rule_both_kinds() -> None:
    assert challenger_wins("reader", {"plate_accuracy": 0.5}, {"plate_accuracy": 0.6})[0]
    assert not challenger_wins("reader", {"plate_accuracy": 0.5}, {"plate_accuracy": 0.5})[0]
    assert challenger_wins("reader", None, {"plate_accuracy": 0.0})[0]
    old = {"detection_recall": 0.8, "detection_precision": 0.9}
    assert challenger_wins("detector", old, {"detection_recall": 0.85, "detection_precision": 0.9})[0]
    assert not challenger_wins("detector", old, {"detection_recall": 0.95, "detection_precision": 0.7})[0]
    assert not challenger_wins("detector", old, dict(old))[0]


def test_the_reader_the_labels_call_for() -> None:
    counts = {"plates_korean_train": 8, "plates_korean_val": 2,
              "plates_latin_train": 3, "plates_latin_val": 1}
    assert reader_kind_for(counts) == "reader"
    assert reader_kind_for({**counts, "plates_latin_train": 9}) == "latin-reader"
    assert reader_kind_for({**counts, "plates_latin_train": 9, "plates_latin_val": 0}) == "reader"
    assert reader_kind_for({}) == "reader"


def test_alignment_and_confusions() -> None:
    assert align("12가3456", "12가3458") == list(zip("12가345", "12가345", strict=True)) + [("6", "8")]
    assert ("가", "∅") in align("12가3456", "123456")
    rows = [
        ReaderRow(__file__, "12가3456", "12나3456", 0.9),
        ReaderRow(__file__, "34다5678", "34다5678", 0.8),
    ]
    assert confusion_pairs(rows) == {("가", "나"): 1}


def test_scheduler_quiet_hour_once_a_day() -> None:
    sched = RetrainScheduler(RetrainSettings(labels_trigger=10, quiet_hour=3))
    assert not sched.should_offer(datetime(2026, 1, 1, 3, 5), 9)
    assert not sched.should_offer(datetime(2026, 1, 1, 14, 0), 50)
    assert sched.check(datetime(2026, 1, 1, 3, 5), 10) == "offer"
    assert sched.check(datetime(2026, 1, 1, 3, 30), 12) is None  # once a day
    auto = RetrainScheduler(RetrainSettings(labels_trigger=10, quiet_hour=3, auto_start=True))
    assert auto.check(datetime(2026, 1, 2, 3, 0), 10) == "start"


def test_shipped_weights_become_the_first_active_versions(env, tmp_path) -> None:
    _svc, _registry, paths, _ = env
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in (
        "plate_detector.onnx",
        "plate_detector.pt",
        "kr_reader.pth",
        "kr_reader.yaml",
        "kr_reader.py",
        "latin_reader.pth",
        "latin_reader.yaml",
        "latin_reader.py",
        "latin_reader.onnx",
    ):
        (shipped / name).write_bytes(name.encode() * 100)
    settings = Settings.model_validate(
        {
            "detector": {"weights": str(shipped / "plate_detector.onnx")},
            "reader": {"korean_weights": str(shipped / "kr_reader"),
                       "latin_weights": str(shipped / "latin_reader")},
        }
    )
    registry = ModelRegistry(_registry.repo, paths, settings)
    added = registry.ensure_initial()
    assert [m.version for m in added] == ["detector-000", "reader-000", "latin-reader-000"]
    assert registry.ensure_initial() == []  # only once
    det, rdr, latin = registry.active("detector"), registry.active("reader"), registry.active("latin-reader")
    assert det.note == "shipped weights" and set(det.sha256) == {"plate_detector.onnx", "plate_detector.pt"}
    assert set(rdr.sha256) == {"kr_reader.pth", "kr_reader.yaml", "kr_reader.py"}
    assert set(latin.sha256) == {f"latin_reader.{ext}" for ext in ("pth", "yaml", "py", "onnx")}
    assert active_weights(paths, "latin-reader") == paths.models_dir / "latin-reader-000" / "latin_reader.pth"
    assert active_weights(paths, "detector") == paths.models_dir / "detector-000" / "plate_detector.onnx"
    assert active_weights(paths, "reader") == paths.models_dir / "reader-000" / "kr_reader.pth"
    (shipped / "kr_reader.pth").write_bytes(b"an updated shipped reader" * 100)  # an app update
    assert [m.version for m in registry.ensure_initial()] == ["reader-001"]
    assert (
        registry.active("reader").version == "reader-001" and registry.get("reader-000").status == "retired"
    )
    registry.activate("reader-000")  # roll back
    (paths.models_dir / "reader-000" / "kr_reader.pth").unlink()
    assert active_weights(paths, "reader") is None  # missing files: the loader falls back to the settings
    with pytest.raises(FileNotFoundError):
        registry.activate("reader-000")


@pytest.mark.slow
def test_reader_retrain_promotes_then_rejects(env, tmp_path) -> None:
    svc, registry, paths, labels = env
    label_generated_frames(svc, tmp_path, 12)
    counts = svc.dataset.counts()
    assert counts["plates_val"] >= 1 and counts["plates_train"] >= 6
    assert labels_since_last_training(labels, registry) == 12
    service = RetrainService(registry, paths, Settings())
    registry.ensure_initial()
    n_val = counts["plates_val"]
    shipped = registry.active("reader")
    if shipped is not None:  # a known, beatable champion record on the current split
        registry.repo.update(
            shipped.version, metrics={"site_val": {"plate_accuracy": -1.0, "val_size": n_val}}
        )
    first = service.run("reader", steps=3, synthetic=32, trainer_kwargs=TINY_READER)
    assert first.promoted and first.after["val_size"] == n_val
    mv = registry.get(first.version)
    assert mv.status == "active" and mv.parent == (shipped.version if shipped else None)
    assert mv.data_size == counts["plates_train"] and mv.sha256 and (paths.models_dir / mv.version).is_dir()
    assert active_weights(paths, "reader") == paths.models_dir / mv.version / "kr_reader.pth"
    html = (paths.models_dir / mv.version / "report.html").read_text(encoding="utf-8")
    assert "Site validation split" in html and "data:image/png;base64" in html and "Worst examples" in html
    assert labels_since_last_training(labels, registry) == 0
    assert not list((paths.data_dir / "runs").glob("*"))  # the run folder is gone, the model is registered
    # the champion now has a record no challenger can beat on this split
    registry.repo.update(
        mv.version, metrics={**mv.metrics, "site_val": {"plate_accuracy": 1.0, "val_size": n_val}}
    )
    second = service.run("reader", steps=3, synthetic=32, trainer_kwargs=TINY_READER)
    assert not second.promoted and registry.get(second.version).status == "rejected"
    assert second.parent == mv.version and registry.active("reader").version == mv.version
    assert active_weights(paths, "reader") == paths.models_dir / mv.version / "kr_reader.pth"


@pytest.mark.slow
def test_detector_retrain_one_epoch_beats_a_known_champion_record(env, tmp_path) -> None:
    svc, registry, paths, _ = env
    label_generated_frames(svc, tmp_path, 12, seed=1)
    n_val = svc.dataset.counts()["frames_val"]
    assert n_val >= 1
    registry.ensure_initial()
    if registry.active("detector") is None:  # a champion whose site score is on record
        stub = tmp_path / "old_detector.onnx"
        stub.write_bytes(b"not loaded: its score is on record")
        registry.activate(registry.register("detector", stub, parent=None, metrics={}, data_size=0).version)
    champion = registry.active("detector")
    registry.repo.update(
        champion.version,
        metrics={"site_val": {"detection_recall": -1.0, "detection_precision": -1.0, "val_size": n_val}},
    )
    out = RetrainService(registry, paths, Settings()).run(
        "detector", epochs=1, imgsz=64, synthetic=8, trainer_kwargs={"batch": 4, "cache": False}
    )
    assert out.promoted and out.parent == champion.version and out.after["val_size"] == n_val
    assert 0.0 <= out.after["detection_recall"] <= 1.0 and 0.0 <= out.after["detection_precision"] <= 1.0
    mv = registry.active("detector")
    assert mv.version == out.version and registry.get(champion.version).status == "retired"
    folder = paths.models_dir / mv.version
    assert {"best.onnx", "best.pt", "report.html"} <= {p.name for p in folder.iterdir()}
    assert set(mv.sha256) >= {"best.onnx", "best.pt"}
    assert active_weights(paths, "detector") == folder / "best.onnx"
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "detection_recall" in html and "Worst frames" in html


@pytest.mark.slow
def test_latin_reader_retrain_learns_and_is_scored_on_the_latin_plates_only(env, tmp_path) -> None:
    svc, registry, paths, _ = env
    label_generated_frames(svc, tmp_path, 6)
    label_generated_frames(svc, tmp_path, 14, seed=5, latin=True)
    counts = svc.dataset.counts()
    n_val, n_train = counts["plates_latin_val"], counts["plates_latin_train"]
    assert n_val >= 1 and n_train >= 6 and counts["plates_korean_train"] + counts["plates_korean_val"] == 6
    service = RetrainService(registry, paths, Settings())
    registry.ensure_initial()
    shipped = registry.active("latin-reader")
    assert shipped is not None and shipped.note == "shipped weights"
    version, before = service.champion_score("latin-reader")  # the shipped network, on the Latin plates
    assert version == shipped.version and before["val_size"] == n_val
    registry.repo.update(shipped.version, metrics={"site_val": {"plate_accuracy": -1.0, "val_size": n_val}})
    out = service.run("latin-reader", steps=3, synthetic=32, trainer_kwargs=TINY_READER)
    assert out.promoted and out.parent == shipped.version and out.after["val_size"] == n_val
    assert out.data == {"plates_latin_train": n_train, "plates_latin_val": n_val}
    mv = registry.get(out.version)
    assert mv.version.startswith("latin-reader-") and mv.kind == "latin-reader" and mv.data_size == n_train
    assert active_weights(paths, "latin-reader") == paths.models_dir / mv.version / "latin_reader.pth"
    assert registry.active("reader").note == "shipped weights"  # the Korean reader is untouched
    got = make_latin_reader(Settings(), paths)  # what the window loads next
    assert isinstance(got, LatinNetReader) and got.weights_dir == paths.models_dir / mv.version
    html = (paths.models_dir / mv.version / "report.html").read_text(encoding="utf-8")
    assert "Site validation split" in html


def test_a_reader_kind_without_plates_of_its_script_is_refused(env, tmp_path) -> None:
    svc, registry, paths, _ = env
    label_generated_frames(svc, tmp_path, 8)  # Korean plates only
    with pytest.raises(ValueError, match="no Latin plates"):
        RetrainService(registry, paths, Settings()).run("latin-reader", steps=1)
    with pytest.raises(ValueError, match="unknown model kind"):
        RetrainService(registry, paths, Settings()).run("ocr", steps=1)
