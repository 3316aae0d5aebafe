"""Blurred copies of detector training images: kernels of the asked size, pixels smeared (labels, determinism
and the cache: test_copies.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.blur import defocus, disc_kernel, line_kernel, motion, write_blur_copies


def _centre(k: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[:k.shape[0], :k.shape[1]]
    return float((k * xs).sum()), float((k * ys).sum())


@pytest.mark.parametrize(("length", "angle"), [(11, 0), (3.6, 90), (8, 30), (15, -12)])
def test_a_smear_is_a_centred_line_of_its_length(length: float, angle: float) -> None:
    k = line_kernel(length, angle)
    assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1
    assert k.sum() == pytest.approx(1.0)
    c = k.shape[0] // 2
    assert _centre(k) == pytest.approx((c, c), abs=1e-4)
    ys, xs = np.mgrid[:k.shape[0], :k.shape[1]]
    along = (xs - c) * np.cos(np.radians(angle)) + (ys - c) * np.sin(np.radians(angle))
    spread = np.sqrt((k * along ** 2).sum())
    assert spread == pytest.approx(length / np.sqrt(12), rel=0.2)  # a box of the length's deviation
    across = -(xs - c) * np.sin(np.radians(angle)) + (ys - c) * np.cos(np.radians(angle))
    assert np.sqrt((k * across ** 2).sum()) < 0.6


def test_a_defocus_disc_is_round_and_centred() -> None:
    k = disc_kernel(2.5)
    assert k.shape == (7, 7) and k.sum() == pytest.approx(1.0)
    assert np.allclose(k, k.T) and np.allclose(k, k[::-1]) and np.allclose(k, k[:, ::-1])
    assert k[3, 3] > 0 and k[0, 0] == 0


def test_blur_smears_sideways_or_up_and_down() -> None:
    img = np.full((300, 300, 3), 230, np.uint8)
    img[:, 150:152] = 0  # a thin upright stroke
    img[150:152, :] = 0  # and a level one
    rng = np.random.default_rng(0)
    smeared = [motion(img, rng) for _ in range(20)]
    upright = [float(s[100, 140:162].min()) for s in smeared]  # the upright stroke, blurred sideways
    level = [float(s[140:162, 100].min()) for s in smeared]
    assert max(upright) > 40 and max(level) > 40, "some smears run sideways, some up and down"
    soft = defocus(img, rng)
    assert soft[100, 150, 0] > 20 and soft[100, 149, 0] < 225 and soft[100, 140, 0] == 230


def test_copies_are_blurred(tmp_path: Path, yolo_folder: Callable[[Path, int], Path]) -> None:
    src = yolo_folder(tmp_path / "src", 6)
    out = write_blur_copies(tmp_path / "bl", [src], count=6, seed=3)
    sharp = cv2.Laplacian(cv2.imread(str(src / "images" / "p0.jpg"), cv2.IMREAD_GRAYSCALE), cv2.CV_64F).var()
    for img_path in sorted((out / "train" / "images").glob("*.jpg")):
        grey = cv2.imread(str(img_path), cv2.IMREAD_GRAYSCALE)
        assert cv2.Laplacian(grey, cv2.CV_64F).var() < 0.5 * sharp, f"{img_path.name} is not blurred"


def test_no_pictures_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty" / "images").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no images"):
        write_blur_copies(tmp_path / "out", [tmp_path / "empty"], count=2)
