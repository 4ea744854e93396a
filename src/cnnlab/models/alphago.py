"""The policy network of AlphaGo (Silver et al., 2016), as the paper gives it.

Input: 48 feature planes of the 19x19 board. A 5x5 convolution of k=192 filters
(pad 2), eleven 3x3 convolutions (pad 1), each followed by ReLU, then one 1x1
filter with a separate bias for each of the 361 positions. The paper applies a
softmax over the 361 moves; ``forward`` returns the logits before it (what
cross-entropy expects), ``move_probabilities`` the softmax.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.models.contract import ClassifierContract, fresh_classifier, last_of
from cnnlab.models.registry import register_model

BOARD = 19


class PositionBias(nn.Module):
    """A learnt bias for every board position (the final layer's "different bias")."""

    def __init__(self, height: int, width: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, height, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias


def check_board_classes(num_classes: int) -> None:
    if num_classes != BOARD * BOARD:
        raise ModelError(
            f"alphago_policy scores the {BOARD * BOARD} board points, so num_classes "
            f"must be {BOARD * BOARD}; got {num_classes}"
        )


class AlphaGoPolicy(ClassifierContract):
    """``reset_classifier`` renews the final 1x1 filter and its position biases; the
    classes are the board's points, so it takes ``num_classes=361`` only."""

    head_layers = ("head.0", "head.1")  # the 1x1 filter and its 361 biases

    def __init__(
        self,
        *,
        num_classes: int = BOARD * BOARD,
        in_channels: int = 48,
        filters: int = 192,
        hidden_layers: int = 11,
    ):
        super().__init__()
        check_board_classes(num_classes)
        layers: list[nn.Module] = [nn.Conv2d(in_channels, filters, 5, padding=2), nn.ReLU()]
        for _ in range(hidden_layers):
            layers += [nn.Conv2d(filters, filters, 3, padding=1), nn.ReLU()]
        self.features = nn.Sequential(*layers)  # (N, 192, 19, 19)
        self.cam_layer = last_of(self.features, nn.ReLU, "features")
        self.head = nn.Sequential(
            nn.Conv2d(filters, 1, kernel_size=1, bias=False),  # (N, 1, 19, 19)
            PositionBias(BOARD, BOARD),
            nn.Flatten(),  # (N, 361)
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x if pre_logits else self.head(x)  # the code: the (N, 192, 19, 19) map

    def reset_classifier(self, num_classes: int) -> None:
        check_board_classes(num_classes)
        super().reset_classifier(num_classes)

    def new_head_layer(self, name: str, num_classes: int) -> nn.Module:
        old = self.get_submodule(name)
        if isinstance(old, PositionBias):  # fresh biases start at zero, as built
            bias = old.bias
            return PositionBias(BOARD, BOARD).to(bias.device, bias.dtype).train(old.training)
        return fresh_classifier(old, 1)  # one filter: a score per point

    def move_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """The paper's output: a probability for each of the 361 points, (N, 19, 19)."""
        return torch.softmax(self(x), dim=1).reshape(-1, BOARD, BOARD)


register_model(
    "alphago_policy",
    family="alphago",
    paper="Silver et al.: Mastering the game of Go with deep neural networks and tree search",
    year=2016,
    input_shape=(48, BOARD, BOARD),
    num_params=3_882_793,
    macs=1_400_726_208,
    builder=AlphaGoPolicy,
)
