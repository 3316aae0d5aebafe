"""Which Latin reader the runtime builds: our network by default, EasyOCR's English model by choice or
when the network's files are missing (with a warning), none when Latin reading is off."""

from __future__ import annotations

import logging

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import ReaderSettings, Settings
from gatekeeper.pipeline.reader_latin import LatinPlateReader, MultiReader
from gatekeeper.pipeline.reader_latin_net import LatinNetReader
from gatekeeper.services.runtime import load_models, make_latin_reader


def _settings(**reader) -> Settings:
    return Settings(reader=ReaderSettings(**reader))


def test_network_is_the_default_latin_reader() -> None:
    paths = AppPaths.default().ensure()
    got = make_latin_reader(_settings(), paths)
    assert isinstance(got, LatinNetReader) and got.name == "latin_reader"


def test_easyocr_by_choice_and_as_fallback(caplog) -> None:
    paths = AppPaths.default().ensure()
    assert isinstance(make_latin_reader(_settings(latin_engine="easyocr"), paths), LatinPlateReader)
    with caplog.at_level(logging.WARNING):
        got = make_latin_reader(_settings(latin_weights="no_such_reader"), paths)
    assert isinstance(got, LatinPlateReader)
    assert "no_such_reader" in caplog.text and "EasyOCR" in caplog.text


def test_loaded_models_chain_korean_and_latin_network() -> None:
    paths = AppPaths.default().ensure()
    models = load_models(_settings(), paths, "cpu")
    assert isinstance(models.reader, MultiReader)
    assert [r.name for r in models.reader.readers] == ["kr_reader", "latin_reader"]
    korean_only = load_models(_settings(latin=False), paths, "cpu")
    assert not isinstance(korean_only.reader, MultiReader)
