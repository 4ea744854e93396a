"""``explain backprop``: one sigmoid unit with squared error, the delta rule with numbers.

y = sigmoid(w.x + b), E = (y - t)^2 / 2, so dE/da = delta = y (1 - y) (y - t) and
dE/dw_i = delta x_i: the update w_i <- w_i - eta delta x_i of Rumelhart, Hinton and Williams
(1986). The numbers are checked against PyTorch's autograd.
"""

from __future__ import annotations

import math

import torch

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation


def g(value: float) -> str:
    return f"{value:.6g}"


def explain_backprop(
    x: list[float], w: list[float], b: float = 0.0, t: float = 1.0, lr: float = 0.5
) -> Derivation:
    numbers = [*x, *w, b, t, lr]
    if not all(math.isfinite(v) for v in numbers):
        raise ConfigError(f"--x, --w, --b, --t and --lr must be finite numbers, found {numbers}")
    if len(x) != len(w) or not x:
        raise ConfigError(f"--x and --w need one weight per input, found {len(x)} and {len(w)}")
    if lr <= 0:
        raise ConfigError(f"--lr must be a finite number > 0, found {lr}")
    a = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    y = 1 / (1 + math.exp(-a))
    error = 0.5 * (y - t) ** 2
    delta = y * (1 - y) * (y - t)
    grads = [delta * xi for xi in x]
    step = Derivation("backprop", "One sigmoid unit, squared error: the delta rule")
    terms = " + ".join(f"{g(wi)}*{g(xi)}" for wi, xi in zip(w, x, strict=True))
    step.add(f"a = w.x + b = {terms} + {g(b)} = {g(a)}", a=a)
    step.add(f"y = sigmoid(a) = 1/(1 + exp(-{g(a)})) = {g(y)}", y=y)
    step.add(f"E = (y - t)^2 / 2 = ({g(y)} - {g(t)})^2 / 2 = {g(error)}", error=error)
    step.add(
        f"delta = dE/da = y (1 - y) (y - t) = {g(y)} * {g(1 - y)} * {g(y - t)} = {g(delta)}",
        delta=delta,
    )
    for i, (xi, grad) in enumerate(zip(x, grads, strict=True), start=1):
        step.add(f"dE/dw{i} = delta x{i} = {g(delta)} * {g(xi)} = {g(grad)}")
    step.add(f"dE/db = delta = {g(delta)}", grad_w=grads, grad_b=delta)
    new_w = [wi - lr * gi for wi, gi in zip(w, grads, strict=True)]
    for i, (wi, gi, nw) in enumerate(zip(w, grads, new_w, strict=True), start=1):
        step.add(f"w{i} <- w{i} - eta dE/dw{i} = {g(wi)} - {g(lr)} * {g(gi)} = {g(nw)}")
    step.add(f"b <- {g(b)} - {g(lr)} * {g(delta)} = {g(b - lr * delta)}", new_w=new_w)
    step.values["new_b"] = b - lr * delta
    agrees = autograd_agrees(x, w, b, t, grads, delta)
    step.add(f"PyTorch's autograd gives the same gradients: {agrees}", autograd_agrees=agrees)
    return step


def autograd_agrees(x, w, b, t, grads: list[float], delta: float) -> bool:
    inputs = torch.tensor(x, dtype=torch.float64)
    weights = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bias = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    error = 0.5 * (torch.sigmoid(weights @ inputs + bias) - t) ** 2
    error.backward()
    expected = torch.tensor([*grads, delta], dtype=torch.float64)
    return bool(torch.allclose(torch.cat([weights.grad, bias.grad[None]]), expected, rtol=1e-12))
