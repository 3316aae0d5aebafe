"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader import Draft, KoreanPlateReader
from gatekeeper.pipeline.reader_chain import MultiReader
from gatekeeper.pipeline.reader_latin_net import LatinNetReader


@pytest.fixture(scope="module")
def latin_reader() -> LatinNetReader:
    """The shipped Latin network through ONNX."""
    return LatinNetReader(weights_dir(), backend="onnx")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The shipped detector and reader chain, loaded as the app loads them (skips without the weights)."""
    import torch

    torch.set_num_threads(1)
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.services.runtime import ModelsMissingError, load_models

    try:
        home = tmp_path_factory.mktemp("models-home")
        return load_models(Settings(), AppPaths(home / "config", home / "data"), device="cpu")
    except ModelsMissingError as exc:
        pytest.skip(f"weights/ lacks the shipped models: {exc}")


@pytest.fixture(scope="module")
def stop_frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, str]:
    """A demo-camera frame with the first vehicle stopped at the gate, and its plate."""
    from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar

    video = generate_demo_video(tmp_path_factory.mktemp("demo") / "d.mp4", seconds=7, fps=5, seed=2)
    truth = read_sidecar(video)["vehicles"][0]
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int((truth["stop_start"] + 0.5) * 5))
    good, frame = cap.read()
    cap.release()
    assert good
    return frame, truth["plate"]


@pytest.fixture(scope="module")
def real_chain() -> MultiReader:
    """The shipped Korean and Latin networks through ONNX, chained as the app chains them."""
    return MultiReader(KoreanPlateReader(weights_dir(), backend="onnx"),
                       LatinNetReader(weights_dir(), backend="onnx"))


@pytest.fixture
def finishes(real_chain) -> Iterator[list[Draft]]:
    """The drafts the real Korean reader's careful pass was given, recorded while the test runs."""
    korean = real_chain.readers[0]
    calls: list[Draft] = []
    original = korean.finish

    def recording_finish(draft: Draft) -> PlateRead | None:
        calls.append(draft)
        return original(draft)

    korean.finish = recording_finish  # type: ignore[method-assign]
    yield calls
    del korean.finish
