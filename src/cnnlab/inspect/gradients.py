"""Gradient statistics per layer for one batch: does the signal vanish or explode with depth?

Two views of one backward pass. Per layer: the root-mean-square gradient of the loss with
respect to the layer's output, in forward order, so a gradient that shrinks (vanishes) or
grows (explodes) on its way back to the input shows as a trend down the table. Per
parameter: the RMS gradient, the RMS weight and their norm ratio; with a learning rate,
the size of one SGD step relative to the weights (the rule of thumb wants about 1e-3).

A layer is flagged when its output gradient is ``FACTOR`` times smaller (vanishing) or
larger (exploding) than the gradient at the model's output.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from cnnlab.inspect.activations import leaf_modules

FACTOR = 1e3  # ratio to the output's gradient beyond which a layer is flagged


@dataclass
class LayerGradient:
    name: str  # module path ("name#2" for a second call)
    kind: str  # module class
    shape: tuple[int, ...]
    grad_rms: float  # RMS of d loss / d output of this layer
    flag: str  # "", "vanishing", "exploding" or "not finite"


@dataclass
class ParamGradient:
    name: str
    shape: tuple[int, ...]
    weight_rms: float
    grad_rms: float
    ratio: float  # ||grad|| / ||weight||
    update_ratio: float | None  # lr * ||grad|| / ||weight||, when a learning rate is given


@dataclass
class GradientReport:
    loss: float
    layers: list[LayerGradient]  # forward order
    params: list[ParamGradient]

    @property
    def flagged(self) -> list[LayerGradient]:
        return [layer for layer in self.layers if layer.flag]


def rms(tensor: torch.Tensor) -> float:
    return tensor.detach().double().square().mean().sqrt().item()


def flag(value: float, reference: float) -> str:
    if not math.isfinite(value):
        return "not finite"
    if reference > 0 and value < reference / FACTOR:
        return "vanishing"
    if reference > 0 and value > reference * FACTOR:
        return "exploding"
    return ""


def gradient_stats(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    lr: float | None = None,
) -> GradientReport:
    """One forward and backward pass of ``loss_fn(model(x), y)`` in the model's current mode.
    The parameters' ``.grad`` are left as they were."""
    saved = {name: p.grad for name, p in model.named_parameters()}
    records: list[tuple[str, nn.Module, tuple[int, ...], list[float]]] = []
    calls: Counter[str] = Counter()

    def hook_for(name: str):
        def hook(module: nn.Module, _inputs, output) -> None:
            if not isinstance(output, torch.Tensor) or not output.requires_grad:
                return
            calls[name] += 1
            label = name if calls[name] == 1 else f"{name}#{calls[name]}"
            slot: list[float] = []
            records.append((label, module, tuple(output.shape), slot))
            output.register_hook(lambda grad: slot.append(rms(grad)))

        return hook

    handles = [m.register_forward_hook(hook_for(name)) for name, m in leaf_modules(model)]
    try:
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
    finally:
        for handle in handles:
            handle.remove()
    params = [
        param_gradient(name, p, lr) for name, p in model.named_parameters() if p.grad is not None
    ]
    for name, p in model.named_parameters():
        p.grad = saved[name]
    measured = [(label, m, shape, slot[0]) for label, m, shape, slot in records if slot]
    reference = measured[-1][3] if measured else 0.0
    layers = [
        LayerGradient(label, type(m).__name__, shape, value, flag(value, reference))
        for label, m, shape, value in measured
    ]
    return GradientReport(loss.item(), layers, params)


def param_gradient(name: str, param: nn.Parameter, lr: float | None) -> ParamGradient:
    grad, weight = param.grad.detach().double(), param.detach().double()
    ratio = (grad.norm() / weight.norm()).item() if weight.norm() > 0 else math.inf
    return ParamGradient(
        name,
        tuple(param.shape),
        rms(weight),
        rms(grad),
        ratio,
        None if lr is None else lr * ratio,
    )
