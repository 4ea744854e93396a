"""Stochastic depth (Huang, Sun, Liu, Sedra and Weinberger, 2016).

A residual block computes ``H = ReLU(b * f(x) + id(x))`` where, during training,
``b`` is a Bernoulli draw with the block's survival probability ``p``: a dropped
block is the identity, so the network trained on each mini-batch is shorter. At
test time the whole deep network is used and the residual branch is scaled by
``p``, its expected contribution during training: ``H = ReLU(p * f(x) + id(x))``.

Survival probabilities decay linearly with depth, from 1 before the first block to
``p_L`` (0.5 in the paper) at the last: ``p_l = 1 - (l / L) * (1 - p_L)``.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError

MODES = ("batch", "row")  # the paper drops a block for the whole mini-batch
SCALES = ("test", "train")  # where the 1/p bookkeeping goes: paper (test) or inverted (train)


def linear_survival_probabilities(num_blocks: int, last: float) -> list[float]:
    """Linear decay: block ``l`` of ``L`` (1-based) survives with ``1 - l/L (1 - last)``."""
    if num_blocks < 1:
        raise ModelError(f"stochastic depth needs at least one block, got num_blocks={num_blocks}")
    _check_probability(last)
    return [1.0 - (l / num_blocks) * (1.0 - last) for l in range(1, num_blocks + 1)]  # noqa: E741


def _check_probability(p: float) -> None:
    if not 0.0 < p <= 1.0:
        raise ModelError(f"a survival probability must be in (0, 1], got {p}")


class StochasticDepth(nn.Module):
    """Keep a residual branch's output with probability ``survival_prob``, else zero it.

    ``mode="batch"`` draws one coin for the whole mini-batch (the paper); ``"row"``
    draws one per sample (as later work, e.g. timm's drop-path, does).
    ``scale_at="test"`` multiplies by ``p`` at test time (the paper);
    ``scale_at="train"`` divides kept branches by ``p`` in training instead, so that
    the test-time network is the plain one and ordinary weights load unchanged.
    """

    def __init__(self, survival_prob: float, mode: str = "batch", scale_at: str = "test"):
        super().__init__()
        _check_probability(survival_prob)
        if mode not in MODES:
            raise ModelError(f"stochastic depth mode must be one of {MODES}, got {mode!r}")
        if scale_at not in SCALES:
            raise ModelError(f"stochastic depth scale_at must be one of {SCALES}, got {scale_at!r}")
        self.survival_prob, self.mode, self.scale_at = survival_prob, mode, scale_at

    def draw(self) -> bool | None:
        """The batch-mode coin for this training pass (None where there is no coin).

        A residual block draws first and, when it comes up "dropped", skips
        computing its branch: that is where the paper's training-time saving comes
        from. The coin is drawn on the CPU, so no device synchronisation is needed.
        """
        if not self.training or self.mode != "batch" or self.survival_prob == 1.0:
            return None
        return bool(torch.rand(()) < self.survival_prob)

    def forward(self, branch: torch.Tensor, survived: bool | None = None) -> torch.Tensor:
        """Apply the drop; ``survived`` is a batch-mode coin the caller already drew."""
        p = self.survival_prob
        if not self.training:
            return branch * p if self.scale_at == "test" else branch
        if p == 1.0:
            return branch
        if self.mode == "batch":
            survived = self.draw() if survived is None else survived
            keep = (1.0 / p if self.scale_at == "train" else 1.0) if survived else 0.0
            return branch * keep
        shape = (branch.shape[0],) + (1,) * (branch.ndim - 1)
        keep = torch.empty(shape, dtype=branch.dtype, device=branch.device).bernoulli_(p)
        if self.scale_at == "train":
            keep = keep / p
        return branch * keep

    def extra_repr(self) -> str:
        return f"survival_prob={self.survival_prob:.4g}, mode={self.mode}, scale_at={self.scale_at}"
