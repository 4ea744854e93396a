"""A committee of networks as one model: the average of its members' class probabilities.

Averaging the softmax outputs of independently trained networks lowers the error below
the members' (Ciresan et al., 2012, a committee of 35 CNNs on MNIST; Krizhevsky et al.,
2012, five CNNs on ImageNet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from cnnlab.errors import ModelError


class Ensemble(nn.Module):
    """``forward`` gives the log of the members' mean class probabilities: its softmax is
    that mean, and cross-entropy on it is the committee's negative log-likelihood, so every
    command that reads a classifier's logits reads the committee unchanged."""

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        if not members:
            raise ModelError("an ensemble needs at least one member, found none")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        log_probs = torch.stack([member(x).float().log_softmax(1) for member in self.members])
        return torch.logsumexp(log_probs, 0) - math.log(len(self.members))
