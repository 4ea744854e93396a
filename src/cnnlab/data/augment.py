"""Augmentation specs: a short text naming batch operations, parsed into one transform.

A spec is a comma-separated list of operations applied in order; each is a name followed by
``:``-separated parameters. A bare number sets the operation's first parameter, ``key=value``
any parameter; ``p`` is the probability per image (default 1, flip 0.5). Examples::

    flip                                   mirror half the images
    flip,crop:4                            the CIFAR recipe: pad 4, random 32x32 crop, flip
    affine:rot=10:translate=0.1:scale=0.1:shear=5,elastic:alpha=34:sigma=4:p=0.5
    scale_jitter:min=256:max=480:size=224,flip,lighting:0.1   ResNet / AlexNet ImageNet
    resized_crop:224,flip,color:brightness=0.4:contrast=0.4:saturation=0.4
    crop:pad=4,flip,cutout:16              cutout after the CIFAR recipe

Operations and their parameters (first one settable positionally):

    flip, hflip   p=0.5
    crop          pad (zero pixels per side), size (0: keep the size), p
    resized_crop  size, min_scale=0.08, max_scale=1, min_ratio=0.75, max_ratio=1.333
    scale_jitter  min=256, max=480, size=224 (short side L ~ U[min, max], then a size crop)
    rotate        rot (degrees, U[-rot, rot]), p
    affine        rot, translate (fraction of the size), scale (U[1-s, 1+s]), shear (degrees), p
    color         brightness, contrast, saturation (factors U[1-v, 1+v]), p
    lighting      sigma=0.1 (AlexNet PCA lighting, fitted on the training split), p
    elastic       alpha=34 (pixels), sigma=4 (pixels), p
    cutout        size=16, fill=0, p

Every operation works on float (N, C, H, W) batches on 0..1, on the CPU or a GPU, with its
random numbers drawn from the loader's seeded CPU generator (see ``BatchTransform`` in
:mod:`cnnlab.data.loader`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from cnnlab.data.augment_color import ColorJitter, Lighting
from cnnlab.data.augment_geometric import (
    Affine,
    Crop,
    Cutout,
    Elastic,
    Flip,
    ResizedCrop,
    ScaleJitter,
    centre_crop,
    resize_short,
)
from cnnlab.data.dataset import Dataset
from cnnlab.errors import ConfigError

# name -> (operation class, its parameters in positional order)
OPERATIONS: dict[str, tuple[type, tuple[str, ...]]] = {
    "flip": (Flip, ("p",)),
    "hflip": (Flip, ("p",)),  # the same, by torchvision's name
    "crop": (Crop, ("pad", "size", "p")),
    "resized_crop": (ResizedCrop, ("size", "min_scale", "max_scale", "min_ratio", "max_ratio")),
    "scale_jitter": (ScaleJitter, ("min", "max", "size")),
    "rotate": (Affine, ("rot", "p")),
    "affine": (Affine, ("rot", "translate", "scale", "shear", "p")),
    "color": (ColorJitter, ("brightness", "contrast", "saturation", "p")),
    "lighting": (Lighting, ("sigma", "p")),
    "elastic": (Elastic, ("alpha", "sigma", "p")),
    "cutout": (Cutout, ("size", "fill", "p")),
}
POSITIVE = {"size", "min", "max", "min_scale", "max_scale", "min_ratio", "max_ratio"}


@dataclass
class Augment:
    """The operations of a spec, applied in order: a ``BatchTransform``."""

    spec: str
    operations: list[Any] = field(default_factory=list)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for operation in fused(self.operations):
            x = operation(x, generator)
        return x

    def fit(self, dataset: Dataset) -> Augment:
        """Fit what needs the training split (PCA lighting's colour eigenvectors)."""
        for operation in self.operations:
            if isinstance(operation, Lighting):
                operation.fit(dataset)
        return self


def fused(operations: list[Any]) -> list[Any]:
    """``flip`` directly before ``crop`` as one crop that mirrors (one gather instead of two
    passes over the batch; the random draws and the result are the same)."""
    out: list[Any] = []
    for operation in operations:
        if isinstance(operation, Crop) and out and type(out[-1]) is Flip and not operation.flip:
            operation = dataclasses.replace(operation, flip=out.pop().p)
        out.append(operation)
    return out


def parse_augment(spec: str) -> Augment:
    """The operations a spec names; a ConfigError naming the bad token and the valid ones."""
    tokens = [token.strip() for token in spec.split(",") if token.strip()]
    return Augment(spec, [parse_operation(token) for token in tokens])


def parse_operation(token: str) -> Any:
    name, *parts = token.split(":")
    if name not in OPERATIONS:
        raise ConfigError(
            f"augment spec: unknown operation {name!r} in {token!r}; "
            f"valid operations: {', '.join(OPERATIONS)}"
        )
    cls, params = OPERATIONS[name]
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for position, part in enumerate(parts):
        key, sep, text = part.partition("=")
        if not sep:
            key, text = (params[0] if position == 0 else ""), part
        if key not in params:
            raise ConfigError(
                f"augment spec: bad parameter {part!r} in {token!r}; {name} takes "
                f"{', '.join(params)} (key=value, or a bare value for {params[0]} first)"
            )
        values[key] = parse_value(types[key], text, part, token)
    check_values(name, values, token)
    try:
        return cls(**values)
    except ValueError as exc:
        raise ConfigError(f"augment spec: {token!r}: {exc}") from None


def parse_value(kind: str, text: str, part: str, token: str) -> float | int:
    number = int if kind == "int" else float
    try:
        return number(text)
    except ValueError:
        what = "a whole number" if number is int else "a number"
        raise ConfigError(
            f"augment spec: {part!r} in {token!r}: expected {what}, found {text!r}"
        ) from None


def check_values(name: str, values: dict[str, Any], token: str) -> None:
    for key, value in values.items():
        low_ok = value > 0 if key in POSITIVE else value >= 0
        if not low_ok or (key == "p" and value > 1):
            allowed = (
                "between 0 and 1" if key == "p" else ("positive" if key in POSITIVE else ">= 0")
            )
            raise ConfigError(f"augment spec: {key} in {token!r} must be {allowed}, found {value}")
    if name == "affine" and values.get("scale", 0) >= 1:
        raise ConfigError(f"augment spec: scale in {token!r} must be below 1 (U[1-s, 1+s])")
    if name == "elastic" and values.get("sigma", 1) == 0:
        raise ConfigError(f"augment spec: sigma in {token!r} must be positive")
    if name == "scale_jitter" and not (
        values.get("size", 224) <= values.get("min", 256) <= values.get("max", 480)
    ):
        raise ConfigError(f"augment spec: {token!r} needs size <= min <= max")
    if values.get("min_scale", 0) > values.get("max_scale", 1) or values.get("max_scale", 1) > 1:
        raise ConfigError(f"augment spec: {token!r} needs min_scale <= max_scale <= 1")


def build_augment(spec: str, train: Dataset) -> Augment | None:
    """The training transform of ``spec`` fitted on the training split (None if empty)."""
    augment = parse_augment(spec)
    return augment.fit(train) if augment.operations else None


def eval_transform(spec: str) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None:
    """What evaluation does instead of a spec's size-changing crop, so test images reach the
    model at the training size: a centre crop (``crop:size``), the short side resized to
    ``min`` then a centre crop (``scale_jitter``), or to size / 0.875 (``resized_crop``)."""
    sized = [op for op in parse_augment(spec).operations if getattr(op, "size", 0)]
    sized = [op for op in sized if isinstance(op, Crop | ResizedCrop | ScaleJitter)]
    if not sized:
        return None
    last = sized[-1]
    if isinstance(last, ScaleJitter):
        short = last.min
    elif isinstance(last, ResizedCrop):
        short = round(last.size / 0.875)
    else:
        short = 0
    return lambda x, generator: centre_crop(resize_short(x, short) if short else x, last.size)


def training_size(spec: str, image_size: tuple[int, int]) -> tuple[int, int]:
    """(H, W) of the images the model sees in training under ``spec``."""
    for op in reversed(parse_augment(spec).operations):
        if isinstance(op, Crop | ResizedCrop | ScaleJitter) and op.size:
            return op.size, op.size
    return image_size


def crop_pad(spec: str) -> int:
    """The padding of the spec's ``crop`` (0 if none): what 10-crop TTA shifts by."""
    pads = [op.pad for op in parse_augment(spec).operations if isinstance(op, Crop)]
    return max(pads, default=0)
