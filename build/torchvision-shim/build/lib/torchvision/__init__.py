"""Pure-torch CPU stand-in for torchvision (ops.nms, models.vgg16_bn, transforms.ToTensor).

Installed by build/install.sh only when the real torchvision cannot run ``ops.nms`` on this machine.
"""

from torchvision import models, ops, transforms

__version__ = "0.28.0"
__all__ = ["models", "ops", "transforms", "__version__"]
