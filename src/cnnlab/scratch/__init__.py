"""The first-principles engine: layers, losses and gradient descent in NumPy, each
backward pass written out, checked against PyTorch's autograd by the tests."""

from cnnlab.scratch.layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Layer,
    Linear,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
)
from cnnlab.scratch.losses import multiclass_hinge, softmax_cross_entropy, squared_error
from cnnlab.scratch.network import Network, fit, lenet5, mlp, small_cnn
from cnnlab.scratch.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from cnnlab.scratch.regularise import BatchNorm, Dropout

__all__ = [
    "OPTIMIZERS",
    "AvgPool2d",
    "BatchNorm",
    "Dropout",
    "Optimizer",
    "lenet5",
    "make_optimizer",
    "Conv2d",
    "Flatten",
    "Layer",
    "Linear",
    "MaxPool2d",
    "Network",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "fit",
    "mlp",
    "multiclass_hinge",
    "small_cnn",
    "softmax_cross_entropy",
    "squared_error",
]
