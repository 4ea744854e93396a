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


AUX_WEIGHT = 0.3  # GoogLeNet's auxiliary classifiers' share of the loss (Szegedy et al. 2015)


def split_outputs(outputs: torch.Tensor | tuple) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(logits, auxiliary logits): a model with auxiliary classifiers returns a tuple in
    training mode (GoogLeNet's ``(logits, aux2, aux1)``); any other model, its logits."""
    if isinstance(outputs, torch.Tensor):
        return outputs, []
    logits, *auxiliary = outputs
    return logits, [aux for aux in auxiliary if aux is not None]


def with_auxiliary(loss_fn: Loss, outputs: torch.Tensor | tuple, labels: torch.Tensor):
    """(logits, the loss of the logits, the loss to minimise): the main loss plus
    ``AUX_WEIGHT`` times each auxiliary classifier's."""
    logits, auxiliary = split_outputs(outputs)
    loss = loss_fn(logits, labels)
    total = (
        loss + AUX_WEIGHT * sum(loss_fn(aux, labels) for aux in auxiliary) if auxiliary else loss
    )
    return logits, loss, total
