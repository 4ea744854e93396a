"""A registered model's feature extractor under a task head: localisation (class scores and
a box) or multi-digit reading (a length and one digit per position).

The backbone enters through ``forward_features`` (the model contract), so any registered
model serves; its own classifier stays in the module (its weights are in the state_dict)
but is not used. ``head_args`` records everything the head was built with, so a run's
weights metadata rebuilds it exactly (:func:`attach_head` with those arguments).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.nn.localisation_head import LocalisationHead
from cnnlab.nn.multidigit_head import MultiDigitHead

TASK_HEADS: dict[str, type[nn.Module]] = {
    "localise": LocalisationHead,
    "sequence": MultiDigitHead,
}


class HeadedModel(nn.Module):
    def __init__(self, backbone: nn.Module, head: nn.Module, head_args: dict[str, Any]):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.head_args = head_args  # task, in_channels, num_classes and the head's options

    @property
    def task(self) -> str:
        return self.head_args["task"]

    @property
    def cam_layer(self) -> str:
        """The backbone's last feature map larger than 1x1, for Grad-CAM."""
        return f"backbone.{self.backbone.cam_layer}"

    @property
    def head_layers(self) -> tuple[str, ...]:
        """What a fresh head would replace: the task head, whole."""
        return ("head",)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone.forward_features(x))


def feature_channels(backbone: nn.Module, input_shape: tuple[int, int, int]) -> int:
    """Channels of the backbone's last feature map, from one pass of a blank image of
    ``input_shape`` (in eval mode, so batch-norm statistics are left alone)."""
    was_training = backbone.training
    device = next(backbone.parameters()).device
    backbone.eval()
    try:
        with torch.no_grad():
            features = backbone.forward_features(torch.zeros(1, *input_shape, device=device))
    finally:
        backbone.train(was_training)
    if features.ndim != 4:
        raise ModelError(
            f"a task head needs a feature map (N, C, H, W) from forward_features, found "
            f"shape {tuple(features.shape)}"
        )
    return int(features.shape[1])


def attach_head(
    backbone: nn.Module, task: str, *, in_channels: int, num_classes: int, **options: Any
) -> HeadedModel:
    """``backbone`` under the head of ``task`` (localise or sequence); ``options`` go to the
    head (grid, hidden, dropout; positions for sequence)."""
    if task not in TASK_HEADS:
        raise ModelError(f"unknown task head {task!r}: expected one of {', '.join(TASK_HEADS)}")
    options = {key: tuple(value) if key == "grid" else value for key, value in options.items()}
    head = TASK_HEADS[task](in_channels, num_classes, **options)
    args = {"task": task, "in_channels": in_channels, "num_classes": num_classes, **options}
    return HeadedModel(backbone, head, args)
