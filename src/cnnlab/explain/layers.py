"""``explain fc-to-conv``, ``explain locally-connected``, ``explain tf-padding``: how
layers relate, counted on the layers themselves (built on PyTorch's meta device)."""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation, count, volume
from cnnlab.nn.locally_connected import LocallyConnected2d
from cnnlab.nn.tf_padding import same_padding, tf_output_size


def parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def explain_fc_to_conv(
    shape: tuple[int, int, int], units: int, larger: tuple[int, int] | None = None
) -> Derivation:
    """A fully connected layer of ``units`` on an (H, W, C) volume is an HxW convolution with
    ``units`` filters, P=0, S=1: the same weights rearranged (VGG's 7x7x512 -> 4096)."""
    height, width, channels = shape
    if units < 1 or min(shape) < 1:
        raise ConfigError(f"--units and --input must be positive, found {units} and {shape}")
    with torch.device("meta"):
        fc = nn.Linear(height * width * channels, units)
        conv = nn.Conv2d(channels, units, (height, width))
    step = Derivation("fc-to-conv", f"Fully connected {volume(shape)} -> {units} as a convolution")
    weights = height * width * channels * units
    step.add(
        f"FC: {height}*{width}*{channels}*{units} = {count(weights)} weights + {count(units)} "
        f"biases = {count(parameters(fc))} parameters",
        weights=weights,
        fc_params=parameters(fc),
    )
    step.add(
        f"as a convolution: {units} filters of {height}x{width}x{channels}, P=0, S=1 -> "
        f"output 1x1x{units}; {count(parameters(conv))} parameters, the same weights "
        "rearranged",
        conv_params=parameters(conv),
        conv_output=[1, 1, units],
    )
    if larger is not None:
        out = (larger[0] - height + 1, larger[1] - width + 1)
        if min(out) < 1:
            raise ConfigError(
                f"--larger {larger[0]}x{larger[1]} must be at least the input {height}x{width}"
            )
        step.add(
            f"on a larger {larger[0]}x{larger[1]}x{channels} map the same filters slide: "
            f"output {out[0]}x{out[1]}x{units}, a class score for every position in one pass",
            larger_output=[*out, units],
        )
    return step


def explain_locally_connected(
    shape: tuple[int, int, int], size: int, filters: int = 1
) -> Derivation:
    """Unshared weights against shared ones: a 32x32 input, 3x3 fields: 30^2 (3^2 + 1) =
    9,000 parameters; with three channels 25,200; shared, 28 (4 filters: 112)."""
    height, width, channels = shape
    if size < 1 or filters < 1 or size > min(height, width):
        raise ConfigError(
            f"--size must be in [1, {min(height, width)}] and --filters positive, found "
            f"{size} and {filters}"
        )
    out_h, out_w = height - size + 1, width - size + 1
    with torch.device("meta"):
        local = LocallyConnected2d(channels, filters, (height, width), size)
        conv = nn.Conv2d(channels, filters, size)
    step = Derivation(
        "locally-connected",
        f"Locally connected against convolution: input {volume(shape)}, {filters} "
        f"filter{'s' if filters > 1 else ''} of {size}x{size}",
    )
    inputs, outputs = height * width * channels, out_h * out_w * filters
    step.add(
        f"fully connected to the {out_h}x{out_w}x{filters} output: {count(inputs)} inputs * "
        f"{count(outputs)} outputs + {count(outputs)} biases = {count((inputs + 1) * outputs)}",
        fully_connected_params=(inputs + 1) * outputs,
    )
    step.add(
        f"locally connected ({size}x{size} fields, weights not shared): {out_h}*{out_w} "
        f"positions * {filters} * ({channels}*{size}^2 + 1) = {count(parameters(local))}",
        locally_connected_params=parameters(local),
    )
    step.add(
        f"shared (a convolution): {filters} * ({channels}*{size}^2 + 1) = "
        f"{count(parameters(conv))}; the same filter everywhere gives translation equivariance",
        conv_params=parameters(conv),
    )
    return step


def explain_tf_padding(width: int, size: int, stride: int) -> Derivation:
    """TensorFlow's VALID and SAME along one axis (width 13, filter 6, stride 5: VALID gives
    2 outputs and drops columns 12 and 13; SAME gives 3, padding 1 left and 2 right)."""
    if min(width, size, stride) < 1:
        raise ConfigError(
            f"--width, --size and --stride must be positive, found {width}, {size}, {stride}"
        )
    step = Derivation(
        "tf-padding", f"TensorFlow padding: input width {width}, filter {size}, stride {stride}"
    )
    if width >= size:
        valid = tf_output_size(width, size, stride, "VALID")
        used = (valid - 1) * stride + size
        dropped = list(range(used + 1, width + 1))
        step.add(
            f"VALID (no padding): ceil(({width} - {size} + 1)/{stride}) = {valid} outputs; "
            f"columns {', '.join(map(str, dropped)) or 'none'} are dropped",
            valid=valid,
            valid_dropped=dropped,
        )
    else:
        step.add(f"VALID: the filter {size} is wider than the input {width}: no output", valid=0)
    same = tf_output_size(width, size, stride, "SAME")
    left, right = same_padding(width, size, stride)
    step.add(
        f"SAME: ceil({width}/{stride}) = {same} outputs; padding ({same} - 1)*{stride} + {size} "
        f"- {width} = {left + right}, split {left} left and {right} right (the odd one right)",
        same=same,
        same_padding=[left, right],
    )
    return step
