"""The model card (weights/README.md) names the sha256 and size of every shipped weights file."""

from __future__ import annotations

import hashlib

import pytest

from gatekeeper.domain.paths import weights_dir


def _shipped() -> list:
    return sorted(p for p in weights_dir().iterdir() if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.name)
def test_every_weights_file_is_on_the_model_card(path) -> None:  # noqa: ANN001
    card = (weights_dir() / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest in card, f"{path.name}: sha256 {digest} is not in weights/README.md"
    assert f"{path.stat().st_size:,} B" in card, \
        f"{path.name}: size {path.stat().st_size:,} B not on the card"
