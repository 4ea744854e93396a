"""An image file as the model's training images were: channels, size and polarity.

Size policies (``--fit``), fitting the image to the training images' size before the
padding training added (``TrainConfig.pad``; the padding is then added the same way):

    pad      keep the aspect ratio: scale the image to fit inside the training size and
             fill the rest with the image's own border colour (the default)
    crop     keep the aspect ratio: scale the image to cover the training size and cut the
             centre
    stretch  scale each side to the training size, distorting the shape

Polarity (``--invert``): a model trained on light digits on a dark background calls a dark
digit on white paper something else. ``auto`` inverts an image when its border (the
outermost ring of pixels) is nearer the inverse of the training images' border than to
the training border itself, and only when the training images have a plain background
(their mean border below 64 or above 191 of 255); ``yes`` and ``no`` force it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from cnnlab.data.images import FORMATS, BadImage, image_header

FIT_POLICIES = ("pad", "crop", "stretch")
INVERT_MODES = ("auto", "yes", "no")
PLAIN_BACKGROUND = 64  # a training border this close to black or white is a plain background


def should_invert(image_border: float, training_border: float | None, mode: str) -> bool:
    """Whether to invert an image whose border mean is ``image_border`` (see module doc)."""
    if mode != "auto":
        return mode == "yes"
    if training_border is None or PLAIN_BACKGROUND <= training_border <= 255 - PLAIN_BACKGROUND:
        return False
    return abs(255 - image_border - training_border) < abs(image_border - training_border)


def fit_picture(picture: Image.Image, size: tuple[int, int], policy: str) -> Image.Image:
    """``picture`` at ``size`` (H, W) under ``policy`` (see module doc)."""
    height, width = size
    if picture.size == (width, height):
        return picture
    if policy == "stretch":
        return picture.resize((width, height), Image.Resampling.BILINEAR)
    scale = (min if policy == "pad" else max)(width / picture.width, height / picture.height)
    scaled_size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    scaled = picture.resize(scaled_size, Image.Resampling.BILINEAR)
    if policy == "crop":
        left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
        return scaled.crop((left, top, left + width, top + height))
    fill = tuple(int(v) for v in np.median(border_ring(np.asarray(picture)), axis=0))
    canvas = Image.new(picture.mode, (width, height), fill if len(fill) > 1 else fill[0])
    canvas.paste(scaled, ((width - scaled.width) // 2, (height - scaled.height) // 2))
    return canvas


def border_ring(array: np.ndarray) -> np.ndarray:
    """The outermost ring of an (H, W) or (H, W, C) array as (n, C) pixel values."""
    array = array.reshape(*array.shape[:2], -1)
    return np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])


@dataclass(frozen=True)
class FitSpec:
    mode: str  # "L" (one channel) or "RGB"
    size: tuple[int, int]  # (H, W) of the run's images before training padded them
    pad: int  # pixels of zeros training added on every side (MNIST's 28 -> 32)
    policy: str  # one of FIT_POLICIES
    invert: str  # one of INVERT_MODES
    training_border: float | None  # the training images' border mean, 0..255

    @classmethod
    def for_images(
        cls,
        image_shape: tuple[int, int, int],
        pad: int,
        policy: str = "pad",
        invert: str = "auto",
        training_border: float | None = None,
    ) -> FitSpec:
        """The spec for training images of ``image_shape`` (C, H, W), ``pad`` included."""
        channels, height, width = image_shape
        size = (height - 2 * pad, width - 2 * pad)
        return cls("L" if channels == 1 else "RGB", size, pad, policy, invert, training_border)


@dataclass(frozen=True)
class FittedImage:
    pixels: np.ndarray  # uint8 (C, H, W) at the run's image size
    inverted: bool


def fit_file(path: Path, spec: FitSpec) -> FittedImage | BadImage:
    """The file as a training image (see module doc), or why it cannot be used."""
    header = image_header(path)
    if isinstance(header, BadImage):
        return header
    try:
        with Image.open(path, formats=FORMATS) as handle:
            picture = handle.convert(spec.mode)
    except Exception as exc:  # truncated or corrupt data; Pillow's plugins raise many types
        return BadImage(path, f"expected a complete image, found corrupt data ({exc!s:.200})")
    return fit_image(picture, spec)


def fit_image(picture: Image.Image, spec: FitSpec) -> FittedImage:
    """A decoded image as a training image (see module doc)."""
    picture = picture.convert(spec.mode)
    border = float(border_ring(np.asarray(picture)).mean())
    inverted = should_invert(border, spec.training_border, spec.invert)
    if inverted:
        picture = ImageOps.invert(picture)
    array = np.asarray(fit_picture(picture, spec.size, spec.policy), dtype=np.uint8)
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    if spec.pad:  # as training padded its images
        array = np.pad(array, [(0, 0), (spec.pad, spec.pad), (spec.pad, spec.pad)])
    return FittedImage(array, inverted)
