"""Local response normalisation as Krizhevsky et al. (2012) define it.

The paper: b = a / (k + alpha * sum of a^2 over n adjacent channels)^beta, with
k=2, n=5, alpha=1e-4, beta=0.75. PyTorch's ``nn.LocalResponseNorm`` divides alpha by
n (it averages the squares instead of summing them), so the same numbers given to it
normalise n times more weakly. This module takes the paper's alpha.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LocalResponseNorm(nn.Module):
    """Cross-channel normalisation with the paper's (summed, not averaged) alpha."""

    def __init__(self, size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 2.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # torch averages over `size` channels (zeros beyond the edges count), so
        # alpha * size there is alpha times the sum here.
        return F.local_response_norm(x, self.size, self.alpha * self.size, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"size={self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
