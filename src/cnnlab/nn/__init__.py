"""Layers PyTorch lacks, used by cnnlab's models and offered to users."""

from cnnlab.nn.convolutionize import FullyConvolutional, convolutionize
from cnnlab.nn.dense import DenseBlock, DenseLayer, Transition
from cnnlab.nn.fire import Fire
from cnnlab.nn.inception import ConvBlock, Inception, InceptionAux
from cnnlab.nn.localisation_head import LocalisationHead
from cnnlab.nn.locally_connected import LocallyConnected2d
from cnnlab.nn.lrn import LocalResponseNorm
from cnnlab.nn.maxout import Maxout
from cnnlab.nn.multidigit_head import MultiDigitHead
from cnnlab.nn.residual import BasicBlock, Bottleneck, PreActBasicBlock, ZeroPadShortcut
from cnnlab.nn.squeeze_excitation import SqueezeExcitation
from cnnlab.nn.stochastic_depth import StochasticDepth, linear_survival_probabilities
from cnnlab.nn.tf_padding import (
    TFAvgPool2d,
    TFConv2d,
    TFMaxPool2d,
    same_padding,
    tf_output_size,
)

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "DenseBlock",
    "DenseLayer",
    "PreActBasicBlock",
    "SqueezeExcitation",
    "StochasticDepth",
    "Transition",
    "ZeroPadShortcut",
    "linear_survival_probabilities",
    "ConvBlock",
    "Fire",
    "FullyConvolutional",
    "Inception",
    "InceptionAux",
    "LocalResponseNorm",
    "LocalisationHead",
    "LocallyConnected2d",
    "Maxout",
    "MultiDigitHead",
    "TFAvgPool2d",
    "TFConv2d",
    "TFMaxPool2d",
    "convolutionize",
    "same_padding",
    "tf_output_size",
]
