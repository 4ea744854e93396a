"""Learning-rate schedules of the lectures, each a formula of t (epochs or optimiser steps).

``lr(t)`` is computed from the base rate, never accumulated, so a resumed run gets
exactly the rate an uninterrupted one would. Reduce-on-plateau is the one schedule
with state (the best value seen and the epochs since); it has ``state_dict``.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from cnnlab.train.config import TrainConfig


class Schedule:
    def __init__(self, config: TrainConfig, total: int):
        """``total``: the length of training in the schedule's unit (for cosine and one-cycle)."""
        self.config, self.total = config, max(total, 1)
        self.scale = 1.0  # reduce-on-plateau's accumulated factor
        self.best: float | None = None
        self.bad_epochs = 0

    def factor(self, t: float) -> float:
        """The multiplier of the base lr at time ``t``, before warm-up."""
        c, name = self.config, self.config.schedule
        if name == "step":
            return c.gamma ** bisect.bisect_right(c.milestones, t)
        if name == "exp":
            return math.exp(-c.decay_k * t)
        if name == "inv":
            return 1.0 / (1.0 + c.decay_k * t)
        if name == "cosine":
            floor = c.min_lr / c.lr
            progress = min(t / self.total, 1.0)
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        if name == "onecycle":
            return one_cycle(min(t / self.total, 1.0))
        if name == "plateau":
            return self.scale
        return 1.0

    def lr(self, step: int, epoch: int) -> float:
        """The rate for optimiser step ``step`` (0-based) taken during epoch ``epoch`` (0-based)."""
        t = step if self.config.schedule_unit == "step" else epoch
        rate = self.config.lr * self.factor(t)
        if self.config.warmup and step < self.config.warmup:
            rate *= (step + 1) / self.config.warmup
        return rate

    def observe(self, value: float, higher_is_better: bool) -> None:
        """Reduce-on-plateau: after ``plateau_patience`` epochs without a new best, lr *= gamma."""
        if self.config.schedule != "plateau":
            return
        better = self.best is None or (value > self.best if higher_is_better else value < self.best)
        if better:
            self.best, self.bad_epochs = value, 0
            return
        self.bad_epochs += 1
        if self.bad_epochs >= self.config.plateau_patience:
            self.scale *= self.config.gamma
            self.bad_epochs = 0

    def state_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "best": self.best, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scale, self.best, self.bad_epochs = state["scale"], state["best"], state["bad_epochs"]


def one_cycle(progress: float, peak_at: float = 0.3, start: float = 1 / 25, end: float = 1e-4):
    """Smith's one-cycle: cosine from lr/25 up to lr at 30% of training, then down to lr*1e-4."""
    if progress < peak_at:
        low, high, p = start, 1.0, progress / peak_at
        return high + (low - high) * 0.5 * (1 + math.cos(math.pi * p))
    p = (progress - peak_at) / (1 - peak_at)
    return end + (1.0 - end) * 0.5 * (1 + math.cos(math.pi * p))
