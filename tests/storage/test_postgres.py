"""The same storage code on PostgreSQL (many gates, one server).

Runs only when ``GATEKEEPER_TEST_PG_URL`` names an empty scratch database, e.g.
``postgresql+pg8000://gk@127.0.0.1:54329/gk``; the schema is created and dropped by the test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.domain.types import Box, Decision, Lane, PlateRead, Vehicle
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.services.entries import EntriesService, EntryFilter, EntrySort
from gatekeeper.services.images import ImageStore
from gatekeeper.services.passes import PassLogger
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.passes import SORT_COLUMNS, PassFilter, PassRepository

PG_URL = os.environ.get("GATEKEEPER_TEST_PG_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="GATEKEEPER_TEST_PG_URL is not set")


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Database]:
    db = Database(PG_URL, spool_path=tmp_path / "pending_passes.jsonl")
    db.downgrade("base")
    db.upgrade()
    yield db
    db.downgrade("base")
    db.dispose()


def _pass(text: str, camera: str, seed: int) -> PlatePass:
    frame = np.full((60, 100, 3), seed % 255, np.uint8)
    now = datetime.now(timezone.utc).timestamp()
    return PlatePass(seed, camera, text, 0.9, "kr_private", now - 1, now, frame[20:40, 20:80].copy(), frame,
                     Box(20, 20, 80, 40), reads=[PlateRead(text, 0.9)] * 3, boxes=[Box(20, 20, 80, 40)] * 3,
                     frame_timestamp=now)


def test_postgresql_end_to_end(pg: Database, tmp_path: Path) -> None:
    assert {"passes", "vehicles", "cameras"} <= set(pg.table_names())
    registry = VehicleRegistry(pg)
    registry.add(Vehicle("12가3456", owner="김민수"))
    with pytest.raises(ValidationError, match="already registered"):
        registry.add(Vehicle("12가 3456"))
    logger = PassLogger(pg, ImageStore(tmp_path / "images"), registry)
    errors: list[BaseException] = []

    def worker(cam: int) -> None:  # four gates creating their camera rows at the same moment
        try:
            for i in range(6):
                text = "12가3456" if i == 0 else f"{30 + cam}나{1000 + i}"
                logger.log(_pass(text, f"Gate {cam}", cam * 10 + i), f"Gate {cam}")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    repo = PassRepository(pg)
    assert repo.count() == 24 and repo.cameras() == ["Gate 0", "Gate 1", "Gate 2", "Gate 3"]
    assert repo.count(PassFilter(plate="가34")) == 4 and repo.count(PassFilter(plate="나100")) == 20
    assert repo.count(PassFilter(decisions=(Decision.REGISTERED,), lane=Lane.ENTRY)) == 4
    hour = datetime.now(timezone.utc) - timedelta(hours=1)
    assert repo.count(PassFilter(since=hour, cameras=("Gate 2",))) == 6
    for key in SORT_COLUMNS:
        assert len(repo.query(None, key, True, 5, 10)) == 10
    service = EntriesService(pg, registry)
    target = service.query(EntryFilter(plate="31나1001"), EntrySort("time"), 0, 1)[0]
    fixed = service.correct(target.id, "12가3456", "kim")
    assert fixed.decision is Decision.REGISTERED and fixed.plate_read == "31나1001"
    assert service.count(EntryFilter(plate="12가3456")) == 5
    assert service.export_csv(EntryFilter(camera="Gate 1"), tmp_path / "e.csv") == 6
