"""Geometric augmentations of whole batches: flips, crops, affine warps, elastic distortions.

Every operation takes a float batch ``x`` of shape (N, C, H, W) on the 0..1 scale and the
loader's CPU generator. Per-sample parameters are drawn on the CPU as tensors for the whole
batch and only then moved to ``x``'s device, so a CPU run and a GPU run with the same seed
see the same augmentations. Warps go through one ``affine_grid``/``grid_sample`` call per
batch; crops are one ``gather``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cnnlab.errors import ConfigError
from cnnlab.fields import MAX_PAD, MAX_SIDE, Integer, Real, option

# the valid values of the operations' parameters (what an augmentation spec may set)
PROBABILITY = Real(0.0, 1.0)
SIDE = Integer(1, MAX_SIDE)  # pixels of an output side
SCALE = Real(0.0, 1.0, low_open=True)  # a fraction of the image area
RATIO = Real(0.01, 100.0)  # an aspect ratio, width / height


def uniform(generator: torch.Generator, shape: tuple[int, ...], low: float, high: float):
    """U(low, high) samples drawn on the CPU from ``generator``."""
    return torch.rand(shape, generator=generator, dtype=torch.float64) * (high - low) + low


def chosen(generator: torch.Generator, n: int, p: float, device: torch.device) -> torch.Tensor:
    """Which of ``n`` samples an operation of probability ``p`` applies to, as (N, 1, 1, 1)."""
    return (torch.rand(n, generator=generator) < p).view(n, 1, 1, 1).to(device)


@functools.cache
def pixel_centres(size: int, device: torch.device) -> torch.Tensor:
    """Normalised coordinates of the pixel centres along one axis (``align_corners=False``);
    cached, as every batch of a run asks for the same few."""
    return (torch.arange(size, device=device, dtype=torch.float32) * 2 + 1) / size - 1


def sample(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Bilinear resampling of ``x`` at ``grid`` (N, H, W, 2); pixels from outside are 0."""
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def warp(x: torch.Tensor, theta: torch.Tensor, size: tuple[int, int] | None = None):
    """Sample ``x`` through per-sample affine maps ``theta`` (N, 2, 3) in the normalised
    coordinates of ``affine_grid`` (output -> input). The grid is written by two broadcast
    multiply-adds, several times faster on a CPU than ``affine_grid``'s batched product of
    tiny matrices."""
    height, width = size or x.shape[-2:]
    n = len(x)
    t = theta.to(x.device, x.dtype).view(n, 6, 1, 1).unbind(1)
    gx = pixel_centres(width, x.device).view(1, 1, width).to(x.dtype)
    gy = pixel_centres(height, x.device).view(1, height, 1).to(x.dtype)
    grid = torch.empty(n, height, width, 2, device=x.device, dtype=x.dtype)
    torch.addcmul(t[1] * gy + t[2], t[0], gx, out=grid[..., 0])
    torch.addcmul(t[4] * gy + t[5], t[3], gx, out=grid[..., 1])
    return sample(x, grid)


def affine_theta(
    angle: torch.Tensor,
    translate: torch.Tensor,
    scale: torch.Tensor,
    shear: torch.Tensor,
    size: tuple[int, int],
) -> torch.Tensor:
    """``affine_grid`` matrices (N, 2, 3) of the forward maps: rotate by ``angle`` degrees
    (counter-clockwise), shear by ``shear`` (N, 2) degrees, scale by ``scale``, then shift by
    ``translate`` (N, 2) as fractions of the width and height. Computed in pixel units about
    the centre, so rotations of non-square images stay rotations."""
    height, width = size
    a = torch.deg2rad(angle.double())
    sx, sy = torch.tan(torch.deg2rad(shear.double())).unbind(1)
    rotation = torch.stack([torch.cos(a), torch.sin(a), -torch.sin(a), torch.cos(a)], 1)
    shearing = torch.stack([torch.ones_like(sx), sx, sy, torch.ones_like(sy)], 1)
    a, b, c, d = (rotation.view(-1, 2, 2) @ shearing.view(-1, 2, 2)).flatten(1).unbind(1)
    determinant = (a * d - b * c) * scale.double()
    inverse = torch.stack([d, -b, -c, a], 1).view(-1, 2, 2) / determinant.view(-1, 1, 1)
    half = torch.tensor([width / 2, height / 2], dtype=torch.float64)
    shift = translate.double() * torch.tensor([width, height], dtype=torch.float64)
    linear = inverse * half.view(1, 1, 2) / half.view(1, 2, 1)  # D^-1 A^-1 D
    offset = -(inverse @ shift.unsqueeze(-1)).squeeze(-1) / half
    return torch.cat([linear, offset.unsqueeze(-1)], dim=2).float()


