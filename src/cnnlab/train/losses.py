"""Losses: softmax cross-entropy and the multiclass SVM (hinge) loss (Weston & Watkins 1999; the
form taught in CS231n); for the task heads, class plus box (localisation) and the
multi-digit sequence loss (Goodfellow et al. 2014)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from cnnlab.nn.localisation_head import LocalisationHead
from cnnlab.nn.multidigit_head import split_sequence_output
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


def build_loss(config: TrainConfig, task: str = "classify") -> Loss:
    """The loss of ``task``: the class loss alone, or with a box, or a digit sequence's."""
    if task == "sequence":
        smoothing = config.label_smoothing
        return lambda output, targets: sequence_loss(output, targets, smoothing)
    if config.loss == "hinge":
        class_loss: Loss = multiclass_hinge
    else:
        smoothing = config.label_smoothing
        class_loss = lambda logits, labels: F.cross_entropy(  # noqa: E731
            logits, labels, label_smoothing=smoothing
        )
    if task == "localise":
        return localisation_loss(class_loss, config.box_loss, config.box_weight)
    return class_loss


SMOOTH_L1_BETA = 0.02  # where smooth-L1 turns from quadratic to linear: about a pixel in 60


def localisation_loss(class_loss: Loss, box_loss: str, box_weight: float) -> Loss:
    """The class loss plus ``box_weight`` times the box loss: smooth-L1 (Girshick 2015) or
    squared error on the four 0..1 coordinates, summed over them, averaged over images.
    ``targets``: (N, 5) label, x, y, w, h (cnnlab.data.targets)."""

    def loss(output: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        scores, boxes = LocalisationHead.split(output)
        labels, true_boxes = targets[:, 0].long(), targets[:, 1:]
        if box_loss == "l2":
            box = F.mse_loss(boxes, true_boxes, reduction="none")
        else:
            box = F.smooth_l1_loss(boxes, true_boxes, reduction="none", beta=SMOOTH_L1_BETA)
        return class_loss(scores, labels) + box_weight * box.sum(1).mean()

    return loss


def sequence_loss(
    output: torch.Tensor, targets: torch.Tensor, label_smoothing: float = 0.0
) -> torch.Tensor:
    """-log P(S | X) = -log P(L | X) - sum_{i <= L} log P(s_i | X), averaged over images
    (Goodfellow et al. 2014). ``targets``: (N, 1 + positions), the length then the digits,
    -1 after the last; positions past the length add nothing. ``label_smoothing`` smooths
    the length's and each digit's target alike (Szegedy et al. 2016)."""
    positions = targets.shape[1] - 1
    lengths, digits = split_sequence_output(output, positions)
    length_loss = F.cross_entropy(lengths, targets[:, 0], label_smoothing=label_smoothing)
    digit_loss = F.cross_entropy(
        digits.flatten(0, 1),
        targets[:, 1:].flatten(),
        ignore_index=-1,
        reduction="sum",
        label_smoothing=label_smoothing,
    )
    return length_loss + digit_loss / len(targets)


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
