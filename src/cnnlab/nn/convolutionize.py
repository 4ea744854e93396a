"""Turn a network's fully connected head into convolutions, without retraining.

The first fully connected layer sees a C x H x W feature map: it is exactly a
convolution with an H x W kernel; each later one is a 1x1 convolution (Sermanet et al., 2013; Long
et al., 2015).
The converted network gives the same scores at the training input size and, on a
larger input, a map of class scores (VGG-16 at 384x384: 6x6), as if the original had
been slid over the image.

Works on models laid out as cnnlab's classic nets are: ``forward_features`` giving a
feature map, an optional ``avgpool`` that is the identity at the training size, and
a ``classifier`` made of Flatten, Linear, activations and Dropout.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from cnnlab.errors import ModelError

_KEPT = (nn.ReLU, nn.Dropout, nn.Tanh, nn.Identity)


class FullyConvolutional(nn.Module):
    """A backbone and a convolutional head; the output is (N, classes, H', W')."""

    def __init__(self, backbone: nn.Module, head: nn.Sequential):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


def _feature_shape(model: nn.Module, input_shape: tuple[int, int, int]) -> tuple[int, ...]:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            param = next(model.parameters())
            probe = torch.zeros(1, *input_shape, dtype=param.dtype, device=param.device)
            return tuple(model.forward_features(probe).shape[1:])
    finally:
        model.train(was_training)


def _check_pool_is_identity(model: nn.Module, shape: tuple[int, ...]) -> None:
    pool = getattr(model, "avgpool", None)
    if pool is None or isinstance(pool, nn.Identity):
        return
    size = getattr(pool, "output_size", None)
    size = (size, size) if isinstance(size, int) else tuple(size or ())
    if not isinstance(pool, nn.AdaptiveAvgPool2d) or size != tuple(shape[1:]):
        raise ModelError(
            f"convolutionize: the pooling before the classifier ({pool}) must be the identity "
            f"at the training size, but the features there are {shape}"
        )


def _as_conv(linear: nn.Linear, in_shape: tuple[int, int, int]) -> nn.Conv2d:
    channels, height, width = in_shape
    if channels * height * width != linear.in_features:
        raise ModelError(
            f"convolutionize: {linear} expects {linear.in_features} inputs, "
            f"but the feature map {in_shape} has {channels * height * width}"
        )
    conv = nn.Conv2d(channels, linear.out_features, (height, width), bias=linear.bias is not None)
    conv = conv.to(linear.weight.device, linear.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, channels, height, width))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def convolutionize(model: nn.Module, input_shape: tuple[int, int, int]) -> FullyConvolutional:
    """A fully convolutional copy of ``model`` (trained at ``input_shape``, C x H x W)."""
    classifier = getattr(model, "classifier", None)
    if not isinstance(classifier, nn.Sequential) or not hasattr(model, "forward_features"):
        raise ModelError(
            f"convolutionize needs a model with forward_features and an nn.Sequential "
            f"'classifier'; got {type(model).__name__}"
        )
    shape = _feature_shape(model, input_shape)
    if len(shape) != 3:
        raise ModelError(f"convolutionize: features must be a C x H x W map, got shape {shape}")
    _check_pool_is_identity(model, shape)
    layers: list[nn.Module] = []
    for layer in classifier:
        if isinstance(layer, nn.Flatten):
            continue
        if isinstance(layer, nn.Linear):
            layers.append(_as_conv(layer, shape))
            shape = (layer.out_features, 1, 1)
        elif isinstance(layer, _KEPT):
            layers.append(copy.deepcopy(layer))
        else:
            raise ModelError(f"convolutionize cannot convert classifier layer {layer}")
    # Copy the backbone without the old classifier (VGG's holds 120M weights).
    backbone = copy.deepcopy(model, memo={id(classifier): nn.Identity()})
    return FullyConvolutional(backbone, nn.Sequential(*layers))
