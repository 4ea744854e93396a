"""Modules from a parsed ``--arch`` spec, with every shape worked out before anything runs.

The builder walks the layers with the shape each one receives, (C, H, W) or a flat (F,),
and refuses a layer that cannot work with one line naming the layer, the shape it
received and the fix: a window larger than its input, a stride that does not fit
((W - F + 2P) not a multiple of S), groups that do not divide the channels, a convolution
after the network went flat, more than a billion parameters. Pooling drops an incomplete
last window, as PyTorch does.

The modules are split where the network goes flat (the first ``gap``, ``flatten`` or
``fc``): the feature extractor before, the head from there on, the final ``fc`` last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from cnnlab.errors import ModelError
from cnnlab.nn.arch_spec import ACTIVATIONS, LayerSpec
from cnnlab.nn.conv_arith import AxisOutput, dilated_span, fitting_paddings
from cnnlab.nn.locally_connected import LocallyConnected2d
from cnnlab.nn.lrn import LocalResponseNorm
from cnnlab.nn.maxout import Maxout
from cnnlab.nn.tf_padding import TFAvgPool2d, TFConv2d, TFMaxPool2d, tf_output_size

Shape = tuple[int, ...]  # (C, H, W) or (F,)
FLATTENING = ("gap", "flatten", "fc")
# 4 GB of float32 weights: refused on the meta-device pass, before any memory is taken
MAX_PARAMETERS = 1_000_000_000


@dataclass
class BuiltArch:
    """The feature extractor's and the head's modules, and each module's output shape."""

    features: list[nn.Module] = field(default_factory=list)
    head: list[nn.Module] = field(default_factory=list)
    feature_shapes: list[Shape] = field(default_factory=list)


def shape_text(shape: Shape) -> str:
    return "x".join(map(str, shape)) if len(shape) == 3 else f"a flat vector of {shape[0]}"


class LayerFault(ModelError):
    """A layer that cannot work on the shape it receives."""

    def __init__(self, index: int, layer: LayerSpec, shape: Shape, why: str, fix: str):
        super().__init__(
            f"--arch layer {index} {layer.text!r} (character {layer.position}) received "
            f"{shape_text(shape)}: {why}; fix: {fix}"
        )


def build_arch(layers: list[LayerSpec], input_shape: Shape, num_classes: int) -> BuiltArch:
    """The modules of ``layers`` for inputs of ``input_shape`` (C, H, W)."""
    if not layers or layers[-1].kind != "fc" or layers[-1].size is not None:
        last = layers[-1].text if layers else "nothing"
        raise ModelError(
            f"--arch must end with a bare fc, the classifier with one output per class; "
            f"found {last!r} last (add ',fc')"
        )
    built, shape = BuiltArch(), tuple(input_shape)
    total = 0  # parameters so far
    for index, layer in enumerate(layers, start=1):
        last = index == len(layers)
        if layer.kind == "fc" and layer.size is None and not last:
            raise LayerFault(index, layer, shape, "only the last fc takes its width from the "
                             "number of classes", "give it a width, e.g. fc256")  # fmt: skip
        width = num_classes if last else layer.size
        received = shape
        modules, shape = layer_modules(index, layer, received, width)
        target = built.head if built.head or layer.kind in FLATTENING else built.features
        target.extend(modules)
        if target is built.features:
            built.feature_shapes.extend([shape] * len(modules))
        total += sum(p.numel() for module in modules for p in module.parameters())
        if total > MAX_PARAMETERS:
            raise LayerFault(index, layer, received, f"the network reaches {total:,} "
                             f"parameters, over {MAX_PARAMETERS:,}", "fewer filters or units, "
                             "or pool before the first fc")  # fmt: skip
    return built


def layer_modules(
    index: int, layer: LayerSpec, shape: Shape, width: int | None
) -> tuple[list[nn.Module], Shape]:
    """The modules of one layer and the shape they output."""
    kind = layer.kind
    spatial = len(shape) == 3
    if kind in ("conv", "lc", "maxpool", "avgpool", "lrn", "gap") and not spatial:
        raise LayerFault(index, layer, shape, f"{kind} needs a feature map CxHxW",
                         "put it before the first fc, flatten or gap")  # fmt: skip
    if kind == "conv":
        return conv(index, layer, shape)
    if kind == "lc":
        return locally_connected(index, layer, shape)
    if kind in ("maxpool", "avgpool"):
        return pool(index, layer, shape)
    if kind == "gap":
        return [nn.AdaptiveAvgPool2d(1), nn.Flatten()], (shape[0],)
    if kind == "flatten":
        if not spatial:
            raise LayerFault(index, layer, shape, "it is flat already", "remove the flatten")
        return [nn.Flatten()], (shape[0] * shape[1] * shape[2],)
    if kind == "fc":
        features = shape[0] * shape[1] * shape[2] if spatial else shape[0]
        flatten = [nn.Flatten()] if spatial else []
        return [*flatten, nn.Linear(features, width)], (width,)
    if kind == "bn":
        return [nn.BatchNorm2d(shape[0]) if spatial else nn.BatchNorm1d(shape[0])], shape
    if kind == "lrn":
        return [LocalResponseNorm()], shape
    if kind == "dropout":
        return [nn.Dropout(0.5 if layer.number is None else layer.number)], shape
    if kind in ACTIVATIONS:
        return activation(index, layer, shape)
    raise AssertionError(kind)  # the parser knows no other kind


