"""``vgg16_bn`` with torchvision's module layout, so EasyOCR's CRAFT state dicts load unchanged."""

import enum

from torch import nn

from torchvision.models import vgg

__all__ = ["VGG16_BN_Weights", "vgg", "vgg16_bn"]


class VGG16_BN_Weights(enum.Enum):  # noqa: N801 - torchvision's public name
    """Only the enum exists: no weights are downloaded here."""

    DEFAULT = None
    IMAGENET1K_V1 = None


def vgg16_bn(*, weights: object = None, pretrained: bool = False, **_: object) -> nn.Module:
    """VGG-16 with batch norm; ``weights``/``pretrained`` are refused, never downloaded."""
    if pretrained or weights not in (None, VGG16_BN_Weights.DEFAULT):
        raise RuntimeError("torchvision stand-in: pretrained weights are not available offline")
    return vgg.VGG(vgg.make_layers(vgg.CFG_D, batch_norm=True))
