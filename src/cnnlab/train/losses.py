"""Losses: softmax cross-entropy and the multiclass SVM (hinge) loss (Weston & Watkins 1999; the
form taught in CS231n)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from cnnlab.train.config import TrainConfig

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def multiclass_hinge(scores: torch.Tensor, labels: torch.Tensor, margin: float = 1.0):
    """L = 1/N sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + margin).

    ``F.multi_margin_loss`` divides each sum by the number of classes; the lecture's
    loss does not, so it is written out here.
    """
    correct = scores.gather(1, labels.unsqueeze(1))
    margins = (scores - correct + margin).clamp_min(0)
    margins = margins.scatter(1, labels.unsqueeze(1), 0.0)
    return margins.sum(dim=1).mean()


def build_loss(config: TrainConfig) -> Loss:
    if config.loss == "hinge":
        return multiclass_hinge
    smoothing = config.label_smoothing
    return lambda logits, labels: F.cross_entropy(logits, labels, label_smoothing=smoothing)
