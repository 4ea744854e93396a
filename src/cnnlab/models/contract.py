"""The head contract every registered model keeps (timm's, in cnnlab's words).

A model is a feature extractor followed by a head:

- ``forward_features(x)``: the last feature map, (N, C, H, W);
- ``forward_head(x, pre_logits=False)``: pooling, flattening, dropout and the
  classifier. With ``pre_logits=True`` it stops before the final classifier layer and
  returns that layer's input, the image code: LeNet-5's 84 F6 values, AlexNet's fc7,
  ResNet's pooled vector. Where the final classifier is a convolution (SqueezeNet's
  conv10, AlphaGo's policy filter) the code is the map that convolution reads;
- ``forward(x) == forward_head(forward_features(x))``;
- ``reset_classifier(num_classes)``: fresh final classifier layers (auxiliary heads'
  too) with ``num_classes`` outputs; every other weight is kept;
- ``head_layers``: the dotted names of the modules ``reset_classifier`` replaces, the
  main classifier first, so :func:`head_state_keys` finds the head's tensors in a
  state_dict;
- ``cam_layer``: the dotted name of the module whose output Grad-CAM should use, the
  last feature map larger than 1x1 at the model's default input.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError


class ClassifierContract(nn.Module):
    """Base class of the registered models: ``forward`` and ``reset_classifier`` from the
    subclass's ``forward_features``, ``forward_head`` and ``head_layers``."""

    head_layers: tuple[str, ...]
    cam_layer: str

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def reset_classifier(self, num_classes: int) -> None:
        """Replace every module in ``head_layers`` by a freshly initialised one with
        ``num_classes`` outputs (PyTorch's default initialisation for its type)."""
        check_num_classes(num_classes)
        for name in self.head_layers:
            self.set_submodule(name, self.new_head_layer(name, num_classes))

    def new_head_layer(self, name: str, num_classes: int) -> nn.Module:
        """The fresh module that replaces the head layer ``name``."""
        return fresh_classifier(self.get_submodule(name), num_classes)


def check_num_classes(num_classes: int) -> None:
    if num_classes < 1:
        raise ModelError(f"num_classes must be a positive integer, got {num_classes}")


def fresh_classifier(layer: nn.Module, num_classes: int) -> nn.Module:
    """A new ``nn.Linear`` or ``nn.Conv2d`` like ``layer`` (inputs, kernel, bias, device,
    dtype, training flag) but with ``num_classes`` outputs and new weights."""
    factory = {"device": layer.weight.device, "dtype": layer.weight.dtype}
    bias = layer.bias is not None
    if type(layer) is nn.Linear:
        new: nn.Module = nn.Linear(layer.in_features, num_classes, bias=bias, **factory)
    elif type(layer) is nn.Conv2d:
        new = nn.Conv2d(
            layer.in_channels,
            num_classes,
            layer.kernel_size,
            layer.stride,
            layer.padding,
            layer.dilation,
            bias=bias,
            padding_mode=layer.padding_mode,
            **factory,
        )
    else:
        raise ModelError(f"cannot make a fresh classifier like {type(layer).__name__}")
    return new.train(layer.training)


def head_state_keys(model: nn.Module) -> set[str]:
    """The state_dict keys of the model's head layers (what ``reset_classifier`` renews)."""
    prefixes = tuple(name + "." for name in model.head_layers)
    return {key for key in model.state_dict() if key.startswith(prefixes)}


def last_of(sequential: nn.Sequential, kind: type[nn.Module], prefix: str) -> str:
    """``"prefix.i"``, ``i`` the index of the last ``kind`` module in ``sequential``."""
    last = max(i for i, module in enumerate(sequential) if isinstance(module, kind))
    return f"{prefix}.{last}"
