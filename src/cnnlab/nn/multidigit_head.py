"""The multi-digit head of Goodfellow et al. (2014), "Multi-digit Number Recognition from
Street View Imagery using Deep Convolutional Neural Networks".

A number is read as its length L (0 to ``positions`` digits, or "more") and one digit
classifier per position; the model is P(S | X) = P(L | X) * prod_{i <= L} P(s_i | X),
each factor a softmax over the shared hidden features. Training maximises the log of
that product (:func:`cnnlab.train.losses.sequence_loss`); reading takes the most likely
length and the most likely digit at each of its positions.

The output is one tensor, (N, positions + 2 + positions * classes): the length scores,
then each position's digit scores; :meth:`MultiDigitHead.split` separates them.
"""

from __future__ import annotations

import torch
from torch import nn


class MultiDigitHead(nn.Module):
    def __init__(
        self,
        in_channels: int,
        num_classes: int = 10,
        *,
        positions: int = 5,
        grid: tuple[int, int] = (2, 10),
        hidden: int = 512,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.positions, self.num_classes = positions, num_classes
        self.pool = nn.AdaptiveAvgPool2d(grid)  # (N, C, *grid): a wide grid for a row of digits
        self.hidden = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * grid[0] * grid[1], hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.length = nn.Linear(hidden, positions + 2)  # 0..positions digits, or more
        self.digits = nn.Linear(hidden, positions * num_classes)  # one classifier per position

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        h = self.hidden(self.pool(features))  # (N, hidden)
        return torch.cat([self.length(h), self.digits(h)], dim=1)

    def split(self, output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(length scores (N, positions + 2), digit scores (N, positions, classes))."""
        return split_sequence_output(output, self.positions)


def split_sequence_output(
    output: torch.Tensor, positions: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """A multi-digit head's output as (length scores, digit scores per position)."""
    lengths = output[:, : positions + 2]
    return lengths, output[:, positions + 2 :].unflatten(1, (positions, -1))


@torch.no_grad()
def read_sequences(output: torch.Tensor, positions: int) -> torch.Tensor:
    """The most likely reading of each image: int64 (N, positions), the digits of the most
    likely length, -1 after them ("more" reads as all ``positions`` digits)."""
    lengths, digits = split_sequence_output(output, positions)
    length = lengths.argmax(1).clamp_max(positions)  # (N,)
    best = digits.argmax(2)  # (N, positions)
    return torch.where(torch.arange(positions, device=best.device) < length[:, None], best, -1)
