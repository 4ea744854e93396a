"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998).

``lenet5`` is the network of the modern LeNet-5 table (seeds/001): ReLU and max
pooling, a fully connected C5 written as a 5x5 convolution, 61,706 parameters for a
1x32x32 input and 10 classes.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.models.registry import register_model

LECUN_1998 = (
    "LeCun, Bottou, Bengio, Haffner: Gradient-Based Learning Applied to Document Recognition"
)


class LeNet5(nn.Module):
    def __init__(self, *, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5),  # (N, 6, 28, 28)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # (N, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5),  # (N, 16, 10, 10)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # (N, 16, 5, 5)
            nn.Conv2d(16, 120, kernel_size=5),  # (N, 120, 1, 1): C5, fully connected to S4
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(120, 84),
            nn.ReLU(inplace=True),
            nn.Linear(84, num_classes),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


register_model(
    "lenet5",
    family="lenet",
    paper=LECUN_1998,
    year=1998,
    input_shape=(1, 32, 32),
    num_params=61_706,
    num_classes=10,
    builder=LeNet5,
)
