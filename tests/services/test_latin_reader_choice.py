"""Which Latin reader the runtime builds: our network by default, EasyOCR's English model by choice or
when the network's files are missing (with a warning), none when Latin reading is off; a Latin network
retrained on site (the registry's active ``latin-reader``) before the shipped one."""

from __future__ import annotations

import logging
import shutil

from gatekeeper.domain.paths import AppPaths, weights_dir
from gatekeeper.domain.settings import ReaderSettings, Settings
from gatekeeper.pipeline.reader_chain import MultiReader
from gatekeeper.pipeline.reader_latin import LatinPlateReader
from gatekeeper.pipeline.reader_latin_net import LatinNetReader
from gatekeeper.services.model_registry import ModelRegistry
from gatekeeper.services.runtime import load_models, make_latin_reader
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import ModelVersionRepository


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
    assert models.reader.readers[0].careful_below == 0.97 and models.reader.recheck_below == 0.8
    careful = load_models(_settings(latin=False, careful_below=0.9), paths, "cpu")
    assert careful.reader.careful_below == 0.9


def test_a_registered_latin_reader_is_preferred_and_a_broken_one_falls_back(tmp_path, caplog) -> None:
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    try:
        registry = ModelRegistry(ModelVersionRepository(db), paths, Settings())
        trained = tmp_path / "trained"
        trained.mkdir()
        for f in weights_dir().glob("latin_reader.*"):
            shutil.copy(f, trained / f.name)
        mv = registry.activate(registry.register("latin-reader", trained / "latin_reader.pth", parent=None,
                                                 metrics={}, data_size=0).version)
        got = make_latin_reader(_settings(), paths)
        assert isinstance(got, LatinNetReader) and got.weights_dir == paths.models_dir / mv.version
        (paths.models_dir / mv.version / "latin_reader.yaml").unlink()
        with caplog.at_level(logging.WARNING):
            got = make_latin_reader(_settings(), paths)
        assert isinstance(got, LatinNetReader) and got.weights_dir == weights_dir()
        assert mv.version in caplog.text and "unusable" in caplog.text
    finally:
        db.dispose()
