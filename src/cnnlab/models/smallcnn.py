"""A modern small CNN for 28x28 digits: the lectures' pattern with batch normalisation.

INPUT -> [[CONV -> BN -> RELU]*2 -> POOL]*2 -> CONV -> BN -> RELU -> global average pool
-> dropout -> FC (batch norm after Ioffe and Szegedy, 2015). Convolutions carry no bias:
the batch norm that follows adds one. 140,458 parameters at 1x28x28 and 10 classes.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model

IOFFE_2015 = (
    "Ioffe, Szegedy: Batch Normalization: Accelerating Deep Network Training by Reducing "
    "Internal Covariate Shift"
)


def conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SmallCNN(ClassifierContract):
    head_layers = ("classifier.3",)
    cam_layer = "features.6"  # the last conv-BN-ReLU, (N, 128, 7, 7)

    def __init__(self, *, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.2):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu(in_channels, 32),  # (N, 32, 28, 28)
            conv_bn_relu(32, 32),
            nn.MaxPool2d(2),  # (N, 32, 14, 14)
            conv_bn_relu(32, 64),  # (N, 64, 14, 14)
            conv_bn_relu(64, 64),
            nn.MaxPool2d(2),  # (N, 64, 7, 7)
            conv_bn_relu(64, 128),  # (N, 128, 7, 7)
        )
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),  # (N, 128, 1, 1)
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.classifier[:-1](x)  # (N, 128): pooled, after dropout
        return x if pre_logits else self.classifier[-1](x)


register_model(
    "smallcnn_bn",
    family="smallcnn",
    paper=IOFFE_2015,
    year=2015,
    input_shape=(1, 28, 28),
    num_params=140_458,
    macs=21_903_104,
    builder=SmallCNN,
)
