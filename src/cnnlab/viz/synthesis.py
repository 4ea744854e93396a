"""Images made by gradient ascent on the input: class models and maximum-response images.

Both start from noise and change only the image; the network's weights stay fixed. Wrap
the model in :class:`~cnnlab.train.run.PixelModel` so the images are on the 0..1 pixel
scale, as the formulas assume.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ConfigError, ModelError
from cnnlab.fields import Real
from cnnlab.viz.attribution import class_scores
from cnnlab.viz.probes import activation, find_layer, frozen


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel with a Gaussian of ``sigma`` pixels (two 1-D passes, reflected edges)."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = images.shape[1]
    padded = F.pad(images, [radius] * 4, mode="reflect")
    rows = F.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(rows, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def jittered(x: torch.Tensor, jitter: int, generator: torch.Generator) -> torch.Tensor:
    """``x`` rolled by a random shift of up to ``jitter`` pixels each way (Yosinski et al.)."""
    if jitter <= 0:
        return x
    dy, dx = torch.randint(-jitter, jitter + 1, (2,), generator=generator).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))


def noise(shape: tuple[int, ...], seed: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """x_0 ~ U[0, 1]^(C x H x W), as a batch of one, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(1, *shape, generator=generator).to(device)


def class_model(
    model: nn.Module,
    target: int,
    start: torch.Tensor,
    *,
    steps: int = 200,
    lr: float = 0.05,
    l2: float = 1e-3,
    jitter: int = 2,
    blur_every: int = 4,
    blur_sigma: float = 0.5,
    seed: int = 0,
) -> torch.Tensor:
    """An image that maximises the raw score of class ``target`` (Simonyan et al., 2014).

    Ascends S_c(x) - l2 * ||x - 0.5||^2 from ``start`` with Adam; each step sees the image
    shifted by up to ``jitter`` pixels, every ``blur_every`` steps the image is blurred by
    ``blur_sigma`` and it stays within 0..1 (the regularisers of Yosinski et al., 2015).
    Returns the (1, C, H, W) image.
    """
    _check_positive(steps=steps)
    generator = torch.Generator().manual_seed(seed)
    x = start.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=lr)
    with frozen(model):
        for step in range(1, steps + 1):
            score = class_scores(model, jittered(x, jitter, generator), target).sum()
            objective = score - l2 * (x - 0.5).square().sum()
            (grad,) = torch.autograd.grad(objective, x)
            x.grad = -grad  # the optimiser descends; the class score is to go up
            optimizer.step()
            with torch.no_grad():
                if blur_every and step % blur_every == 0 and blur_sigma > 0:
                    x.copy_(gaussian_blur(x, blur_sigma))
                x.clamp_(0, 1)
    return x.detach()


def unit_response(
    model: nn.Module, layer: str, unit: int, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(L, h): h = h_{l,d}(x), the output of unit ``unit`` (a channel, or a feature of a linear
    layer) of ``layer``, and L = ||h||_2^2 per image (N,)."""
    output = activation(model, find_layer(model, layer), x)
    units = output.shape[1] if output.ndim >= 2 else 0
    if not 0 <= unit < units:
        raise ModelError(
            f"unit {unit} is out of range: layer {layer!r} has {units} units (0..{units - 1})"
        )
    h = output[:, unit]
    return h.reshape(h.shape[0], -1).square().sum(dim=1), h


def max_response(
    model: nn.Module,
    layer: str,
    unit: int,
    start: torch.Tensor,
    *,
    steps: int = 100,
    step_size: float = 0.01,
    normalise_gradient: bool = True,
) -> torch.Tensor:
    """The maximum-response image of unit d of layer l (Erhan et al., 2009):

    L_{l,d}(x) = ||h_{l,d}(x)||_2^2,  x_0 ~ U[0,1]^(C x H x W) (``start``, see :func:`noise`),
    x_{t+1} = x_t + gamma * grad_x L_{l,d}(x_t).

    With ``normalise_gradient`` the gradient is divided by its root mean square, so that
    ``step_size`` (gamma) is a change in pixel units whatever the layer's scale; without it
    the update is the formula as written. Returns the (N, C, H, W) image after ``steps``.
    """
    _check_positive(steps=steps)
    step_size = Real(0, low_open=True)("step_size", step_size)
    x = start.detach().clone()
    with frozen(model):
        for _ in range(steps):
            x.requires_grad_(True)
            loss, _ = unit_response(model, layer, unit, x)
            (grad,) = torch.autograd.grad(loss.sum(), x)
            if normalise_gradient:
                rms = grad.flatten(1).square().mean(dim=1).sqrt()
                grad = grad / (rms.view(-1, *[1] * (grad.ndim - 1)) + 1e-12)
            x = (x + step_size * grad).detach()
    return x


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ConfigError(f"{name} must be at least 1, got {value}")
