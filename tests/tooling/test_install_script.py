"""build/install.sh: each pip step must succeed, and a failing one stops the install with a clear message.

The script runs for real against a stand-in virtual environment whose ``python`` records its arguments
and fails where asked, so no package is installed and the test needs no network.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUB = """#!/bin/sh
echo "$*" >> "$STUB_LOG"
if [ -n "$STUB_FAIL_ON" ]; then
  case "$*" in *"$STUB_FAIL_ON"*)
    echo "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device" >&2
    exit 1;;
  esac
fi
exit 0
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="build/install.sh is a bash script")


def _run_install(tmp_path: Path, fail_on: str = "") -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the script against ``tmp_path/venv`` (made on first use): its outcome and every call so far."""
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        python.parent.mkdir(parents=True)
        python.write_text(STUB)
        python.chmod(python.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.log"
    env = {**os.environ, "VENV": str(venv), "STUB_LOG": str(log), "STUB_FAIL_ON": fail_on}
    done = subprocess.run(["bash", str(ROOT / "build" / "install.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


def test_a_failing_pip_step_stops_the_install_and_says_where(tmp_path: Path) -> None:
    done, calls = _run_install(tmp_path, fail_on="-r build/requirements.txt")
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "No space left on device" in out
    assert "install: failed at: pip install -q -r build/requirements.txt" in done.stderr
    assert "MiB" in done.stderr
    assert not any("ultralytics==" in c for c in calls), "the install went on past the failed step"
    assert not list((tmp_path / "venv").glob(".gatekeeper-install-*")), "a failed install was stamped done"


def test_a_clean_install_takes_torch_first_and_stamps_itself_done(tmp_path: Path) -> None:
    done, calls = _run_install(tmp_path)
    assert done.returncode == 0, done.stderr
    order = [next(i for i, c in enumerate(calls) if key in c)
             for key in ("torch==2.13.0", "-r build/requirements.txt", "--no-deps ultralytics==", "-e .")]
    assert order == sorted(order)
    assert len(list((tmp_path / "venv").glob(".gatekeeper-install-*"))) == 1
    again, calls_again = _run_install(tmp_path)
    assert again.returncode == 0 and calls_again == calls, "a stamped install ran pip again"
