"""``evaluate_approach``: labelled pictures driven up to the real camera pipeline, passes scored."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import CameraSettings, Settings
from gatekeeper.domain.types import Box
from gatekeeper.services.approach import cars_of, evaluate_approach, of_plate
from gatekeeper.services.evaluation import load_labelled_set


def _write(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imencode(path.suffix, image)[1].tofile(str(path))


def _scene(text: str, seed: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A rendered plate on a dark car body in a 640x480 picture, and its box."""
    from gatekeeper.dataset.synth.renderer import PlateRenderer

    plate, _ = PlateRenderer(seed=seed).render(text)
    plate = cv2.resize(plate, (200, int(200 * plate.shape[0] / plate.shape[1])))
    scene = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(scene, (150, 180), (490, 420), (40, 40, 40), -1)
    x, y = 220, 300
    scene[y:y + plate.shape[0], x:x + plate.shape[1]] = plate
    return scene, (x, y, x + plate.shape[1], y + plate.shape[0])


def _labelled_folder(root: Path) -> None:
    """Two cars, a picture with two plates, a plate without a box, a missing picture."""
    rows = ["image,plate,x1,y1,x2,y2"]
    for i, text in enumerate(["12가3456", "서울39바2764"]):
        scene, box = _scene(text, seed=7 + i)
        _write(root / f"images/car{i}.jpg", scene)
        rows.append(f"images/car{i}.jpg,{text},{','.join(map(str, box))}")
    _write(root / "images/two.jpg", np.zeros((48, 64, 3), np.uint8))
    rows += ["images/two.jpg,11가1111,1,1,20,10", "images/two.jpg,22가2222,30,1,60,10",
             "images/nobox.jpg,33가3333,,,,", "images/gone.jpg,44가4444,1,1,50,20"]
    (root / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_cars_are_the_pictures_with_one_plate_and_its_box(tmp_path: Path) -> None:
    _labelled_folder(tmp_path)
    cars, skipped = cars_of(load_labelled_set(tmp_path))
    assert [c.image for c in cars] == ["images/car0.jpg", "images/car1.jpg", "images/gone.jpg"]
    assert len(skipped) == 2
    assert skipped[0].startswith("images/two.jpg: 2 labelled plates")
    assert skipped[1].startswith("images/nobox.jpg: the plate needs both its text and its box")


def test_a_crop_is_of_the_plate_when_its_box_holds_most_of_it_and_not_much_more() -> None:
    plate = Box(100, 100, 200, 130)
    assert of_plate(Box(95, 95, 205, 135), plate)  # the whole plate, loosely
    assert of_plate(Box(100, 100, 200, 150), Box(105, 112, 195, 135))  # a label of the characters only
    assert of_plate(Box(80, 70, 240, 180), plate)  # far away, boxed loosely
    assert of_plate(Box(150, 95, 250, 135), plate)  # half of it
    assert not of_plate(Box(170, 95, 260, 135), plate)  # a sliver
    assert not of_plate(Box(0, 0, 400, 300), plate)  # the car seen whole
    assert not of_plate(Box(60, 60, 320, 140), plate)  # the car's rear, level with the plate
    assert not of_plate(Box(300, 300, 400, 330), plate)  # a sticker
    assert not of_plate(Box(95, 95, 205, 135), Box(100, 100, 100, 130))  # a label of no size


@pytest.fixture(scope="module")
def models():  # noqa: ANN201
    from gatekeeper.services.model_registry import shipped_weights
    from gatekeeper.services.runtime import load_models

    settings, paths = Settings(), AppPaths.default()
    if any(shipped_weights(k, settings, paths) is None for k in ("detector", "reader")):
        pytest.skip("no shipped weights in weights/")
    return load_models(settings, paths, device="cpu")


@pytest.mark.slow
def test_rendered_cars_are_logged_right_once_each(models, tmp_path: Path) -> None:  # noqa: ANN001
    from gatekeeper.services.runtime import make_pipeline

    _labelled_folder(tmp_path)
    settings = Settings()
    made = []

    def pipeline():  # noqa: ANN202
        made.append(make_pipeline(CameraSettings(name="approach", source="test"), models, settings))
        return made[-1]

    report = evaluate_approach(pipeline, load_labelled_set(tmp_path), details=True)
    assert len(made) == 2  # a fresh pipeline per car; the missing picture gets none
    assert report["cars"] == 2 and report["failed_images"] == 1
    assert report["errors"][0]["image"] == "images/gone.jpg" and "not found" in report["errors"][0]["error"]
    assert len(report["skipped_images"]) == 2
    cars = {d["image"]: d for d in report["details"]}
    # clean rendered plates, 50 -> 240 px wide: the camera logs each exactly once, right
    for name, text in (("images/car0.jpg", "12가3456"), ("images/car1.jpg", "서울39바2764")):
        assert cars[name]["passes"] == [text] and cars[name]["right"]
        assert cars[name]["crops_read"] >= 2
    assert report["pass_accuracy"] == 1.0 and report["cars_right"] == 2 and report["other_passes"] == 0
    crop = report["read_ms_per_crop"]
    assert crop["n"] == report["crops_read"] == sum(c["crops_read"] for c in cars.values() if not c["error"])
    assert 0 < crop["median"] <= crop["p95"]
    assert report["unsmeared_turns"] == sum(c["unsmeared_turns"] for c in cars.values())
    assert report["careful_turns"] + report["faint_turns"] <= report["crops_read"]
    assert report["faint_turns"] == sum(c["faint_turns"] for c in cars.values())
    # the reader's time apart for the crops of the plate and of other boxes (here the car body, if boxed)
    plate, other = report["read_cpu_ms_per_plate_crop"], report["read_cpu_ms_per_other_crop"]
    assert plate["n"] == report["plate_crops_read"] == sum(c["plate_crops_read"] for c in cars.values())
    assert plate["n"] + other["n"] == report["crops_read"]
    assert all(c["plate_crops_read"] >= 2 for c in cars.values() if not c["error"])
    assert 0.0 <= report["other_crops_cpu_share"] < 1.0


@pytest.mark.slow
def test_limit_drives_the_first_cars_only(models, tmp_path: Path) -> None:  # noqa: ANN001
    from gatekeeper.services.runtime import make_pipeline

    _labelled_folder(tmp_path)
    settings = Settings()
    report = evaluate_approach(
        lambda: make_pipeline(CameraSettings(name="a", source="t"), models, settings),
        load_labelled_set(tmp_path), limit=1)
    assert report["cars"] == 1 and "details" not in report
