"""DeepDream (Mordvintsev, Olah and Tyka, 2015), as its authors describe it: start from an
image, offset it by a random jitter, enhance a layer's activation at several scales
(octaves), zoom in, and repeat on the image produced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.data.images import read_image
from cnnlab.errors import ConfigError
from cnnlab.fields import Real
from cnnlab.viz.probes import activation, find_layer, frozen
from cnnlab.viz.synthesis import jittered

SAMPLE_PHOTOS = ("china", "flower")  # the two photographs scikit-learn ships


def load_photo(name: str, channels: int = 3, max_side: int = 160) -> torch.Tensor:
    """A photograph as a (1, C, H, W) float image on the 0..1 scale, its longer side scaled
    down to ``max_side``: ``china`` or ``flower`` (scikit-learn's samples) or an image path."""
    if name in SAMPLE_PHOTOS:
        from sklearn.datasets import load_sample_image

        array = np.asarray(load_sample_image(f"{name}.jpg"))
        pixels = torch.from_numpy(array.copy()).permute(2, 0, 1)[None].float() / 255
        if channels == 1:  # ITU-R 601 luma, as PIL's "L" conversion
            weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            pixels = (pixels * weights).sum(dim=1, keepdim=True)
    else:
        pixels = read_image(Path(name), "L" if channels == 1 else "RGB").float() / 255
    height, width = pixels.shape[-2:]
    scale = max_side / max(height, width)
    if scale < 1:
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        pixels = F.interpolate(pixels, size=size, mode="bilinear", antialias=True)
    return pixels.clamp(0, 1)


def layer_energy(model: nn.Module, layer: str, x: torch.Tensor) -> torch.Tensor:
    """The mean square of ``layer``'s activation: what DeepDream raises."""
    return activation(model, find_layer(model, layer), x).square().mean()


def dream_steps(
    model: nn.Module,
    layer: str,
    x: torch.Tensor,
    *,
    steps: int,
    step_size: float,
    jitter: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """Gradient ascent on :func:`layer_energy` at one scale; each step sees ``x`` jittered and
    moves it by ``step_size`` times the gradient over its mean absolute value."""
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(layer_energy(model, layer, jittered(x, jitter, generator)), x)
        x = (x + step_size * grad / (grad.abs().mean() + 1e-12)).clamp(0, 1)
    return x.detach()


def deepdream(
    model: nn.Module,
    image: torch.Tensor,
    layer: str,
    *,
    octaves: int = 3,
    octave_scale: float = 1.4,
    steps: int = 10,
    step_size: float = 0.004,
    jitter: int = 4,
    frames: int = 1,
    zoom: float = 1.05,
    seed: int = 0,
) -> torch.Tensor:
    """The dreamed (1, C, H, W) image on the 0..1 scale.

    Each frame runs ``octaves`` scales, the smallest first, each ``octave_scale`` times the
    one before; the detail added at one scale is carried up to the next. Between frames
    the image is zoomed into its centre by ``zoom`` and dreamed again.
    """
    if octaves < 1 or frames < 1 or steps < 1:
        raise ConfigError(
            f"octaves, frames and steps must be at least 1, got {octaves}, {frames}, {steps}"
        )
    step_size = Real(0, low_open=True)("step_size", step_size)
    Real(1, low_open=True)("octave_scale", octave_scale)
    Real(1)("zoom", zoom)
    find_layer(model, layer)  # an unknown name fails before any work
    generator = torch.Generator().manual_seed(seed)
    x = image.detach().clone()
    with frozen(model):
        for frame in range(frames):
            if frame:
                x = zoom_in(x, zoom)
            x = dream_octaves(
                model, layer, x, octaves, octave_scale, steps, step_size, jitter, generator
            )
    return x


def dream_octaves(
    model: nn.Module,
    layer: str,
    image: torch.Tensor,
    octaves: int,
    octave_scale: float,
    steps: int,
    step_size: float,
    jitter: int,
    generator: torch.Generator,
) -> torch.Tensor:
    height, width = image.shape[-2:]
    sizes = [
        (max(1, round(height / octave_scale**k)), max(1, round(width / octave_scale**k)))
        for k in reversed(range(octaves))
    ]
    detail = torch.zeros_like(image[..., : sizes[0][0], : sizes[0][1]])
    for size in sizes:
        base = F.interpolate(image, size=size, mode="bilinear", antialias=True)
        detail = F.interpolate(detail, size=size, mode="bilinear")
        start = (base + detail).clamp(0, 1)
        dreamed = dream_steps(
            model,
            layer,
            start,
            steps=steps,
            step_size=step_size,
            jitter=jitter,
            generator=generator,
        )
        detail = dreamed - base
    return dreamed


def zoom_in(x: torch.Tensor, zoom: float) -> torch.Tensor:
    """The centre 1/zoom of ``x``, scaled back up to ``x``'s size."""
    height, width = x.shape[-2:]
    crop_h, crop_w = max(1, round(height / zoom)), max(1, round(width / zoom))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = x[..., top : top + crop_h, left : left + crop_w]
    return F.interpolate(crop, size=(height, width), mode="bilinear", align_corners=False)
