"""Numerical gradient checking by centred finite differences in float64 (the classic gradient check
of backpropagation).

The module is copied and cast to float64; the scalar checked is f = sum(output * R) for a
fixed random R of unit norm, so every output element takes part. For a sample of the
coordinates of every input and parameter, the analytic gradient (backprop) is compared
with (f(x + h) - f(x - h)) / 2h by the relative error |a - n| / max(|a|, |n|, floor).

The floor keeps rounding noise from counting: a gradient smaller than ``FLOOR_RATIO``
times the largest gradient of the whole check (a zero bias gradient behind batch norm, an
input gradient of 1e-6 next to outputs of 100) is compared on that scale, where float64
differences of f are still exact enough to judge it.

A kink (ReLU, max) between x - h and x + h spoils one difference without saying anything
about the code, so a coordinate that disagrees is measured again with steps 100 and 10,000
times smaller and keeps its best error; a wrong backward disagrees at every step.

Verdicts read relative errors as the usual rule of thumb does: above 1e-2 the gradient is
wrong; between 1e-4 and 1e-2 it is suspect (a kink such as ReLU or max crossed by the step,
or a small bug); below 1e-4 it is right. Correct code usually lands near 1e-8 here.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cnnlab.errors import ModelError

STEP = 1e-5  # h of the centred difference, in float64
FLOOR_RATIO = 1e-3  # gradients below this fraction of the largest are judged on that scale
PASS_BELOW = 1e-4  # largest relative error of a correct gradient
FAIL_ABOVE = 1e-2  # relative error of a wrong gradient


@dataclass
class GradcheckRow:
    name: str  # "input" (or "input 1", ...) or a parameter's name
    shape: tuple[int, ...]
    checked: int  # coordinates compared
    max_error: float  # the largest relative error among them
    analytic: float  # backprop's value at the worst coordinate
    numerical: float  # the finite difference there

    @property
    def verdict(self) -> str:
        return verdict(self.max_error)


@dataclass
class GradcheckResult:
    rows: list[GradcheckRow]

    @property
    def max_error(self) -> float:
        return max((row.max_error for row in self.rows), default=0.0)

    @property
    def verdict(self) -> str:
        return verdict(self.max_error)


def verdict(error: float) -> str:
    """pass, warn or fail for a relative error."""
    if not np.isfinite(error) or error > FAIL_ABOVE:
        return "fail"
    return "pass" if error <= PASS_BELOW else "warn"


def gradcheck(
    module: nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    *,
    samples: int = 20,
    step: float = STEP,
    seed: int = 0,
    train: bool = False,
) -> GradcheckResult:
    """Compare ``module``'s backward with centred differences; ``module`` is left unchanged.

    ``samples``: coordinates checked per tensor (all of them when a tensor has fewer).
    ``train``: check the training-mode forward (batch statistics); random layers such as
    dropout draw the same numbers in every evaluation.
    """
    if samples < 1 or not step > 0:
        raise ModelError(f"gradcheck needs samples >= 1 and step > 0, found {samples} and {step}")
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    model = copy.deepcopy(module).to(torch.float64).train(train)
    xs = [
        x.detach().to(torch.float64).clone().requires_grad_(x.is_floating_point()) for x in inputs
    ]
    named = [(input_name(i, len(xs)), x) for i, x in enumerate(xs) if x.requires_grad]
    named += [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ModelError(
            f"{type(module).__name__}: nothing to check (no float inputs or parameters)"
        )
    rng_seed = torch.randint(2**31, (1,), generator=torch.Generator().manual_seed(seed)).item()
    projection = make_projection(model, xs, rng_seed, seed)

    def f() -> torch.Tensor:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(rng_seed)
            outputs = model(*xs)
        return sum((o * r).sum() for o, r in zip(as_tuple(outputs), projection, strict=True))

    analytic = torch.autograd.grad(f(), [t for _, t in named], allow_unused=True)
    grads = [
        torch.zeros_like(t) if g is None else g.detach()
        for (_, t), g in zip(named, analytic, strict=True)
    ]
    largest = max(g.abs().max().item() for g in grads)
    floor = max(FLOOR_RATIO * largest, np.finfo(np.float64).tiny)
    generator = np.random.default_rng(seed)
    return GradcheckResult(
        [
            check_tensor(name, tensor, grad, f, samples, step, floor, generator)
            for (name, tensor), grad in zip(named, grads, strict=True)
        ]
    )


def check_tensor(name, tensor, grad, f, samples, step, floor, generator) -> GradcheckRow:
    """Centred differences at ``samples`` coordinates of ``tensor`` (all if it is small)."""
    count = tensor.numel()
    chosen = (
        np.arange(count) if count <= samples else generator.choice(count, samples, replace=False)
    )
    worst = (-1.0, 0.0, 0.0)
    with torch.no_grad():
        for flat in chosen:
            index = np.unravel_index(int(flat), tuple(tensor.shape))
            exact = grad[index].item()
            for retry_step in (step, step / 100, step / 10_000):  # smaller steps past kinks
                numerical = centred_difference(f, tensor, index, retry_step)
                error = abs(exact - numerical) / max(abs(exact), abs(numerical), floor)
                error = error if np.isfinite(error) else float("inf")
                if error <= PASS_BELOW:
                    break
            if error > worst[0]:
                worst = (error, exact, numerical)
    return GradcheckRow(name, tuple(tensor.shape), len(chosen), *worst)


def centred_difference(f, tensor: torch.Tensor, index: tuple, step: float) -> float:
    """(f(x + h) - f(x - h)) / 2h for one coordinate of ``tensor``, restored afterwards."""
    original = tensor[index].item()
    tensor[index] = original + step
    plus = f().item()
    tensor[index] = original - step
    minus = f().item()
    tensor[index] = original
    return (plus - minus) / (2 * step)


def make_projection(model, xs, rng_seed: int, seed: int) -> list[torch.Tensor]:
    """A fixed random R of unit norm per output tensor."""
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(rng_seed)
        outputs = as_tuple(model(*xs))
    generator = torch.Generator().manual_seed(seed)
    projection = [torch.randn(o.shape, generator=generator, dtype=torch.float64) for o in outputs]
    norm = torch.sqrt(sum((r**2).sum() for r in projection))
    return [(r / norm).to(o.device) for r, o in zip(projection, outputs, strict=True)]


def as_tuple(outputs) -> tuple[torch.Tensor, ...]:
    if isinstance(outputs, torch.Tensor):
        return (outputs,)
    tensors = tuple(o for o in outputs if isinstance(o, torch.Tensor) and o.is_floating_point())
    if not tensors:
        raise ModelError(f"cannot gradient-check an output of type {type(outputs).__name__}")
    return tensors


def input_name(index: int, count: int) -> str:
    return "input" if count == 1 else f"input {index + 1}"
