"""Robust accuracy against epsilon: the share of images still classified correctly when an
attack may move each one anywhere inside a ball of radius eps.

An image counts as robust at eps when it is classified correctly and no attack of the
specification breaks it (with ``loss="both"``, neither the cross-entropy nor the margin
attack). Beside the white-box attack every eps also gets FGSM (PGD must be at least as
strong), random noise from the ball, and optionally a transferred attack: PGD adversarials
of another model. Both are blind to this model's gradient, so either beating the white-box
attack means that gradient is lying (gradient masking, Athalye et al., 2018).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.train.attacks import LOSSES, METHODS, Attack, attack, attacking, random_delta

LOSS_CHOICES = (*LOSSES, "both")
NOISE_DRAWS = 10  # random points of the ball tried per image
EXAMPLES = 8  # images kept for the example grid


@dataclass(frozen=True)
class RobustnessSpec:
    """What ``cnnlab attack`` measures; recorded beside every number it reports."""

    method: str = "pgd"  # fgsm or pgd
    norm: str = "linf"  # linf or l2
    eps: tuple[float, ...] = (0.1, 0.2, 0.3)  # radii, 0..1 pixel units; 0 is always added
    steps: int = 50  # pgd steps
    step_size: float = 0.01  # pgd step, pixel units (0: 2.5 eps / steps)
    restarts: int = 10  # pgd random starts
    loss: str = "ce"  # ce, margin or both (an image is broken if either attack breaks it)
    n: int = 10_000  # the first n test images (all when there are fewer)
    seed: int = 0  # of the random starts and the noise

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"unknown method {self.method!r}: expected one of {METHODS}")
        if self.loss not in LOSS_CHOICES:
            raise ConfigError(f"unknown loss {self.loss!r}: expected one of {LOSS_CHOICES}")
        if not self.eps or any(not 0 <= e <= 1 for e in self.eps):
            raise ConfigError(f"eps must be values in [0, 1], found {list(self.eps)}")
        if self.n < 1:
            raise ConfigError(f"n must be at least 1, found {self.n}")
        object.__setattr__(self, "eps", tuple(sorted({0.0, *map(float, self.eps)})))
        self.attacks(0.1)  # the norm, steps, restarts and step size, checked now

    def losses(self) -> tuple[str, ...]:
        return LOSSES if self.loss == "both" else (self.loss,)

    def attacks(self, eps: float) -> dict[str, Attack]:
        """The white-box attacks at ``eps`` by name (fgsm-ce, pgd-margin, ...)."""
        return {
            f"{self.method}-{loss}": Attack(
                self.method, self.norm, eps, self.steps, self.step_size, self.restarts, loss
            )
            for loss in self.losses()
        }

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "eps": list(self.eps)}


@dataclass
class EpsResult:
    eps: float
    accuracy: float  # robust accuracy under the specification's attack(s)
    by_attack: dict[str, float]  # each white-box attack alone, and fgsm
    noise: float  # robust accuracy against NOISE_DRAWS random points of the ball
    transfer: float | None  # against the other model's PGD adversarials, if one was given


@dataclass
class Robustness:
    spec: RobustnessSpec
    count: int  # images attacked
    clean_accuracy: float
    rows: list[EpsResult]
    examples: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)

    def accuracies(self) -> list[float]:
        return [row.accuracy for row in self.rows]


def robustness(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    spec: RobustnessSpec,
    *,
    transfer_from: nn.Module | None = None,
    batch_size: int = 500,
) -> Robustness:
    """Robust accuracy of ``model`` on ``images`` (0..1) at every eps of ``spec``; the model
    is attacked in eval mode and left as it was."""
    generator = torch.Generator(device=images.device).manual_seed(spec.seed)
    correct = predictions(model, images, batch_size) == labels
    rows, examples = [], {}
    for eps in spec.eps:
        survived: dict[str, torch.Tensor] = {}
        worst = images
        for name, white_box in spec.attacks(eps).items():
            adversarial = attack(model, images, labels, white_box, batch_size=batch_size,
                                 generator=generator)  # fmt: skip
            survived[name] = correct & (predictions(model, adversarial, batch_size) == labels)
            broken_here = ~survived[name] & correct
            worst = torch.where(broken_here.view(-1, 1, 1, 1), adversarial, worst)
        robust = torch.stack(list(survived.values())).all(0)
        if spec.method == "pgd":
            one_step = attack(model, images, labels, Attack("fgsm", spec.norm, eps),
                              batch_size=batch_size)  # fmt: skip
            survived["fgsm-ce"] = correct & (predictions(model, one_step, batch_size) == labels)
        noise = correct & survives_noise(model, images, labels, spec, eps, generator, batch_size)
        transfer = None
        if transfer_from is not None:
            pgd = next(iter(spec.attacks(eps).values()))
            # all the steps: a point just past the other model's border transfers worst
            climb = dataclasses.replace(pgd, method="pgd", early_stop=False)
            moved = attack(transfer_from, images, labels, climb, batch_size=batch_size,
                           generator=generator)  # fmt: skip
            transfer = share(correct & (predictions(model, moved, batch_size) == labels))
        rows.append(
            EpsResult(
                eps,
                share(robust),
                {k: share(v) for k, v in survived.items()},
                share(noise),
                transfer,
            )  # fmt: skip
        )
        if eps == spec.eps[-1]:
            examples = {"images": images[:EXAMPLES], "adversarial": worst[:EXAMPLES]}
    return Robustness(spec, len(images), share(correct), rows, examples)


def share(hits: torch.Tensor) -> float:
    return hits.float().mean().item() if hits.numel() else 0.0


@torch.no_grad()
def predictions(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The predicted class of every image, in eval mode, batch by batch as the attacks go."""
    with attacking(model):
        return torch.cat(
            [model(images[i : i + batch_size]).argmax(1) for i in range(0, len(images), batch_size)]
        )


def survives_noise(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    spec: RobustnessSpec,
    eps: float,
    generator: torch.Generator,
    batch_size: int,
) -> torch.Tensor:
    """(N,) bools: every one of NOISE_DRAWS uniform points of the ball is still classified
    correctly."""
    ball = Attack("fgsm", spec.norm, eps)
    alive = torch.ones(len(images), dtype=torch.bool, device=images.device)
    for _ in range(NOISE_DRAWS if eps > 0 else 1):
        noisy = (images + random_delta(images, ball, generator)).clamp(0, 1)
        alive &= predictions(model, noisy, batch_size) == labels
    return alive
