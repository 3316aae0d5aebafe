"""A process killed in the middle of logging: every pass it reported committed is in an intact file."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gatekeeper.storage.db import Database
from gatekeeper.storage.passes import PassRepository

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from gatekeeper.domain.types import Decision, Lane, PassRecord, PlateRead
    from gatekeeper.storage.db import Database
    from gatekeeper.storage.passes import PassRepository

    db = Database(sys.argv[1])
    db.upgrade()
    repo = PassRepository(db)
    i = 0
    while i < 100000:
        text = f"{10 + i % 90}가{1000 + i % 9000}"
        rec = repo.add(PassRecord(text, 0.9, datetime.now(timezone.utc), "Gate", Lane.ENTRY, Decision.UNKNOWN,
                                  reads=[PlateRead(text, 0.9)] * 5))
        print(rec.id, flush=True)
        i += 1
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_writer_loses_no_committed_pass(tmp_path: Path) -> None:
    db_file = tmp_path / "gk.sqlite3"
    url = f"sqlite:///{db_file}"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    reported: list[int] = []
    deadline = time.monotonic() + 60
    while len(reported) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        reported.append(int(line))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(reported) >= 40
    raw = sqlite3.connect(db_file)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    db = Database(url)
    db.upgrade()
    stored = {r.id for r in PassRepository(db).query(limit=None)}
    assert set(reported) <= stored
    assert all(len(PassRepository(db).get(i).reads) == 5 for i in reported[-3:])
    db.dispose()
