"""Breaking a network (Szegedy et al., 2014; Goodfellow et al., 2015; Nguyen et al., 2015):
adversarial examples and fooling images.

An adversarial example is a correctly classified image plus a perturbation too small to
see that changes the prediction (Szegedy et al., 2014); the fast gradient sign method
(Goodfellow et al., 2015) makes one in a single step. A fooling image is one the network
classifies as a chosen class with high confidence although it shows nothing (Nguyen et
al., 2015); here it is grown from noise by gradient ascent. Images are on the 0..1 pixel
scale (wrap the model in :class:`~cnnlab.train.run.PixelModel`). The steps are those of
:mod:`cnnlab.train.attacks`, which :mod:`cnnlab.attack` measures robustness with.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.fields import Real
from cnnlab.train.attacks import Attack, ascent, attacking
from cnnlab.train.attacks import fgsm as fgsm_attack
from cnnlab.viz.attribution import resolve_target
from cnnlab.viz.probes import frozen

EPSILONS = tuple(k / 255 for k in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64))  # pixel units


def gradient_sign(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor | int
) -> torch.Tensor:
    """sign(d loss(x, label) / dx): the direction in which every pixel raises the loss."""
    with attacking(model), torch.no_grad():
        classes = resolve_target(model(images), labels)
    with attacking(model):
        return ascent(model, images, classes, Attack("fgsm")).sign()


def fgsm(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor | int, epsilon: float
) -> torch.Tensor:
    """x + epsilon * sign(d loss(x, label) / dx), kept within 0..1: one step up the loss.

    ``epsilon`` is the largest change of any pixel, in pixel units (2/255 is invisible).
    """
    epsilon = Real(0, 1)("epsilon", epsilon)
    with torch.no_grad(), frozen(model):
        classes = resolve_target(model(images), labels)
    return fgsm_attack(model, images, classes, epsilon)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(classes, probabilities of those classes) for a batch."""
    with frozen(model):
        probs = model(images).softmax(dim=1)
    confidence, classes = probs.max(dim=1)
    return classes, confidence


def smallest_fgsm(
    model: nn.Module,
    image: torch.Tensor,
    label: int,
    epsilons: tuple[float, ...] = EPSILONS,
) -> tuple[torch.Tensor, float]:
    """The FGSM example of a single image with the smallest ``epsilons`` entry that changes
    the prediction away from ``label``, and that epsilon; the largest if none does.

    The gradient's sign does not depend on epsilon, so one backward pass and one batch of
    all candidates suffice."""
    direction = gradient_sign(model, image, label)
    steps = torch.tensor(epsilons, dtype=image.dtype, device=image.device).view(-1, 1, 1, 1)
    candidates = (image + steps * direction).clamp(0, 1)  # (len(epsilons), C, H, W)
    flipped = (predict(model, candidates)[0] != label).nonzero()
    k = int(flipped[0]) if len(flipped) else len(epsilons) - 1
    return candidates[k : k + 1], epsilons[k]


def fooling_image(
    model: nn.Module,
    target: int,
    start: torch.Tensor,
    *,
    confidence: float = 0.99,
    steps: int = 500,
    step_size: float = 1 / 255,
) -> torch.Tensor:
    """An image from noise that the model calls ``target`` with at least ``confidence``.

    Each step adds ``step_size`` times the sign of d log p(target) / dx (the iterated fast
    gradient sign method, towards a class); it stops as soon as the confidence is reached,
    so the image changes as little as it must and still looks like noise. Returns the
    (1, C, H, W) image, whatever confidence ``steps`` reached.
    """
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be between 0 and 1, got {confidence}")
    x = start.detach().clone()
    towards = Attack("fgsm", targeted=True)  # the step lowers the target's cross-entropy
    with attacking(model):
        for _ in range(steps):
            with torch.no_grad():
                probs = model(x).softmax(dim=1)
            classes = resolve_target(probs, target)
            if probs.gather(1, classes[:, None]).prod().item() >= confidence:
                break
            x = (x + step_size * ascent(model, x, classes, towards).sign()).clamp(0, 1)
    return x.detach()
