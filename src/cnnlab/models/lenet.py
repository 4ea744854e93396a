"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998).

``lenet5`` is the network of the modern LeNet-5 table: ReLU and max
pooling, a fully connected C5 written as a 5x5 convolution, 61,706 parameters for a
1x32x32 input and 10 classes.

``lenet5_1998`` is the paper's own network: scaled tanh, trainable subsampling, the
partial C3 connections of its Table I and Euclidean RBF outputs; 60,000 parameters.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model

LECUN_1998 = (
    "LeCun, Bottou, Bengio, Haffner: Gradient-Based Learning Applied to Document Recognition"
)


class LeNet5(ClassifierContract):
    head_layers = ("classifier.3",)  # the output layer, after F6
    cam_layer = "features.5"  # S4, (N, 16, 5, 5): C5 after it is 1x1

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

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.classifier[:-1](x)  # (N, 84): F6
        return x if pre_logits else self.classifier[-1](x)


register_model(
    "lenet5",
    family="lenet",
    paper=LECUN_1998,
    year=1998,
    input_shape=(1, 32, 32),
    num_params=61_706,
    macs=416_520,
    num_classes=10,
    builder=LeNet5,
)


class ScaledTanh(nn.Module):
    """The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """S2/S4: the sum of each 2x2 block, times a trainable coefficient, plus a bias, per map."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sums = F.avg_pool2d(x, 2, divisor_override=1)
        return sums * self.weight[:, None, None] + self.bias[:, None, None]


# Table I of the paper: which of S2's six maps (columns) feed each of C3's sixteen maps.
C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


class PartialConv2d(nn.Module):
    """A 5x5 convolution where output map i sees only the input maps ``table[i]``.

    Only the connected kernels are parameters (60 of them for C3: 1,500 weights and
    16 biases = 1,516); the forward pass scatters them into a full weight tensor.
    """

    def __init__(self, table: tuple[tuple[int, ...], ...], in_channels: int, kernel_size: int):
        super().__init__()
        pairs = [(out, inp) for out, inputs in enumerate(table) for inp in inputs]
        self.shape = (len(table), in_channels, kernel_size, kernel_size)
        self.register_buffer("index", torch.tensor(pairs).T, persistent=False)
        self.weight = nn.Parameter(torch.empty(len(pairs), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(len(table)))
        with torch.no_grad():  # the paper's uniform +-2.4 / F_i, F_i the map's fan-in
            fan_in = torch.tensor([len(inputs) for inputs in table]) * kernel_size**2
            bound = 2.4 / fan_in[self.index[0]].to(self.weight.dtype)
            self.weight.uniform_(-1, 1).mul_(bound[:, None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        full = self.weight.new_zeros(self.shape)
        full = full.index_put((self.index[0], self.index[1]), self.weight)
        return F.conv2d(x, full, self.bias)


def rbf_prototypes(num_classes: int, units: int = 84) -> torch.Tensor:
    """Fixed +1/-1 prototype codes, one row per class.

    The paper draws each class's 84-unit code as a stylised 7x12 bitmap of the
    character; cnnlab uses fixed pseudo-random +1/-1 codes instead (a seeded
    generator, so every build has the same ones), which are about as far apart.
    """
    gen = torch.Generator().manual_seed(1998)
    return torch.randint(0, 2, (num_classes, units), generator=gen).float() * 2 - 1


class EuclideanRBF(nn.Module):
    """Output units y_i = sum_j (x_j - w_ij)^2 with fixed prototypes w; returns -y as logits.

    A small distance means a likely class, so the negative distances behave as
    logits: cross-entropy on them is the paper's discriminative criterion up to its
    constant j term.
    """

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.in_features, self.out_features = in_features, num_classes
        self.register_buffer("prototypes", rbf_prototypes(num_classes, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -(x[:, None, :] - self.prototypes).square().sum(dim=-1)


class LeNet5_1998(ClassifierContract):  # noqa: N801  (the paper's year is part of the name)
    """LeNet-5 exactly as the 1998 paper: 60,000 trainable parameters.

    C1 156, S2 12, C3 1,516 (Table I's partial connections), S4 32, C5 48,120,
    F6 10,164; every layer squashed by 1.7159 tanh(2a/3); weights drawn uniformly in
    +-2.4 / fan-in as the paper's Appendix says; Euclidean RBF outputs with
    fixed +1/-1 prototypes. ``forward`` returns the negative squared distances to the
    prototypes as logits, so the trainer's cross-entropy works unchanged.

    ``reset_classifier(n)`` puts in a new RBF layer with the fixed prototypes of ``n``
    classes (those a fresh build with ``num_classes=n`` has): it has no trainable
    weights, so F6 and everything below it is all there is to train.
    """

    head_layers = ("classifier.3",)  # the RBF output layer
    cam_layer = "features.7"  # S4 squashed, (N, 16, 5, 5): C5 after it is 1x1

    def __init__(self, *, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5),  # C1: (N, 6, 28, 28)
            ScaledTanh(),
            Subsampling(6),  # S2: (N, 6, 14, 14)
            ScaledTanh(),
            PartialConv2d(C3_TABLE, 6, kernel_size=5),  # C3: (N, 16, 10, 10)
            ScaledTanh(),
            Subsampling(16),  # S4: (N, 16, 5, 5)
            ScaledTanh(),
            nn.Conv2d(16, 120, kernel_size=5),  # C5: (N, 120, 1, 1)
            ScaledTanh(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(120, 84),  # F6
            ScaledTanh(),
            EuclideanRBF(84, num_classes),  # (N, num_classes): negative distances
        )
        for layer in (self.features[0], self.features[8], self.classifier[1]):
            bound = 2.4 / (layer.weight[0].numel())  # the paper: uniform +-2.4 / fan-in
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.zeros_(layer.bias)

    def new_head_layer(self, name: str, num_classes: int) -> nn.Module:
        rbf = self.get_submodule(name)
        new = EuclideanRBF(rbf.in_features, num_classes)
        new = new.to(rbf.prototypes.device, rbf.prototypes.dtype)
        return new.train(rbf.training)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.classifier[:-1](x)  # (N, 84): F6
        return x if pre_logits else self.classifier[-1](x)


register_model(
    "lenet5_1998",
    family="lenet",
    paper=LECUN_1998,
    year=1998,
    input_shape=(1, 32, 32),
    num_params=60_000,
    macs=415_680,
    builder=LeNet5_1998,
)
