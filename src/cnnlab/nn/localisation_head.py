"""A localisation head: class scores and one box regressed from a feature map.

The classification-plus-regression head of the lectures (and of OverFeat, Sermanet et
al., 2013): the feature map is pooled to a small grid, which keeps where things are,
then one hidden layer feeds two outputs, the class scores and the box. The box is
(x, y, w, h) as fractions of the image's width and height (a sigmoid keeps them in
0..1), so one head serves any image size.

The output is one tensor, (N, classes + 4), scores then box: every part of cnnlab that
takes a model's output as a tensor (summary, export, EMA, DDP) takes this one too;
:meth:`LocalisationHead.split` separates the parts.
"""

from __future__ import annotations

import torch
from torch import nn

BOX = 4  # x, y, w, h


class LocalisationHead(nn.Module):
    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        *,
        grid: tuple[int, int] = (5, 5),
        hidden: int = 256,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(grid)  # (N, C, *grid)
        self.hidden = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * grid[0] * grid[1], hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.scores = nn.Linear(hidden, num_classes)
        self.box = nn.Linear(hidden, BOX)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        h = self.hidden(self.pool(features))  # (N, hidden)
        return torch.cat([self.scores(h), self.box(h).sigmoid()], dim=1)  # (N, classes + 4)

    @staticmethod
    def split(output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(class scores (N, classes), boxes (N, 4) as fractions of the image)."""
        return output[:, :-BOX], output[:, -BOX:]
