"""``ToTensor`` and ``Compose``: the transforms EasyOCR uses."""

import numpy as np
import torch

__all__ = ["Compose", "ToTensor"]


class ToTensor:
    """PIL image or HWC uint8 array to CHW float tensor in [0, 1]."""

    def __call__(self, pic: object) -> torch.Tensor:
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        t = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        return t.float().div(255) if t.dtype == torch.uint8 else t.float()


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: list) -> None:
        self.transforms = transforms

    def __call__(self, x: object) -> object:
        for t in self.transforms:
            x = t(x)
        return x
