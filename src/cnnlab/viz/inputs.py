"""A trained run ready to look inside: its model, its preprocessing, and images to feed it.

Every ``viz`` and ``inspect`` command that reads a run goes through :func:`open_run`, so an
image from a file and an image from the test split are prepared exactly as in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from torch import nn

from cnnlab.data import Dataset
from cnnlab.data.preprocess import Preprocess, load_preprocess
from cnnlab.errors import DataError
from cnnlab.train.config import TrainConfig
from cnnlab.train.evaluate import load_split
from cnnlab.train.run import RunFolder

MAX_IMAGE_PIXELS = 64_000_000  # larger files are refused before decoding (decompression bombs)


@dataclass
class LoadedRun:
    run: RunFolder
    config: TrainConfig
    model: nn.Module  # in eval mode, on the run's device
    mean: torch.Tensor  # (1, C, 1, 1), per-channel mean of the training split on 0..1
    std: torch.Tensor  # (1, C, 1, 1)
    preprocess: Preprocess  # what training applied to its 0..1 batches (preprocess.json)
    shape: tuple[int, int, int] | None = field(default=None, repr=False)  # read once, on first use

    @property
    def device(self) -> torch.device:
        return self.mean.device

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (N, C, H, W) images as the float batch the model was trained on."""
        return self.preprocess(images.to(self.device).float() / 255)

    def denormalise(self, batch: torch.Tensor) -> torch.Tensor:
        """A normalised batch back on the 0..1 scale, for drawing."""
        return self.preprocess.invert(batch).clamp(0, 1)

    def split(self, split: str = "test") -> Dataset:
        """One split of the run's dataset, padded as in training."""
        return load_split(self.config, split)

    def input_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the images the model was trained on; the test split is read once."""
        if self.shape is None:
            self.shape = self.split("test").image_shape
        return self.shape

    def image_file(self, path: str | Path) -> torch.Tensor:
        """An image file as a uint8 (1, C, H, W) tensor in the run's channels and size."""
        channels, height, width = self.input_shape()
        pixels = read_image(path, "L" if channels == 1 else "RGB")
        if pixels.shape[-2:] != (height, width):
            pixels = F.interpolate(
                pixels.float(), size=(height, width), mode="bilinear", antialias=True
            )
            pixels = pixels.round().clamp(0, 255).to(torch.uint8)
        return pixels

    def pick(self, image: str | Path | None, index: int, split: str = "test") -> PickedImage:
        """The image a command looks at: a file if given, else ``split``'s image ``index``."""
        if image is not None:
            return PickedImage(self.image_file(image), None, str(image))
        dataset = self.split(split)
        if not 0 <= index < len(dataset):
            raise DataError(
                f"image index {index} is out of range: the {split} split of "
                f"{self.config.data!r} has {len(dataset)} images (0..{len(dataset) - 1})"
            )
        label = int(dataset.labels[index])
        return PickedImage(dataset.images[index : index + 1], label, f"{split}[{index}]")


@dataclass
class PickedImage:
    pixels: torch.Tensor  # uint8 (1, C, H, W)
    label: int | None  # the true class when the image comes from the dataset
    source: str  # a path or "test[INDEX]", for titles and messages


def open_run(path: str | Path, which: str = "last") -> LoadedRun:
    """Rebuild a run's model and preprocessing from its folder alone."""
    run = RunFolder.open(path)
    config = run.config()
    model = run.load_model(which).to(config.device)
    preprocess = load_preprocess(run.path)
    mean = torch.tensor(preprocess.mean, device=config.device).view(1, -1, 1, 1)
    std = torch.tensor(preprocess.std, device=config.device).view(1, -1, 1, 1)
    return LoadedRun(run, config, model, mean, std, preprocess)


def read_image(path: str | Path, mode: str) -> torch.Tensor:
    """An image file as uint8 (1, C, H, W) in ``mode`` ("L" or "RGB"); a DataError if it is
    missing, not an image, truncated or too large to decode safely."""
    path = Path(path)
    try:
        with Image.open(path) as handle:
            width, height = handle.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DataError(
                    f"{path}: image of {width}x{height} pixels is larger than the "
                    f"{MAX_IMAGE_PIXELS:,}-pixel limit"
                )
            array = np.asarray(handle.convert(mode))
    except FileNotFoundError:
        raise DataError(f"{path}: image file not found") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: not a readable image ({exc})") from exc
    tensor = torch.from_numpy(array.copy())
    tensor = tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
    return tensor.unsqueeze(0)
