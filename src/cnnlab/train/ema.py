"""An exponential moving average of the weights: ema = d * ema + (1 - d) * w.

The decay warms up, d = min(decay, (1 + t) / (10 + t)) at update t, so the average
forgets the random initial weights within the first hundred steps instead of carrying
them for thousands (with decay 0.999, the plain average of a 400-step epoch still
holds two thirds of the initialisation, and its batch-norm statistics, copied from the
live model, no longer match its weights). The warm-up depends on the step alone, so a
resumed run averages exactly as an uninterrupted one.

Buffers (batch-norm running statistics) are copied, not averaged. Evaluating the
average often scores better than the last weights late in training.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay applied at update ``step`` (0 for the first optimiser step)."""
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        weight = 1.0 - self.decay_at(step)
        for mine, theirs in zip(self.model.parameters(), model.parameters(), strict=True):
            mine.lerp_(theirs.detach(), weight)
        for mine, theirs in zip(self.model.buffers(), model.buffers(), strict=True):
            mine.copy_(theirs)
