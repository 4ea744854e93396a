"""Colour augmentations of whole batches: brightness/contrast/saturation jitter and AlexNet's
PCA lighting. Same contract as :mod:`cnnlab.data.augment_geometric`: float (N, C, H, W) on
0..1 in and out, per-sample factors drawn on the CPU from the loader's generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from cnnlab.data.augment_geometric import PROBABILITY, chosen, uniform
from cnnlab.data.dataset import Dataset
from cnnlab.fields import Real, option

SPREAD = Real(0.0, 1.0)  # factors U[1 - v, 1 + v] stay >= 0

LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 weights of R, G, B in the grey value


def grey(x: torch.Tensor) -> torch.Tensor:
    """The grey value of each pixel, (N, 1, H, W); a one-channel batch is its own grey."""
    if x.shape[1] != 3:
        return x.mean(dim=1, keepdim=True)
    weights = torch.tensor(LUMA, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * weights).sum(dim=1, keepdim=True)


def factors(generator: torch.Generator, n: int, spread: float, x: torch.Tensor) -> torch.Tensor:
    return uniform(generator, (n,), 1 - spread, 1 + spread).to(x.device, x.dtype).view(n, 1, 1, 1)


@dataclass
class ColorJitter:
    """Multiply brightness, contrast and saturation by factors U[1 - b, 1 + b] etc., in that
    order, with probability ``p`` per sample. Contrast blends with the image's mean grey
    value, saturation with each pixel's grey value (a no-op on grey images)."""

    brightness: float = option(0.0, "spread of the brightness factor", SPREAD)
    contrast: float = option(0.0, "spread of the contrast factor", SPREAD)
    saturation: float = option(0.0, "spread of the saturation factor", SPREAD)
    p: float = option(1.0, "probability per image", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n = len(x)
        b, c, s = (factors(generator, n, spread, x) for spread in self.spreads())
        out = x * b
        mean = grey(out).mean(dim=(2, 3), keepdim=True)
        out = (out - mean) * c + mean
        pixel_grey = grey(out)
        out = (out - pixel_grey) * s + pixel_grey
        return torch.where(chosen(generator, n, self.p, x.device), out.clamp(0, 1), x)

    def spreads(self) -> tuple[float, float, float]:
        return self.brightness, self.contrast, self.saturation


def channel_pca(dataset: Dataset, max_pixels: int = 4_000_000) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues (C,) and eigenvectors (C, C) (as columns) of the covariance of the pixel
    colours of ``dataset`` on the 0..1 scale, from an evenly spaced sample of its pixels."""
    pixels = dataset.images.transpose(0, 1).reshape(dataset.images.shape[1], -1)
    step = max(1, pixels.shape[1] // max_pixels)
    sample = pixels[:, ::step].double() / 255
    values, vectors = torch.linalg.eigh(torch.cov(sample).reshape(len(sample), len(sample)))
    return values.clamp(min=0).flip(0).float(), vectors.flip(1).float()


@dataclass
class Lighting:
    """AlexNet's PCA colour augmentation (Krizhevsky et al. 2012): add to every pixel of an
    image ``V @ (a * sqrt(lambda))`` with ``a ~ N(0, sigma)`` per image and component, where
    ``V``, ``lambda`` are the eigenvectors and eigenvalues of the training set's RGB
    covariance. The magnitudes are the standard deviations along the components (the square
    roots of the eigenvalues), as in the widely used ImageNet values 55.46, 4.79, 1.15 on
    0..255. :func:`cnnlab.data.augment.build_augment` fits them on the training split."""

    sigma: float = option(0.1, "standard deviation of the weights", Real(0.0))
    p: float = option(1.0, "probability per image", PROBABILITY)
    eigenvalues: torch.Tensor | None = field(default=None, repr=False)  # (C,)
    eigenvectors: torch.Tensor | None = field(default=None, repr=False)  # (C, C), columns

    def fit(self, dataset: Dataset) -> None:
        self.eigenvalues, self.eigenvectors = channel_pca(dataset)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.eigenvalues is None or self.eigenvectors is None:
            raise RuntimeError("Lighting needs fit(training split) before use")
        n, channels = x.shape[:2]
        alpha = torch.randn(n, channels, generator=generator) * self.sigma
        alpha[torch.rand(n, generator=generator) >= self.p] = 0
        shift = (alpha * self.eigenvalues.sqrt()) @ self.eigenvectors.T  # (N, C)
        return (x + shift.to(x.device, x.dtype).view(n, channels, 1, 1)).clamp(0, 1)