def activation(index: int, layer: LayerSpec, shape: Shape) -> tuple[list[nn.Module], Shape]:
    if layer.kind == "maxout":
        pieces = layer.size or 2
        if shape[0] % pieces:
            raise LayerFault(
                index,
                layer,
                shape,
                f"{shape[0]} channels do not split into groups of {pieces}",
                f"a width that is a multiple of {pieces}",
            )
        return [Maxout(pieces)], (shape[0] // pieces, *shape[1:])
    if layer.kind == "leaky":
        return [nn.LeakyReLU(0.01 if layer.number is None else layer.number)], shape
    simple = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    return [simple[layer.kind]()], shape


def conv(index: int, layer: LayerSpec, shape: Shape) -> tuple[list[nn.Module], Shape]:
    channels, width = shape[0], layer.width
    stride, pad = layer.option("s", 1), layer.option("p", 0)
    dilation, groups = layer.option("d", 1), layer.option("g", 1)
    if channels % groups or width % groups:
        raise LayerFault(index, layer, shape, f"g={groups} does not divide {channels} input "
                         f"and {width} output channels", "groups that divide both")  # fmt: skip
    span = dilated_span(layer.size, dilation)
    if isinstance(pad, str):
        out = tf_sizes(index, layer, shape, span, stride, pad)
        module = TFConv2d(channels, width, layer.size, stride, pad.upper(), dilation, groups)
        return [module], (width, *out)
    out = fitting_sizes(index, layer, shape, span, stride, pad)
    module = nn.Conv2d(channels, width, layer.size, stride, pad, dilation, groups)
    return [module], (width, *out)


def locally_connected(index: int, layer: LayerSpec, shape: Shape):
    stride, pad = layer.option("s", 1), layer.option("p", 0)
    out = fitting_sizes(index, layer, shape, layer.size, stride, pad)
    module = LocallyConnected2d(shape[0], layer.width, shape[1:], layer.size, stride, pad)
    return [module], (layer.width, *out)


def pool(index: int, layer: LayerSpec, shape: Shape) -> tuple[list[nn.Module], Shape]:
    stride, pad = layer.option("s", layer.size), layer.option("p", 0)
    if isinstance(pad, str):
        out = tf_sizes(index, layer, shape, layer.size, stride, pad)
        kind = TFMaxPool2d if layer.kind == "maxpool" else TFAvgPool2d
        return [kind(layer.size, stride, pad.upper())], (shape[0], *out)
    if 2 * pad > layer.size:
        raise LayerFault(index, layer, shape, f"p={pad} is more than half the {layer.size}x"
                         f"{layer.size} window", f"p={layer.size // 2} or less")  # fmt: skip
    axes = [AxisOutput(side, layer.size, stride, pad) for side in shape[1:]]
    if min(axis.floor for axis in axes) < 1:
        raise LayerFault(index, layer, shape, f"the {layer.size}x{layer.size} window is larger "
                         "than the input", "a smaller window or a larger input")  # fmt: skip
    kind = nn.MaxPool2d if layer.kind == "maxpool" else nn.AvgPool2d
    return [kind(layer.size, stride, pad)], (shape[0], *(axis.floor for axis in axes))


def tf_sizes(index, layer: LayerSpec, shape: Shape, span: int, stride: int, pad: str):
    if pad == "valid" and min(shape[1:]) < span:
        raise LayerFault(index, layer, shape, f"the window of {span} is larger than the input "
                         "with VALID padding", "p=same or a larger input")  # fmt: skip
    return [tf_output_size(side, span, stride, pad) for side in shape[1:]]


def fitting_sizes(index, layer: LayerSpec, shape: Shape, span: int, stride: int, pad: int):
    """Output sizes when the window fits and the stride fits, else a LayerFault."""
    sizes = []
    for side in shape[1:]:
        axis = AxisOutput(side, span, stride, pad)
        if side + 2 * pad < span:
            need = -(-(span - side) // 2)
            raise LayerFault(
                index,
                layer,
                shape,
                f"the window of {span} is larger than the input padded by {pad}",
                f"p={need} or more, a smaller window or a larger input",
            )
        if not axis.fits:
            paddings = fitting_paddings(side, span, stride)
            fix = f"p={' or p='.join(map(str, paddings))}" if paddings else "another stride"
            raise LayerFault(
                index,
                layer,
                shape,
                f"stride {stride} does not fit: {axis.formula()} is not a whole number",
                f"{fix}, or p=same",
            )
        sizes.append(int(axis.exact))
    return sizes
