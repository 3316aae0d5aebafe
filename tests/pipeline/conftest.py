"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

import pytest

from gatekeeper.domain.paths import weights_dir
from gatekeeper.pipeline.reader_latin_net import LatinNetReader


@pytest.fixture(scope="module")
def latin_reader() -> LatinNetReader:
    """The shipped Latin network through ONNX."""
    return LatinNetReader(weights_dir(), backend="onnx")
