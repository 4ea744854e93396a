"""Maxout (Goodfellow et al., 2013): each output is the maximum of ``pieces`` inputs.

Applied to channels: an input of C * pieces channels gives C channels, channel c
being the maximum over channels c * pieces ... c * pieces + pieces - 1. After a
linear layer or convolution this is the maxout unit max_j (w_j . x + b_j).
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError


class Maxout(nn.Module):
    def __init__(self, pieces: int):
        super().__init__()
        if pieces < 1:
            raise ModelError(f"Maxout needs at least 1 piece, got pieces={pieces}")
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.shape[1]
        if channels % self.pieces:
            raise ModelError(
                f"Maxout with pieces={self.pieces} needs a channel count divisible by "
                f"{self.pieces}, got {channels} channels (input shape {tuple(x.shape)})"
            )
        grouped = x.reshape(x.shape[0], channels // self.pieces, self.pieces, *x.shape[2:])
        return grouped.amax(dim=2)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"
