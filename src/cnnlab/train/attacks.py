"""Gradient attacks on 0..1 pixels: FGSM and projected gradient descent (PGD).

An adversarial example stays within distance ``eps`` of its image, under the L-infinity
norm (no pixel changes by more than ``eps``) or the L2 norm (the whole change has length
at most ``eps``), and inside the 0..1 pixel range. The fast gradient sign method
(Goodfellow et al., 2015) takes one step of ``eps`` up the loss; PGD (Madry et al., 2018)
takes ``steps`` smaller ones from a random start in the ball, projecting back after each,
and keeps per image the strongest of ``restarts`` tries. Untargeted attacks raise the loss
of the true class; targeted ones lower the loss of a chosen class. The loss is
cross-entropy or the margin of Carlini and Wagner (2017): the best other logit minus the
true one, which does not saturate where softmax does.

Attack a model fed pixels (:meth:`cnnlab.Run.pixel_model`), so ``eps`` is in pixel units.
The trainer uses these for adversarial training; :mod:`cnnlab.attack` measures robustness.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ConfigError

METHODS = ("fgsm", "pgd")
NORMS = ("linf", "l2")
LOSSES = ("ce", "margin")
TINY = 1e-12  # keeps the L2 normalisation of an all-zero gradient finite


@dataclass(frozen=True)
class Attack:
    """One attack, fully specified: what a robustness number is reported beside."""

    method: str = "pgd"  # fgsm: one step of eps; pgd: ``steps`` steps of ``step_size``
    norm: str = "linf"  # linf or l2
    eps: float = 0.3  # the radius of the ball, in 0..1 pixel units
    steps: int = 10  # pgd only
    step_size: float = 0.0  # pgd: 0 means 2.5 * eps / steps (Madry et al.)
    restarts: int = 1  # pgd: random starts; a broken image gets no more (any break counts)
    loss: str = "ce"  # ce or margin (Carlini and Wagner)
    random_start: bool = True  # pgd: start anywhere in the ball, not at the image
    targeted: bool = False  # labels name the class to reach, not the class to leave
    early_stop: bool = True  # pgd: an image stops where it first breaks (training: climb on)

    def __post_init__(self) -> None:
        for name, value, choices in (
            ("method", self.method, METHODS),
            ("norm", self.norm, NORMS),
            ("loss", self.loss, LOSSES),
        ):
            if value not in choices:
                raise ConfigError(f"unknown attack {name} {value!r}: expected one of {choices}")
        if not 0 <= self.eps < float("inf"):
            raise ConfigError(f"eps must be a finite number >= 0, found {self.eps}")
        if not 1 <= self.steps <= 100_000 or not 1 <= self.restarts <= 1000:
            raise ConfigError(
                f"steps must be in [1, 100000] and restarts in [1, 1000], "
                f"found steps {self.steps}, restarts {self.restarts}"
            )
        if not 0 <= self.step_size < float("inf"):
            raise ConfigError(f"step size must be a finite number >= 0, found {self.step_size}")

    @property
    def step(self) -> float:
        """The size of one step: eps for FGSM; for PGD the given one or 2.5 eps / steps."""
        if self.method == "fgsm":
            return self.eps
        return self.step_size or 2.5 * self.eps / self.steps

    def __call__(
        self,
        model: nn.Module,
        images: torch.Tensor,
        labels: torch.Tensor,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Adversarial versions of ``images`` (N, C, H, W) on 0..1, detached, laid out
        channels-last on the CPU to match the weights :func:`attacking` lays out so."""
        images = channels_last_batch(images)
        if self.method == "fgsm":  # one step of eps lands on the ball: nothing to project
            step = self.eps * direction(ascent(model, images, labels, self), self.norm)
            return (images.detach() + step).clamp(0, 1)
        if self.restarts == 1:
            return perturb(model, images, labels, self, self.start(images, generator))
        best = images.detach().clone()
        best_score = torch.full((len(images),), -torch.inf, device=images.device)
        for _ in range(self.restarts):
            start = self.start(images, generator)  # drawn for all, so each image's starts
            standing = (best_score < torch.inf).nonzero().squeeze(1)  # do not depend on others
            if not len(standing):
                break
            candidate = perturb(
                model, images[standing], labels[standing], self,
                None if start is None else start[standing],
            )  # fmt: skip
            with torch.no_grad():
                logits = model(candidate)
                score = objective(logits, labels[standing], self)
                score = torch.where(succeeded(logits, labels[standing], self), torch.inf, score)
            better = score > best_score[standing]
            best[standing[better]] = candidate[better]
            best_score[standing] = torch.maximum(score, best_score[standing])
        return best

    def start(self, images: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor | None:
        """A random offset in the ball per image, or None to start at the images."""
        return random_delta(images.detach(), self, generator) if self.random_start else None


def objective(logits: torch.Tensor, labels: torch.Tensor, attack: Attack) -> torch.Tensor:
    """The (N,) value each image's attack climbs: its loss (untargeted) or the negative loss
    of the target (targeted); CE or the margin of the best other class."""
    if attack.loss == "ce":
        loss = F.cross_entropy(logits.float(), labels, reduction="none")
        return -loss if attack.targeted else loss
    own = logits.gather(1, labels[:, None]).squeeze(1)
    others = logits.scatter(1, labels[:, None], -torch.inf).amax(dim=1)
    return own - others if attack.targeted else others - own


def succeeded(logits: torch.Tensor, labels: torch.Tensor, attack: Attack) -> torch.Tensor:
    """(N,) bools: the prediction left the label (untargeted) or reached it (targeted)."""
    hit = logits.argmax(dim=1) == labels
    return hit if attack.targeted else ~hit


def perturb(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    attack: Attack,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """``attack.steps`` projected steps of ``attack.step`` up :func:`objective` from
    ``images`` (offset by ``start``, a point of the ball, if given). With ``attack.early_stop`` an
    image the step's own forward pass finds broken stops there and leaves the batch, so the
    remaining steps cost only the images still standing."""
    x0 = images.detach()
    delta = torch.zeros_like(x0) if start is None else start
    delta = (x0 + delta).clamp(0, 1) - x0
    result = x0 + delta
    index = torch.arange(len(x0), device=x0.device)  # the rows of ``result`` still moving
    for _ in range(attack.steps):
        grad, logits = ascent_with_logits(model, x0 + delta, labels, attack)
        if attack.early_stop:
            standing = ~succeeded(logits, labels, attack)
            if not standing.all():
                result[index[~standing]] = (x0 + delta)[~standing]
                index, x0, delta, labels, grad = (
                    t[standing] for t in (index, x0, delta, labels, grad)
                )
                if not len(index):
                    return result
        delta = project(delta + attack.step * direction(grad, attack.norm), attack.eps, attack.norm)
        delta = (x0 + delta).clamp(0, 1) - x0
    result[index] = x0 + delta
    return result


def ascent(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, attack: Attack
) -> torch.Tensor:
    """d objective / d images: the direction in which each pixel raises ``attack``'s
    objective (only the images get a gradient)."""
    return ascent_with_logits(model, images, labels, attack)[0]


def ascent_with_logits(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, attack: Attack
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`ascent` and the logits of ``images`` its forward pass computed (detached)."""
    x = images.detach().requires_grad_(True)
    logits = model(x)
    (grad,) = torch.autograd.grad(objective(logits, labels, attack).sum(), x)
    return grad, logits.detach()


def direction(grad: torch.Tensor, norm: str) -> torch.Tensor:
    """The steepest-ascent step of length 1 under ``norm``: the gradient's sign (L-inf) or
    the gradient scaled to unit L2 length per image."""
    if norm == "linf":
        return grad.sign()
    return grad / grad.flatten(1).norm(dim=1).clamp_min(TINY).view(-1, 1, 1, 1)


def project(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    """``delta`` moved to the nearest point of the ball of radius ``eps``."""
    if norm == "linf":
        return delta.clamp(-eps, eps)
    length = delta.flatten(1).norm(dim=1).clamp_min(TINY)
    return delta * (eps / length).clamp(max=1).view(-1, 1, 1, 1)


def random_delta(
    like: torch.Tensor, attack: Attack, generator: torch.Generator | None
) -> torch.Tensor:
    """A point drawn uniformly from the ball: per pixel from [-eps, eps] (L-inf); a random
    direction with radius eps * U^(1/D) (L2, D pixels)."""
    noise = torch.rand(like.shape, generator=generator, device=like.device, dtype=like.dtype)
    if attack.norm == "linf":
        return (noise * 2 - 1) * attack.eps
    gauss = torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)
    unit = direction(gauss, "l2")
    radius = torch.rand(len(like), generator=generator, device=like.device, dtype=like.dtype)
    return unit * (attack.eps * radius ** (1 / like[0].numel())).view(-1, 1, 1, 1)


@contextlib.contextmanager
def attacking(model: nn.Module, *, eval_mode: bool = True) -> Iterator[nn.Module]:
    """The model ready to be attacked: in eval mode (unless ``eval_mode`` is False, as
    adversarial training attacks the model as it trains), with its parameters' gradients
    off, so no gradient reaches them, and on the CPU with its 4-D weights laid out
    channels-last; all three restored after."""
    was_training = model.training
    wanted = [p for p in model.parameters() if p.requires_grad]
    if eval_mode:
        model.eval()
    for parameter in wanted:
        parameter.requires_grad_(False)
    relaid = channels_last_weights(model)
    try:
        yield model
    finally:
        for tensor, data in relaid:
            tensor.data = data
        for parameter in wanted:
            parameter.requires_grad_(True)
        model.train(was_training)


def channels_last_batch(images: torch.Tensor) -> torch.Tensor:
    """A 4-D CPU batch laid out channels-last (NHWC); anything else as it is."""
    return nhwc(images) if needs_nhwc(images) else images


def needs_nhwc(tensor: torch.Tensor) -> bool:
    """Whether ``tensor`` is a 4-D CPU tensor without channels-last strides. Checked on the
    strides because ``is_contiguous(memory_format=...)`` calls a one-channel NCHW tensor
    channels-last, and oneDNN reads the layout off the strides."""
    if tensor.dim() != 4 or tensor.device.type != "cpu":
        return False
    _, channels, _, width = tensor.shape
    return tensor.stride()[1:] != (1, width * channels, channels)


def nhwc(tensor: torch.Tensor) -> torch.Tensor:
    """A copy of the 4-D ``tensor`` with channels-last strides (see :func:`needs_nhwc` for
    why not ``contiguous(memory_format=...)``)."""
    return torch.empty_like(tensor, memory_format=torch.channels_last).copy_(tensor)


def channels_last_weights(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Lays out ``model``'s 4-D CPU parameters and buffers channels-last (NHWC), returning
    each with its former data. An attack pays one backward pass to the pixels per step, and
    oneDNN's CPU convolution backward runs it 2.6x faster on LeNet-5 with NHWC weights."""
    changed = []
    for tensor in [*model.parameters(), *model.buffers()]:
        if needs_nhwc(tensor):  # a model trained channels-last is not copied per batch
            changed.append((tensor, tensor.data))
            tensor.data = nhwc(tensor.data)
    return changed


def attack(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    spec: Attack,
    *,
    batch_size: int = 500,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``spec``'s adversarial examples of ``images`` (0..1) in batches, the model in eval
    mode with no gradient reaching its parameters (both restored after)."""
    if images.shape[0] != labels.shape[0]:
        raise ConfigError(
            f"attack: expected one label per image, found {images.shape[0]} images and "
            f"{labels.shape[0]} labels"
        )
    with attacking(model):
        chunks = [
            spec(model, images[i : i + batch_size], labels[i : i + batch_size], generator=generator)
            for i in range(0, len(images), batch_size)
        ]
    return torch.cat(chunks).contiguous() if chunks else images.detach().clone()


def fgsm(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    eps: float,
    *,
    norm: str = "linf",
    loss: str = "ce",
    targeted: bool = False,
) -> torch.Tensor:
    """The fast gradient sign method: one step of ``eps`` up the loss (Goodfellow et al.)."""
    spec = Attack("fgsm", norm, eps, loss=loss, targeted=targeted)
    return attack(model, images, labels, spec)


def pgd(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    eps: float,
    *,
    norm: str = "linf",
    steps: int = 10,
    step_size: float = 0.0,
    restarts: int = 1,
    loss: str = "ce",
    random_start: bool = True,
    targeted: bool = False,
    early_stop: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Projected gradient descent with random start and restarts (Madry et al., 2018)."""
    spec = Attack(
        "pgd", norm, eps, steps, step_size, restarts, loss, random_start, targeted, early_stop
    )
    return attack(model, images, labels, spec, generator=generator)
