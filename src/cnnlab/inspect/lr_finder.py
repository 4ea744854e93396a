"""The learning-rate range test: train briefly while the learning rate grows exponentially.

Every step multiplies the learning rate by a constant factor, from ``start_lr`` to
``end_lr`` over ``steps`` steps, on a copy of the model (the caller's model and its
weights are never touched). The loss is smoothed by a bias-corrected exponential moving
average; the test stops early once the smoothed loss exceeds ``diverge`` times its best
value. The suggested learning rate is where the smoothed loss falls fastest per decade
of learning rate (the steepest descent, before the minimum), a rate at which training
still makes quick, stable progress; the rate at the minimum is already close to
divergence.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.figure import save_figure, subplots
from cnnlab.train.config import TrainConfig
from cnnlab.train.losses import build_loss
from cnnlab.train.optim import build_optimizer

Batch = tuple[torch.Tensor, torch.Tensor]
SKIP_START = 5  # first steps left out of the suggestion: the moving average is still settling


@dataclass
class LRFinderResult:
    lrs: list[float]  # learning rate of each step taken
    losses: list[float]  # raw training loss of each step
    smoothed: list[float]  # bias-corrected moving average of the losses
    suggestion: float  # steepest descent of the smoothed loss against log10(lr)
    min_loss_lr: float  # learning rate at the smallest smoothed loss
    stopped: str  # why the test ended

    @property
    def rule(self) -> str:
        return "steepest descent of the smoothed loss (before its minimum)"


def lr_find(
    model: nn.Module,
    batches: Iterator[Batch],
    config: TrainConfig,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    steps: int = 200,
    smoothing: float = 0.9,
    diverge: float = 4.0,
) -> LRFinderResult:
    """Run the range test with ``config``'s optimiser and loss on a copy of ``model``."""
    if not 0 < start_lr < end_lr:
        raise ConfigError(f"the LR range needs 0 < start < end, found {start_lr} and {end_lr}")
    if steps < 2 * SKIP_START:
        raise ConfigError(f"the LR range test needs at least {2 * SKIP_START} steps, found {steps}")
    probe = copy.deepcopy(model).train()
    optimizer = build_optimizer(dataclasses.replace(config, lr=start_lr), probe)
    loss_fn = build_loss(config)
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs, losses, smoothed = [], [], []
    average, best, stopped = 0.0, math.inf, f"reached the end of the range ({end_lr:g})"
    for step, (x, y) in zip(range(steps), batches, strict=False):
        lr = start_lr * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_fn(probe(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = loss.item()
        average = smoothing * average + (1 - smoothing) * value
        current = average / (1 - smoothing ** (step + 1))
        lrs.append(lr)
        losses.append(value)
        smoothed.append(current)
        best = min(best, current)
        if not math.isfinite(current) or current > diverge * best:
            stopped = f"diverged at lr {lr:.3g} (smoothed loss {current:.3g} > {diverge:g}x best)"
            break
    return LRFinderResult(lrs, losses, smoothed, *suggest(lrs, smoothed), stopped)


def suggest(lrs: list[float], smoothed: list[float]) -> tuple[float, float]:
    """(steepest-descent lr, lr at the minimum) of a smoothed loss curve."""
    values = np.nan_to_num(np.asarray(smoothed), nan=np.inf, posinf=np.inf)
    lowest = int(np.argmin(values))
    if lowest <= SKIP_START + 1:
        return lrs[lowest], lrs[lowest]
    window = slice(SKIP_START, lowest + 1)
    slopes = np.gradient(values[window], np.log10(np.asarray(lrs[window])))
    return lrs[SKIP_START + int(np.argmin(slopes))], lrs[lowest]


def plot_lr_find(result: LRFinderResult, path: str | Path) -> Path:
    """Loss against learning rate (log axis), the suggestion and the minimum marked."""
    fig, ax = subplots(figsize=(7, 4.5))
    ax.plot(result.lrs, result.losses, color="0.75", lw=0.8, label="loss per step")
    ax.plot(result.lrs, result.smoothed, color="C0", lw=2, label="smoothed loss")
    ax.axvline(result.suggestion, color="C2", ls="--", label=f"suggested {result.suggestion:.2g}")
    ax.axvline(result.min_loss_lr, color="C3", ls=":", label=f"minimum {result.min_loss_lr:.2g}")
    finite = [v for v in result.smoothed if math.isfinite(v)]
    if finite:
        ax.set_ylim(min(finite) * 0.9, min(max(finite), 2.5 * finite[0]) * 1.05)
    ax.set(xscale="log", xlabel="learning rate", ylabel="training loss", title="LR range test")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)
