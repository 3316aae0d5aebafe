"""Atomic writes and the shared edit distance."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.domain.files import atomic_open, atomic_write_bytes, atomic_write_text
from gatekeeper.domain.text import edit_distance


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    atomic_write_text(target, "first")
    atomic_write_bytes(target, "두번째".encode())
    assert target.read_text(encoding="utf-8") == "두번째"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    atomic_write_text(target, '{"ok": true}')
    with pytest.raises(RuntimeError), atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write('{"half')
        raise RuntimeError("power cut")
    assert target.read_text(encoding="utf-8") == '{"ok": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_atomic_open_refuses_read_modes(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_open(tmp_path / "x", "r"):
        pass


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [("", "", 0), ("12가3456", "12가3456", 0), ("12가3456", "12거3456", 1), ("경기44가0502", "44가0502", 2),
     ("abc", "", 3), ("kitten", "sitting", 3)],
)
def test_edit_distance(a: str, b: str, d: int) -> None:
    assert edit_distance(a, b) == d == edit_distance(b, a)
