"""Test-time augmentation: several views of each test image, softmax outputs averaged.

    flip        the image and its mirror (2 views)
    10crop      the four corner crops and the centre crop, and their mirrors (10 views,
                AlexNet / the lecture's "average a fixed set of crops")
    rotate      the image and its rotations by +-3, +-6 and +-9 degrees (7 views): for digits
                and other images whose mirror means something else, trained with rotations
    multiscale  ResNet's five scales: the short side resized to {224, 256, 384, 480, 640}
                (in proportion to the model's input size), 10 crops at each (50 views)

Views are cut from float batches on the 0..1 scale; each is preprocessed and fed to the
model. When the images are no larger than the model's input (in-memory datasets trained
with ``crop:pad=P``), 10-crop pads them by P pixels per side first (by size/8 if the run
used no crop), so the corner crops are the most shifted views training saw.

Averaging views a model never saw in training can cost accuracy instead of adding it
(10-crop on digits trained without crops: 96% -> 40%); :func:`unseen_views` says which
of a mode's kinds of view the training augmentation never produced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.data.augment import Augment, as_augment
from cnnlab.data.augment_geometric import (
    Affine,
    Crop,
    Flip,
    ResizedCrop,
    ScaleJitter,
    affine_theta,
    centre_crop,
    resize_short,
    warp,
)
from cnnlab.errors import ConfigError

TTA_MODES = ("none", "flip", "10crop", "rotate", "multiscale")
ROTATIONS = (0.0, -3.0, 3.0, -6.0, 6.0, -9.0, 9.0)  # degrees, within a digit recipe's rot=10
RESNET_SCALES = (224, 256, 384, 480, 640)  # short sides for a 224 input (He et al. 2016)
VIEW_KINDS = {  # what each mode's views vary
    "none": (),
    "flip": ("flips",),
    "10crop": ("flips", "shifts"),
    "rotate": ("rotations",),
    "multiscale": ("flips", "shifts", "scales"),
}


def ten_crop(x: torch.Tensor, size: int) -> list[torch.Tensor]:
    """Top-left, top-right, bottom-left, bottom-right and centre ``size`` crops, then the
    mirror images of the same five, in that order."""
    height, width = x.shape[-2:]
    if size > min(height, width):
        raise ConfigError(
            f"10-crop of {size} pixels needs images at least that large, found {height}x{width}"
        )
    corners = [
        x[..., :size, :size],
        x[..., :size, width - size :],
        x[..., height - size :, :size],
        x[..., height - size :, width - size :],
        centre_crop(x, size),
    ]
    return corners + [crop.flip(-1) for crop in corners]


def rotated(x: torch.Tensor, degrees: float) -> torch.Tensor:
    """``x`` rotated counter-clockwise about its centre, sampled as the training affine warp
    samples (zeros outside the image); a rotation by 0 degrees is the batch itself."""
    if degrees == 0:
        return x
    n = len(x)
    theta = affine_theta(
        torch.full((n,), degrees),
        torch.zeros(n, 2),
        torch.ones(n),
        torch.zeros(n, 2),
        tuple(x.shape[-2:]),
    )
    return warp(x, theta)


def views(x: torch.Tensor, mode: str, size: int, pad: int = 0) -> Iterator[torch.Tensor]:
    """The test-time views of a batch for a model whose input is ``size`` x ``size``."""
    if mode not in TTA_MODES:
        raise ConfigError(
            f"unknown test-time augmentation {mode!r}: expected one of {', '.join(TTA_MODES)}"
        )
    fitted = centre_crop(x, size) if min(x.shape[-2:]) > size else x
    if mode == "none":
        yield fitted
    elif mode == "flip":
        yield from (fitted, fitted.flip(-1))
    elif mode == "10crop":
        source = x if min(x.shape[-2:]) > size else F.pad(x, [pad or max(1, size // 8)] * 4)
        yield from ten_crop(source, size)
    elif mode == "rotate":
        yield from (rotated(fitted, degrees) for degrees in ROTATIONS)
    else:
        for scale in RESNET_SCALES:
            yield from ten_crop(resize_short(x, round(size * scale / 224)), size)


@torch.no_grad()
def predict(
    model: nn.Module,
    x: torch.Tensor,
    mode: str,
    *,
    size: int,
    preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None,
    pad: int = 0,
) -> torch.Tensor:
    """Class probabilities (N, K) of a 0..1 batch: the mean of the views' softmax outputs."""
    total, count = None, 0
    for view in views(x, mode, size, pad):
        logits = model(preprocess(view) if preprocess else view)
        probs = logits.float().softmax(dim=1)
        total, count = (probs if total is None else total + probs), count + 1
    return total / count


def trained_view_kinds(augmentation: Augment | str) -> set[str]:
    """Which of flips, shifts, scales and rotations the training augmentation shows the
    model."""
    kinds: set[str] = set()
    for op in as_augment(augmentation).operations:
        if isinstance(op, Flip) and op.p > 0 or isinstance(op, Crop) and op.flip > 0:
            kinds.add("flips")
        if isinstance(op, Crop) and op.p > 0 and (op.pad or op.size):
            kinds.add("shifts")
        if isinstance(op, ResizedCrop | ScaleJitter):
            kinds |= {"shifts", "scales"}
        if isinstance(op, Affine) and op.p > 0:
            kinds |= {"shifts"} if op.translate > 0 else set()
            kinds |= {"scales"} if op.scale > 0 else set()
            kinds |= {"rotations"} if op.rot > 0 else set()
    return kinds


def unseen_views(mode: str, augmentation: Augment | str) -> str | None:
    """A warning when test-time augmentation ``mode`` averages kinds of view (flips, shifts,
    scales, rotations) that the run's training augmentation never produced; None when it did."""
    parsed = as_augment(augmentation)
    missing = [kind for kind in VIEW_KINDS.get(mode, ()) if kind not in trained_view_kinds(parsed)]
    if not missing:
        return None
    trained = f"augment {parsed.spec!r}" if parsed.spec.strip() else "no augmentation"
    return (
        f"--tta {mode} averages {listed(VIEW_KINDS[mode])} of each image, but the run "
        f"was trained with {trained} (no {', no '.join(missing)}): the averaged views may "
        "score below plain evaluation"
    )


def listed(words: tuple[str, ...]) -> str:
    """("a", "b", "c") -> "a, b and c"."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
