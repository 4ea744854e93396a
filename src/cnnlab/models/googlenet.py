"""GoogLeNet, Inception v1 (Szegedy et al., 2014), row by row from the paper's table.

Two rows of one table:

- ``googlenet``: the paper. 5x5 convolutions in the third inception branch, no batch
  norm (convolutions carry biases), local response normalisation after the first
  pooling and after conv3 (the paper's Figure 3), 3x3/2 pooling before 5a, 40%
  dropout before the classifier.
- ``googlenet_torchvision``: torchvision's network, whose published weight files load
  into it with ``load_state_dict(strict=True)``: batch norm after every convolution,
  a 3x3 kernel in the third branch (a known slip torchvision keeps for its weights),
  no LRN, 2x2/2 pooling before 5a, 20% dropout, auxiliary classifiers built.

Both take ``aux_logits``: the two auxiliary classifiers after 4a and 4d. With them,
``forward`` in training mode returns ``GoogLeNetOutputs(logits, aux2, aux1)`` (as
torchvision does; the paper weights their losses by 0.3), so cnnlab's trainer, which
wants logits alone, uses the default ``aux_logits=False``.

Where the paper's table disagrees with its own layer sizes, the layer sizes win: the
conv1 row says 2.7K parameters and 34M ops, but 7x7x3x64 weights are 9,408 and
118M multiply-adds at 112x112; the 5a row says 54M ops where its widths give 51M.
Every other inception row's ops agree with these layers (see the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.nn.inception import ConvBlock, Inception, InceptionAux
from cnnlab.nn.lrn import LocalResponseNorm

# name, input channels, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj (Szegedy et al.,
# 2015, Table 1)
INCEPTION_TABLE = (
    ("3a", 192, 64, 96, 128, 16, 32, 32),
    ("3b", 256, 128, 128, 192, 32, 96, 64),
    ("4a", 480, 192, 96, 208, 16, 48, 64),
    ("4b", 512, 160, 112, 224, 24, 64, 64),
    ("4c", 512, 128, 128, 256, 24, 64, 64),
    ("4d", 512, 112, 144, 288, 32, 64, 64),
    ("4e", 528, 256, 160, 320, 32, 128, 128),
    ("5a", 832, 256, 160, 320, 32, 128, 128),
    ("5b", 832, 384, 192, 384, 48, 128, 128),
)


@dataclass(frozen=True)
class GoogLeNetConfig:
    branch3_kernel: int  # 5 in the paper, 3 in torchvision's weights
    batch_norm: bool  # after every convolution (torchvision), none in the paper
    lrn: bool  # local response normalisation after pool1 and conv3 (paper)
    pool4_kernel: int  # the pooling before 5a: 3x3/2 in the paper, 2x2/2 in torchvision
    dropout: float  # before the classifier: 0.4 in the paper


GOOGLENET_VARIANTS = {
    "paper": GoogLeNetConfig(
        branch3_kernel=5, batch_norm=False, lrn=True, pool4_kernel=3, dropout=0.4
    ),
    "torchvision": GoogLeNetConfig(
        branch3_kernel=3, batch_norm=True, lrn=False, pool4_kernel=2, dropout=0.2
    ),
}


class GoogLeNetOutputs(NamedTuple):
    logits: torch.Tensor
    aux_logits2: torch.Tensor | None
    aux_logits1: torch.Tensor | None


class GoogLeNet(ClassifierContract):
    cam_layer = "inception5b"  # (N, 1024, 7, 7) at 224

    def __init__(
        self,
        *,
        variant: str = "paper",
        aux_logits: bool = False,
        num_classes: int = 1000,
        in_channels: int = 3,
    ):
        super().__init__()
        cfg = GOOGLENET_VARIANTS[variant]
        bn = {"batch_norm": cfg.batch_norm}
        self.aux_logits = aux_logits
        self.conv1 = ConvBlock(in_channels, 64, 7, stride=2, padding=3, **bn)  # (N, 64, 112, 112)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # (N, 64, 56, 56)
        self.lrn1 = LocalResponseNorm() if cfg.lrn else nn.Identity()
        self.conv2 = ConvBlock(64, 64, 1, **bn)
        self.conv3 = ConvBlock(64, 192, 3, padding=1, **bn)  # (N, 192, 56, 56)
        self.lrn2 = LocalResponseNorm() if cfg.lrn else nn.Identity()
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # (N, 192, 28, 28)
        for name, *widths in INCEPTION_TABLE:
            block = Inception(*widths, branch3_kernel=cfg.branch3_kernel, **bn)
            setattr(self, f"inception{name}", block)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # (N, 480, 14, 14)
        self.maxpool4 = nn.MaxPool2d(cfg.pool4_kernel, stride=2, ceil_mode=True)  # (N, 832, 7, 7)
        self.aux1 = InceptionAux(512, num_classes, **bn) if aux_logits else None
        self.aux2 = InceptionAux(528, num_classes, **bn) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(1024, num_classes)
        self.head_layers = ("fc", "aux1.fc2", "aux2.fc2") if aux_logits else ("fc",)

    def _trunk(self, x: torch.Tensor, with_aux: bool):
        x = self.lrn1(self.maxpool1(self.conv1(x)))  # (N, 64, 56, 56)
        x = self.maxpool2(self.lrn2(self.conv3(self.conv2(x))))  # (N, 192, 28, 28)
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)  # (N, 512, 14, 14)
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))  # (N, 528, 14, 14)
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))  # (N, 1024, 7, 7)
        return x, aux1, aux2

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self._trunk(x, with_aux=False)[0]

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.dropout(torch.flatten(self.avgpool(x), 1))  # (N, 1024)
        return x if pre_logits else self.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor | GoogLeNetOutputs:
        with_aux = self.training and self.aux_logits
        features, aux1, aux2 = self._trunk(x, with_aux)
        logits = self.forward_head(features)
        return GoogLeNetOutputs(logits, aux2, aux1) if with_aux else logits


SZEGEDY_2014 = "Szegedy et al.: Going Deeper with Convolutions"

# name, variant, auxiliary classifiers, parameters and MACs (eval: no auxiliary heads)
for _name, _variant, _aux, _params, _macs in (
    ("googlenet", "paper", False, 6_998_552, 1_582_671_872),
    ("googlenet_torchvision", "torchvision", True, 13_004_888, 1_498_376_192),
):
    register_model(
        _name, family="googlenet", paper=SZEGEDY_2014, year=2014, input_shape=(3, 224, 224),
        num_params=_params, macs=_macs, builder=GoogLeNet, variant=_variant, aux_logits=_aux,
    )  # fmt: skip