@dataclass
class Flip:
    """Mirror left-right with probability ``p``."""

    p: float = option(0.5, "probability per image", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return torch.where(chosen(generator, len(x), self.p, x.device), x.flip(-1), x)


def gather_crops(
    x: torch.Tensor,
    top: torch.Tensor,
    left: torch.Tensor,
    size: tuple[int, int],
    mirrored: torch.Tensor | None = None,
) -> torch.Tensor:
    """Crop a (height, width) window at per-sample (top, left) from each image, in one
    gather; ``mirrored`` (N,) bool crops those images from their mirror image instead."""
    n, channels, _, width = x.shape
    height, out_width = size
    rows = top.view(n, 1, 1) + torch.arange(height, device=x.device).view(1, height, 1)
    cols = left.view(n, 1, 1) + torch.arange(out_width, device=x.device).view(1, 1, out_width)
    if mirrored is not None:
        cols = torch.where(mirrored.view(n, 1, 1), width - 1 - cols, cols)
    index = (rows * width + cols).view(n, 1, -1).expand(n, channels, -1)
    return x.flatten(2).gather(2, index).view(n, channels, height, out_width)


@dataclass
class Crop:
    """Random crop: pad by ``pad`` zero pixels per side, then take a window of ``size``
    (0: the original size) -- the CIFAR recipe is ``crop:pad=4``. With probability 1 - p
    a sample gets the centre window instead. ``flip`` (not in specs) is the probability of
    a mirror drawn first, as a ``flip`` placed before it draws it: the pair becomes one
    gather with bitwise the same result (see :class:`cnnlab.data.augment.Augment`)."""

    pad: int = option(0, "zero pixels added per side", Integer(0, MAX_PAD))
    size: int = option(0, "side of the window (0: the image's size)", Integer(0, MAX_SIDE))
    p: float = option(1.0, "probability of a random window, not the centre", PROBABILITY)
    flip: float = option(0.0, "probability of a mirror first (not in specs)", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = x.shape
        mirrored = torch.rand(n, generator=generator) < self.flip if self.flip else None
        out_h, out_w = (self.size, self.size) if self.size else (height, width)
        padded = F.pad(x, [self.pad] * 4) if self.pad else x
        room_h, room_w = padded.shape[-2] - out_h, padded.shape[-1] - out_w
        if room_h < 0 or room_w < 0:
            raise ConfigError(
                f"augment crop:size={self.size} is larger than the images ({height}x{width} "
                f"with pad {self.pad})"
            )
        top = (torch.rand(n, generator=generator) * (room_h + 1)).long().clamp(max=room_h)
        left = (torch.rand(n, generator=generator) * (room_w + 1)).long().clamp(max=room_w)
        keep = torch.rand(n, generator=generator) >= self.p
        top[keep], left[keep] = room_h // 2, room_w // 2
        if mirrored is not None:
            mirrored = mirrored.to(x.device)
        return gather_crops(padded, top.to(x.device), left.to(x.device), (out_h, out_w), mirrored)


@dataclass
class ResizedCrop:
    """Inception-style random resized crop: a region of ``min_scale``..``max_scale`` of the
    area and aspect ratio ``min_ratio``..``max_ratio`` (log-uniform), resized to ``size``."""

    size: int = option(224, "side of the output", SIDE)
    min_scale: float = option(0.08, "smallest fraction of the area", SCALE)
    max_scale: float = option(1.0, "largest fraction of the area", SCALE)
    min_ratio: float = option(3 / 4, "smallest aspect ratio", RATIO)
    max_ratio: float = option(4 / 3, "largest aspect ratio", RATIO)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = x.shape
        area = uniform(generator, (n,), self.min_scale, self.max_scale)
        ratio = torch.exp(
            uniform(generator, (n,), math.log(self.min_ratio), math.log(self.max_ratio))
        )
        frac_w = torch.sqrt(area * ratio * height / width).clamp(max=1.0)  # of the width
        frac_h = torch.sqrt(area / ratio * width / height).clamp(max=1.0)  # of the height
        return window_warp(x, frac_w, frac_h, generator, (self.size, self.size))


def window_warp(x, frac_w, frac_h, generator, size):
    """Resample a window (fractions of width and height) at a uniform random place to ``size``."""
    n = len(x)
    cx = (uniform(generator, (n,), -1.0, 1.0)) * (1 - frac_w)
    cy = (uniform(generator, (n,), -1.0, 1.0)) * (1 - frac_h)
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = frac_w, cx, frac_h, cy
    return warp(x, theta, size)


@dataclass
class ScaleJitter:
    """ResNet's scale augmentation: resize so the short side is L ~ U[``min``, ``max``], then
    take a random ``size`` x ``size`` crop; done as one resampling of the matching window."""

    min: int = option(256, "shortest short side", SIDE)
    max: int = option(480, "longest short side", SIDE)
    size: int = option(224, "side of the crop", SIDE)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = x.shape
        short = uniform(generator, (n,), self.min, self.max + 1).floor()
        pixels = self.size * min(height, width) / short  # original pixels the crop spans
        return window_warp(x, pixels / width, pixels / height, generator, (self.size, self.size))


@dataclass
class Affine:
    """Random affine warp, per sample with probability ``p``: rotation U[-rot, rot] degrees,
    shift U[-translate, translate] of the size, scale U[1 - scale, 1 + scale], shear
    U[-shear, shear] degrees along each axis."""

    rot: float = option(0.0, "largest rotation, degrees", Real(0.0, 180.0))
    translate: float = option(0.0, "largest shift, a fraction of the size", Real(0.0, 1.0))
    scale: float = option(0.0, "largest change of scale", Real(0.0, 1.0, high_open=True))
    shear: float = option(0.0, "largest shear, degrees", Real(0.0, 90.0, high_open=True))
    p: float = option(1.0, "probability per image", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n = len(x)
        angle = uniform(generator, (n,), -self.rot, self.rot)
        shift = uniform(generator, (n, 2), -self.translate, self.translate)
        scale = uniform(generator, (n,), 1 - self.scale, 1 + self.scale)
        shear = uniform(generator, (n, 2), -self.shear, self.shear)
        theta = affine_theta(angle, shift, scale, shear, tuple(x.shape[-2:]))
        skip = torch.rand(n, generator=generator) >= self.p
        if self.p < 1:
            theta[skip] = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])
        return warp(x, theta)


def gaussian_matrix(size: int, sigma: float, device: torch.device) -> torch.Tensor:
    """(size, size) matrix of a normalised Gaussian blur of ``sigma`` pixels, cut at 3 sigma,
    zero outside the image: one matrix product blurs a whole batch along one axis (faster
    on a CPU than a convolution with a long one-channel kernel)."""
    radius = max(1, math.ceil(3 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    offset = torch.arange(size).view(1, -1) - torch.arange(size).view(-1, 1)  # j - i
    inside = offset.abs() <= radius
    matrix = torch.where(inside, kernel[(offset + radius).clamp(0, 2 * radius)], 0.0)
    return matrix.to(device)


@dataclass
class Elastic:
    """Simard, Steinkraus and Platt (2003): a displacement field of U(-1, 1) per pixel and axis,
    smoothed by a Gaussian of ``sigma`` pixels (zero outside the image), scaled by ``alpha``
    pixels; the image is resampled bilinearly through it. Applied with probability ``p``."""

    alpha: float = option(34.0, "displacement scale, pixels", Real(0.0, float(MAX_SIDE)))
    sigma: float = option(4.0, "smoothing, pixels", Real(0.0, MAX_SIDE / 4, low_open=True))
    p: float = option(1.0, "probability per image", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = x.shape
        field = torch.rand(n, 2, height, width, generator=generator).mul_(2).sub_(1)
        skip = torch.rand(n, generator=generator) >= self.p
        if self.p < 1:
            field[skip] = 0
        field = field.to(x.device)
        rows = gaussian_matrix(height, self.sigma, x.device)
        cols = gaussian_matrix(width, self.sigma, x.device)
        field = rows @ field @ cols  # symmetric matrices: blur down the columns and rows
        # pixels -> normalised grid units (2 / size per pixel), in x, y order
        gx = pixel_centres(width, x.device).view(1, 1, width)
        gy = pixel_centres(height, x.device).view(1, height, 1)
        grid = torch.empty(n, height, width, 2, device=x.device)
        torch.add(gx, field[:, 0], alpha=2 * self.alpha / width, out=grid[..., 0])
        torch.add(gy, field[:, 1], alpha=2 * self.alpha / height, out=grid[..., 1])
        return sample(x, grid.to(x.dtype))


@dataclass
class Cutout:
    """DeVries and Taylor (2017): set a ``size`` x ``size`` square (centre anywhere in the
    image, so it may be cut by the border) to ``fill``, with probability ``p``."""

    size: int = option(16, "side of the square", Integer(0, MAX_SIDE))
    fill: float = option(0.0, "value of its pixels, on 0..1", Real(0.0, 1.0))
    p: float = option(1.0, "probability per image", PROBABILITY)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = x.shape
        cy = torch.randint(0, height, (n,), generator=generator).to(x.device).view(n, 1, 1, 1)
        cx = torch.randint(0, width, (n,), generator=generator).to(x.device).view(n, 1, 1, 1)
        rows = torch.arange(height, device=x.device).view(1, 1, height, 1)
        cols = torch.arange(width, device=x.device).view(1, 1, 1, width)
        low = self.size // 2
        inside = (rows >= cy - low) & (rows < cy - low + self.size)
        inside = inside & (cols >= cx - low) & (cols < cx - low + self.size)
        inside = inside & chosen(generator, n, self.p, x.device)
        return x.masked_fill(inside, self.fill)


def resize_short(x: torch.Tensor, short: int) -> torch.Tensor:
    """Resize a batch so its shorter side is ``short`` pixels (bilinear, antialiased)."""
    height, width = x.shape[-2:]
    factor = short / min(height, width)
    size = (max(short, round(height * factor)), max(short, round(width * factor)))
    if size == (height, width):
        return x
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


def centre_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` window of every image."""
    height, width = x.shape[-2:]
    top, left = (height - size) // 2, (width - size) // 2
    return x[..., top : top + size, left : left + size]
