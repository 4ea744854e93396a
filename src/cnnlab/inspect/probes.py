"""Small measurements the doctor's checks are made of: short training runs, unit statistics."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from cnnlab.inspect.activations import RELU_LIKE, saturation_bounds
from cnnlab.train.config import TrainConfig
from cnnlab.train.losses import build_loss
from cnnlab.train.optim import build_optimizer, l1_penalty, split_decay

Batch = tuple[torch.Tensor, torch.Tensor]


def train_steps(
    model: nn.Module, batches: Iterator[Batch], config: TrainConfig, steps: int
) -> list[float]:
    """Train ``model`` in place for ``steps`` steps as the trainer's ``step()`` does (the
    config's optimiser, loss and L1 penalty, fixed lr); return the loss of every step.
    Stops at the first loss that is not finite."""
    optimizer = build_optimizer(config, model)
    loss_fn = build_loss(config)
    decayed = split_decay(model, config.decay_all)[0]
    model.train()
    losses = []
    for _, (x, y) in zip(range(steps), batches, strict=False):
        loss = loss_fn(model(x), y)
        total = loss + config.l1 * l1_penalty(decayed) if config.l1 and decayed else loss
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            break
    return losses


def unregularised(config: TrainConfig) -> TrainConfig:
    """``config`` without weight decay, L1 or label smoothing."""
    return dataclasses.replace(config, weight_decay=0.0, l1=0.0, label_smoothing=0.0)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


@torch.no_grad()
def mean_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, config: TrainConfig) -> float:
    """The loss of ``model`` on one batch in training mode (batch statistics, as in
    training), without changing the model: batch-norm running averages are restored."""
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    model.train()
    loss = build_loss(config)(model(x), y).item()
    for name, buffer in model.named_buffers():
        buffer.copy_(buffers[name])
    return loss


@dataclasses.dataclass
class UnitReport:
    layer: str  # module path
    units: int
    dead: float  # fraction of ReLU units zero for every example (or saturated bounded units)
    correlation: float  # mean |correlation| between pairs of live units across examples


@torch.no_grad()
def unit_reports(model: nn.Module, batch: torch.Tensor) -> list[UnitReport]:
    """Dead units and unit correlations of every activation layer on one batch (eval mode).

    A unit is a channel (a convolution's feature map); correlations between two maps are
    taken over every example and position, as two detectors that respond to the same
    places are redundant.
    """
    responses: list[tuple[str, nn.Module, torch.Tensor]] = []
    layers = [
        (name, m)
        for name, m in model.named_modules()
        if isinstance(m, RELU_LIKE) or saturation_bounds(m) is not None
    ]
    handles = [
        module.register_forward_hook(
            lambda m, _i, out, name=name: responses.append((name, m, out.detach().float()))
        )
        for name, module in layers
    ]
    model.eval()
    try:
        model(batch)
    finally:
        for handle in handles:
            handle.remove()
    return [unit_report(name, module, out) for name, module, out in responses if out.ndim >= 2]


def unit_report(name: str, module: nn.Module, out: torch.Tensor) -> UnitReport:
    per_example = out.flatten(2) if out.ndim > 2 else out.unsqueeze(2)  # (N, units, positions)
    if isinstance(module, RELU_LIKE):
        dead = ~(per_example != 0).any(dim=2).any(dim=0)
    else:
        low, high = saturation_bounds(module)
        margin = 0.01 * (high - low) / 2
        stuck = (per_example <= low + margin) | (per_example >= high - margin)
        dead = stuck.all(dim=2).all(dim=0)
    return UnitReport(name, out.shape[1], dead.float().mean().item(), mean_correlation(out))


def mean_correlation(out: torch.Tensor) -> float:
    """Mean absolute Pearson correlation between pairs of units that vary across examples."""
    features = out.transpose(0, 1).flatten(1).T if out.ndim > 2 else out  # (samples, units)
    values = features.double().cpu().numpy()
    live = values[:, values.std(axis=0) > 1e-12]
    if live.shape[1] < 2 or live.shape[0] < 3:
        return 0.0
    matrix = np.corrcoef(live, rowvar=False)
    off_diagonal = matrix[~np.eye(len(matrix), dtype=bool)]
    return float(np.abs(off_diagonal).mean())
