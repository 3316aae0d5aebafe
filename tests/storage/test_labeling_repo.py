"""Labeling queue and model-version repositories on a real migrated SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import (
    LABELLED,
    PENDING,
    SKIPPED,
    LabeledPlate,
    LabelingRepository,
    ModelVersion,
    ModelVersionRepository,
)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'gk.sqlite3'}")
    database.upgrade()
    yield database
    database.dispose()


def test_migration_creates_tables_and_downgrades(db: Database) -> None:
    assert {"label_items", "label_plates", "model_versions"} <= set(db.table_names())
    assert db.current_revision() == "0002"
    db.downgrade("0001")
    assert "label_items" not in db.table_names()
    db.upgrade()
    assert "model_versions" in db.table_names()


def test_models_match_migration_0002(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from gatekeeper.storage.models import Base
    from gatekeeper.storage.models_labeling import LabelItemRow  # noqa: F401 - registers the tables

    ours = {"label_items", "label_plates", "model_versions"}

    def table(diff) -> str:
        for part in diff if isinstance(diff, tuple) else [diff]:
            for obj in part if isinstance(part, tuple) else (part,):
                name = getattr(getattr(obj, "table", None), "name", None) or getattr(obj, "name", None)
                if isinstance(obj, str) and obj in ours:
                    return obj
                if name in ours:
                    return name
        return ""

    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diffs if table(d)] == []


def test_queue_roundtrip_labels_and_counts(db: Database) -> None:
    repo = LabelingRepository(db)
    reads = [PlateRead("12가3456", 0.6, plate_format="kr_private", reader="kr"), PlateRead("12가3458", 0.4)]
    a = repo.enqueue(
        frame_path="/f/a.jpg",
        camera="Gate",
        reason="low_confidence",
        pass_id=7,
        plate_read="12가3456",
        confidence=0.6,
        best_box=Box(1, 2, 30, 12),
        boxes=[Box(1, 2, 30, 12), Box(2, 2, 31, 13)],
        reads=reads,
    )
    assert repo.enqueue(frame_path="/f/a.jpg", pass_id=7) == a  # same pass is not queued twice
    b = repo.enqueue(frame_path="/f/b.jpg", reason="operator")
    repo.set_split(b, "val")
    item = repo.get(a)
    assert item.best_box == Box(1, 2, 30, 12) and len(item.boxes) == 2
    assert [r.text for r in item.reads] == ["12가3456", "12가3458"] and item.reads[0].reader == "kr"
    assert [i.id for i in repo.pending()] == [a, b] and repo.count() == 2
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    repo.save_labels(
        a, [LabeledPlate(Box(1, 2, 30, 12), "12가3457", "private", "car", "white", "item_1_0.png")], "kim"
    )
    repo.mark_skipped(b)
    item = repo.get(a)
    assert item.status == LABELLED and item.labelled_by == "kim" and item.labelled_at >= before
    assert item.plates[0].plate == "12가3457" and item.plates[0].vehicle_type == "car"
    assert repo.get(b).status == SKIPPED and repo.get(b).split == "val"
    assert repo.count(PENDING) == 0 and repo.count(LABELLED) == 1
    assert repo.count_labelled_since(before) == 1
    assert repo.count_labelled_since(datetime.now(timezone.utc) + timedelta(seconds=5)) == 0
    repo.save_labels(a, [LabeledPlate(Box(0, 0, 9, 9), "34나5678")], "lee")  # relabel replaces plates
    assert [p.plate for p in repo.get(a).plates] == ["34나5678"]
    with pytest.raises(KeyError):
        repo.mark_skipped(999)


def test_model_versions_single_active(db: Database) -> None:
    repo = ModelVersionRepository(db)
    repo.add(ModelVersion("reader-000", "reader", "/m/r0", metrics={"site_val": {"plate_accuracy": 0.5}}))
    repo.add(ModelVersion("reader-001", "reader", "/m/r1", parent="reader-000"))
    repo.add(ModelVersion("detector-000", "detector", "/m/d0"))
    repo.activate("reader-000")
    repo.activate("detector-000")
    assert repo.active("reader").version == "reader-000"
    repo.activate("reader-001")
    assert repo.active("reader").version == "reader-001"
    assert repo.get("reader-000").status == "retired"
    assert repo.active("detector").version == "detector-000"
    assert repo.get("reader-000").metrics["site_val"]["plate_accuracy"] == 0.5
    assert repo.count("reader") == 2 and [m.version for m in repo.list("reader")] == [
        "reader-000",
        "reader-001",
    ]
