"""One unit of one layer: its value, where it looks in the input, and, for a convolution,
the arithmetic that made it.

A convolution unit at channel ``k``, row ``y``, column ``x`` is

    value = sum over c, i, j of  patch[c, i, j] * kernel[k, c, i, j]  +  bias[k]

where ``patch`` is the layer's own input (padding included) under the kernel placed at
``(y * stride, x * stride)``, read every ``dilation`` pixels, over the channels of the
unit's group. The numbers come from the same forward pass as the value, so the page's
formula view adds up to the activation it shows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.inspect.receptive import Field
from cnnlab.serve.lab import Fitted, Lab, Layer


def check_unit(layer: Layer, channel: int, y: int, x: int) -> None:
    """A ConfigError naming the first of ``channel``, ``y``, ``x`` outside the layer."""
    channels, height, width = layer.shape if len(layer.shape) == 3 else (*layer.shape, 1, 1)
    for name, value, size in (("channel", channel, channels), ("y", y, height), ("x", x, width)):
        if not 0 <= value < size:
            raise ConfigError(
                f"{name} {value} is out of range: layer {layer.name} output is "
                f"{'x'.join(map(str, layer.shape))}, so {name} is 0..{size - 1}"
            )


def field_box(field: Field | None, y: int, x: int, size: tuple[int, int]) -> dict | None:
    """The input pixels (top, left, height, width) a unit at (y, x) sees, clipped to the
    input of ``size`` (H, W); None when the layer does not derive from the input."""
    if field is None:
        return None
    box = []
    for axis, index, limit in zip(field, (y, x), size, strict=True):
        centre = axis.start + index * (axis.jump or 0)
        low = max(0, round(centre - axis.field / 2))
        high = min(limit, round(centre + axis.field / 2))
        box.append((low, max(0, high - low)))
    (top, height), (left, width) = box
    return {"top": top, "left": left, "height": height, "width": width}


def conv_padding(conv: nn.Conv2d) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) zeros or border the convolution adds to its input."""
    if conv.padding == "valid":
        return (0, 0, 0, 0)
    if conv.padding == "same":
        spans = [d * (k - 1) for k, d in zip(conv.kernel_size, conv.dilation, strict=True)]
        (top, bottom), (left, right) = [(s // 2, s - s // 2) for s in spans]
        return (left, right, top, bottom)
    pad_y, pad_x = conv.padding
    return (pad_x, pad_x, pad_y, pad_y)


def conv_arithmetic(conv: nn.Conv2d, inputs: torch.Tensor, channel: int, y: int, x: int) -> dict:
    """Patch, kernel, bias and sums of the convolution unit (``inputs``: its (C, H, W)
    input)."""
    mode = "constant" if conv.padding_mode == "zeros" else conv.padding_mode
    padded = F.pad(inputs[None].double(), conv_padding(conv), mode=mode)[0]
    per_group = conv.out_channels // conv.groups
    first = (channel // per_group) * (conv.in_channels // conv.groups)
    (kh, kw), (sy, sx), (dy, dx) = conv.kernel_size, conv.stride, conv.dilation
    top, left = y * sy, x * sx
    patch = padded[
        first : first + conv.in_channels // conv.groups,
        top : top + dy * (kh - 1) + 1 : dy,
        left : left + dx * (kw - 1) + 1 : dx,
    ]
    kernel = conv.weight[channel].detach().double().cpu()
    bias = float(conv.bias[channel].detach()) if conv.bias is not None else 0.0
    products = float((patch.cpu() * kernel).sum())
    return {
        "patch": patch.cpu().tolist(),
        "kernel": kernel.tolist(),
        "bias": bias,
        "products_sum": products,
        "sum": products + bias,
    }


def unit(lab: Lab, fitted: Fitted, name: str, channel: int, y: int, x: int) -> dict:
    """The unit's value, its receptive field in the input, and for a Conv2d its arithmetic."""
    layer = lab.layer(name)
    check_unit(layer, channel, y, x)
    seen: dict[str, torch.Tensor] = {}

    def keep(_module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        seen["input"], seen["output"] = inputs[0].detach().clone(), output.detach().clone()

    with lab.lock:
        handle = layer.module.register_forward_hook(keep)
        try:
            with torch.no_grad():
                lab.model(lab.view(fitted))
        finally:
            handle.remove()
    output = seen["output"][0]
    value = output[channel, y, x] if output.ndim == 3 else output[channel]
    arithmetic = None
    if isinstance(layer.module, nn.Conv2d):
        arithmetic = conv_arithmetic(layer.module, seen["input"][0], channel, y, x)
    _, height, width = lab.run.input_shape
    return {
        "layer": name,
        "channel": channel,
        "y": y,
        "x": x,
        "value": float(value),
        "receptive_field": field_box(lab.field(name), y, x, (height, width)),
        "arithmetic": arithmetic,
    }
