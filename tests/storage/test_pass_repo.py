"""PassRepository on a real SQLite file: reads, filters, sorting, paging, corrections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from gatekeeper.domain.types import Box, Decision, Lane, PassRecord
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import NotFoundError
from gatekeeper.storage.models import PassReadRow
from gatekeeper.storage.passes import SORT_COLUMNS, PassFilter, PassRepository

MakePass = Callable[..., PassRecord]
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def log_repo(db: Database, make_pass: MakePass) -> PassRepository:
    repo = PassRepository(db)
    rows = [
        ("12가3456", "Gate 1", Lane.ENTRY, Decision.REGISTERED, 0.95),
        ("34나5678", "Gate 1", Lane.EXIT, Decision.UNKNOWN, 0.55),
        ("서울12가3456", "Gate 2", Lane.ENTRY, Decision.VISITOR, 0.80),
        ("LS15EBC", "Gate 2", Lane.ENTRY, Decision.UNKNOWN, 0.70),
        ("AB12CDE", "Back", Lane.EXIT, Decision.DENIED, 0.99),
        ("123가4567", "Back", Lane.ENTRY, Decision.REGISTERED, 0.60),
    ]
    for i, (text, cam, lane, dec, conf) in enumerate(rows):
        when = T0 + timedelta(hours=i)
        repo.add(make_pass(text, camera=cam, lane=lane, decision=dec, confidence=conf, when=when))
    return repo


def plates(records: list[PassRecord]) -> list[str]:
    return [r.plate for r in records]


def test_add_stores_reads_boxes_and_returns_the_record(db: Database, make_pass: MakePass) -> None:
    repo = PassRepository(db)
    rec = make_pass("12가3456", reads=3)
    stored = repo.add(rec, boxes=[Box(1, 2, 3, 4), None, Box(5, 6, 7, 8)], frame_times=[1.0, 1.5, 2.0],
                      camera_source="rtsp://cam")
    assert stored.id is not None and stored.camera == "Gate 1" and stored.time_utc == rec.time_utc
    again = repo.get(stored.id)
    assert again == stored and len(again.reads) == 3 and again.reads[0] == rec.reads[0]
    with db.session(write=False) as s:
        rows = s.scalars(select(PassReadRow).order_by(PassReadRow.id)).all()
        assert [r.box_json for r in rows] == ["[1.0, 2.0, 3.0, 4.0]", "null", "[5.0, 6.0, 7.0, 8.0]"]
        assert [r.frame_time for r in rows] == [1.0, 1.5, 2.0]
    assert repo.cameras() == ["Gate 1"]


@pytest.mark.parametrize(("query", "expected"), [
    ("가34", ["12가3456", "서울12가3456"]),
    ("12가 34", ["12가3456", "서울12가3456"]),
    ("서울", ["서울12가3456"]),
    ("나", ["34나5678"]),
    ("ls15", ["LS15EBC"]),
    ("12C", ["AB12CDE"]),
    ("4567", ["123가4567"]),
    ("zzz", []),
])
def test_partial_plate_search(log_repo: PassRepository, query: str, expected: list[str]) -> None:
    found = log_repo.query(PassFilter(plate=query), sort="time_utc", descending=False)
    assert plates(found) == expected
    assert log_repo.count(PassFilter(plate=query)) == len(expected)


def test_filters_by_date_camera_decision_lane_confidence(log_repo: PassRepository) -> None:
    day = PassFilter(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3))
    assert plates(log_repo.query(day, descending=False)) == ["34나5678", "서울12가3456"]
    assert plates(log_repo.query(PassFilter(cameras=("Back",)), descending=False)) == ["AB12CDE", "123가4567"]
    unknown = PassFilter(decisions=(Decision.UNKNOWN,))
    assert sorted(plates(log_repo.query(unknown))) == ["34나5678", "LS15EBC"]
    assert log_repo.count(PassFilter(decisions=(Decision.REGISTERED, Decision.DENIED))) == 3
    assert log_repo.count(PassFilter(lane=Lane.EXIT)) == 2
    assert log_repo.count(PassFilter(max_confidence=0.6)) == 2
    both = PassFilter(plate="가", cameras=("Gate 2",), decisions=(Decision.VISITOR,))
    assert plates(log_repo.query(both)) == ["서울12가3456"]
    # naive bounds are UTC, aware bounds in another zone mean the same instant
    kst = timezone(timedelta(hours=9))
    same = PassFilter(since=(T0 + timedelta(hours=1)).astimezone(kst),
                      until=(T0 + timedelta(hours=3)).astimezone(kst))
    assert log_repo.count(same) == 2


def test_sorting_by_every_column_and_paging(log_repo: PassRepository) -> None:
    for key in SORT_COLUMNS:
        asc = log_repo.query(None, sort=key, descending=False, limit=None)
        desc = log_repo.query(None, sort=key, descending=True, limit=None)
        assert len(asc) == 6 and {r.id for r in asc} == {r.id for r in desc}
    by_conf = log_repo.query(None, sort="confidence", descending=True, limit=None)
    assert [r.confidence for r in by_conf] == sorted((r.confidence for r in by_conf), reverse=True)
    by_cam = log_repo.query(None, sort="camera", descending=False, limit=None)
    assert [r.camera for r in by_cam] == sorted(r.camera for r in by_cam)
    pages = [log_repo.query(None, "time_utc", True, offset, 4) for offset in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 2, 0]
    newest_first = [r.time_utc for p in pages for r in p]
    assert newest_first == sorted(newest_first, reverse=True)
    assert plates(log_repo.latest(2)) == ["123가4567", "AB12CDE"]
    with pytest.raises(ValueError, match="unknown sort column"):
        log_repo.query(None, sort="drop table")


def test_iter_pages_streams_in_id_order(log_repo: PassRepository) -> None:
    pages = list(log_repo.iter_pages(PassFilter(plate="가"), page_size=2))
    assert [len(p) for p in pages] == [2, 1]
    ids = [r.id for p in pages for r in p]
    assert ids == sorted(ids)


def test_correction_keeps_the_original_and_is_searchable(log_repo: PassRepository) -> None:
    target = log_repo.query(PassFilter(plate="LS15EBC"))[0]
    fixed = log_repo.correct(target.id, "LS15 EBD", "kim", decision=Decision.REGISTERED, vehicle_id=None)
    assert fixed.plate_read == "LS15EBC" and fixed.corrected_plate == "LS15EBD" and fixed.plate == "LS15EBD"
    assert fixed.decision is Decision.REGISTERED
    assert plates(log_repo.query(PassFilter(plate="EBD"))) == ["LS15EBD"]
    assert plates(log_repo.query(PassFilter(plate="EBC"))) == ["LS15EBD"]  # the original read still matches
    again = log_repo.correct(target.id, "LS15EBE", "lee")
    history = log_repo.corrections(target.id)
    assert [(c.old_text, c.new_text, c.operator) for c in history] == [
        ("LS15EBC", "LS15EBD", "kim"), ("LS15EBD", "LS15EBE", "lee")]
    assert again.decision is Decision.REGISTERED  # not re-decided without a decision
    assert log_repo.count(PassFilter(corrected_only=True)) == 1
    cleared = log_repo.correct(target.id, "", "lee")
    assert cleared.corrected_plate is None and cleared.plate == "LS15EBC"
    with pytest.raises(NotFoundError):
        log_repo.correct(9999, "12가3456", "kim")


def test_queries_compile_for_postgresql() -> None:
    """No SQLite-only SQL in the log queries: the filtered, sorted page compiles for PostgreSQL."""
    flt = PassFilter(plate="가34", since=T0, cameras=("Gate 1",), decisions=(Decision.UNKNOWN,))
    stmt = PassRepository._filtered(select(PassReadRow.pass_id), flt)
    sql = str(stmt.compile(dialect=postgresql.dialect()))
    assert "LIKE" in sql and "ESCAPE" in sql
