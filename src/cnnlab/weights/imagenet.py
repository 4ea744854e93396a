"""What published ImageNet weights carry beyond their tensors: the 1,000 class names and the
evaluation transform their accuracy was measured with.

The names are the human-readable ILSVRC-2012 list that torchvision's weights metadata uses,
in class-index order (``files/imagenet-classes.txt``, one per line: 0 "tench", 281 "tabby",
999 "toilet tissue"). The evaluation transform is the standard one of the ImageNet models
(Krizhevsky et al. 2012; He et al. 2016): the short side resized to 256 pixels, the central
224 x 224 cut out, each channel standardised with ImageNet's mean and std.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

RESIZE = 256  # the short side, in pixels, before the crop
CROP = 224  # the side the model sees; 224 / 256 = 0.875, ResizedCrop's evaluation ratio
MEAN = [0.485, 0.456, 0.406]  # per RGB channel, on the 0..1 scale
STD = [0.229, 0.224, 0.225]
CLASSES_FILE = Path(__file__).parent / "files" / "imagenet-classes.txt"


@functools.cache
def imagenet_classes() -> tuple[str, ...]:
    """The 1,000 ImageNet class names, index order."""
    return tuple(CLASSES_FILE.read_text(encoding="utf-8").splitlines())


def imagenet_metadata(model: str) -> dict[str, Any]:
    """Run metadata, as a shipped weights file carries it, for ``model``'s published ImageNet
    weights: ``cnnlab.Run`` opens them with it. Images are fitted by ``crop`` to 256 x 256
    (the short side to 256, the centre kept), and evaluation cuts the central 224 x 224."""
    return {
        "model": model,
        "model_args": {},
        "classes": list(imagenet_classes()),
        "image_shape": [3, RESIZE, RESIZE],
        "recipe": {
            "model": model,
            "data": "folder:imagenet",
            "image_size": RESIZE,
            "augment": f"resized_crop:size={CROP}",  # evaluates as resize 256, centre crop 224
        },
        "preprocessing": {"normalisation": {"kind": "standardize", "mean": MEAN, "std": STD}},
        "border": None,  # photos have no typical background: never inverted
        "fit": "crop",  # the short side to 256, not the whole photo padded into the square
    }
