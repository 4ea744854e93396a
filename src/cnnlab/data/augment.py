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

Each parameter is checked against the range its operation's dataclass declares (see
:mod:`cnnlab.fields`): probabilities in [0, 1]; sizes in pixels up to 4096 (``MAX_SIDE``),
crop padding up to 1024 (``MAX_PAD``), so no spec can ask for absurd amounts of memory;
rot in [0, 180] and shear in [0, 90) degrees; colour spreads and translate in [0, 1]. A
parameter given twice, or a number that is not finite (``1e400``, ``inf``), is refused.

A spec is parsed once, when the config is built (``TrainConfig.augmentation``); the
functions below take that parsed :class:`Augment` or, as before, the text.

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
from cnnlab.fields import Integer, Real

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
    """The operations a spec names, each parameter checked against its declared range
    (:mod:`cnnlab.fields`); a ConfigError naming the bad token and what is valid."""
    tokens = [token.strip() for token in spec.split(",") if token.strip()]
    return Augment(spec, [parse_operation(token) for token in tokens])


def as_augment(spec: Augment | str) -> Augment:
    """``spec`` parsed, if it is still the text of one."""
    return spec if isinstance(spec, Augment) else parse_augment(spec)


def parse_operation(token: str) -> Any:
    name, *parts = token.split(":")
    if name not in OPERATIONS:
        raise ConfigError(
            f"augment spec: unknown operation {name!r} in {token!r}; "
            f"valid operations: {', '.join(OPERATIONS)}"
        )
    cls, params = OPERATIONS[name]
    checks = {f.name: f.metadata.get("check") for f in dataclasses.fields(cls)}
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
        if key in values:
            raise ConfigError(f"augment spec: {key} given twice in {token!r}")
        value = parse_value(checks[key], text, part, token)
        values[key] = checks[key](f"augment spec: {key} in {token!r}", value)
    check_together(name, values, token)
    return cls(**values)


def parse_value(check: Integer | Real, text: str, part: str, token: str) -> float | int:
    try:
        return check.parse(text)
    except ValueError:
        what = "a whole number" if isinstance(check, Integer) else "a number"
        raise ConfigError(
            f"augment spec: {part!r} in {token!r}: expected {what}, found {text!r}"
        ) from None


def check_together(name: str, values: dict[str, Any], token: str) -> None:
    """The rules that tie parameters of one operation together."""
    if name == "scale_jitter" and not (
        values.get("size", 224) <= values.get("min", 256) <= values.get("max", 480)
    ):
        raise ConfigError(f"augment spec: {token!r} needs size <= min <= max")
    if values.get("min_scale", 0.08) > values.get("max_scale", 1.0):
        raise ConfigError(f"augment spec: {token!r} needs min_scale <= max_scale")
    if values.get("min_ratio", 3 / 4) > values.get("max_ratio", 4 / 3):
        raise ConfigError(f"augment spec: {token!r} needs min_ratio <= max_ratio")


def build_augment(spec: Augment | str, train: Dataset) -> Augment | None:
    """The training transform of ``spec`` fitted on the training split (None if empty): a
    copy, so a parsed spec (``TrainConfig.augmentation``) stays unfitted and shareable."""
    parsed = as_augment(spec)
    if not parsed.operations:
        return None
    copy = Augment(parsed.spec, [dataclasses.replace(op) for op in parsed.operations])
    return copy.fit(train)


def eval_transform(
    spec: Augment | str,
) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None:
    """What evaluation does instead of a spec's size-changing crop, so test images reach the
    model at the training size: a centre crop (``crop:size``), the short side resized to
    ``min`` then a centre crop (``scale_jitter``), or to size / 0.875 (``resized_crop``)."""
    sized = [op for op in as_augment(spec).operations if getattr(op, "size", 0)]
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


def training_size(spec: Augment | str, image_size: tuple[int, int]) -> tuple[int, int]:
    """(H, W) of the images the model sees in training under ``spec``."""
    for op in reversed(as_augment(spec).operations):
        if isinstance(op, Crop | ResizedCrop | ScaleJitter) and op.size:
            return op.size, op.size
    return image_size


def crop_pad(spec: Augment | str) -> int:
    """The padding of the spec's ``crop`` (0 if none): what 10-crop TTA shifts by."""
    pads = [op.pad for op in as_augment(spec).operations if isinstance(op, Crop)]
    return max(pads, default=0)
