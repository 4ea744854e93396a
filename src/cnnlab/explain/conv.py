"""``explain conv`` and ``explain pool``: output size, parameters, MACs and memory of one
layer, the formula (W - F + 2P)/S + 1 with the user's numbers filled in."""

from __future__ import annotations

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation, count, volume
from cnnlab.nn.conv_arith import AxisOutput, dilated_span, fitting_paddings

FLOAT32_BYTES = 4


def check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ConfigError(f"--{name} must be a positive integer, found {value}")


def output_sizes(step: Derivation, shape: tuple[int, int, int], span: int, stride: int, pad: int):
    """The output height and width, each worked out; None where the stride does not fit."""
    sizes: list[int] = []
    for axis_name, side in (("height", shape[0]), ("width", shape[1])):
        axis = AxisOutput(side, span, stride, pad)
        step.add(f"output {axis_name}: (W - F + 2P)/S + 1 = {axis.formula()}")
        if side + 2 * pad < span:
            step.add(f"  the window of {span} is larger than the padded input {side + 2 * pad}")
            return None
        if not axis.fits:
            fits = fitting_paddings(side, span, stride)
            hint = (
                f"paddings that fit: {', '.join(map(str, fits))}"
                if fits
                else f"no padding fits ({side} - {span} is odd, 2P is even); change the stride"
            )
            step.add(
                f"  stride {stride} does not fit: {axis_name} {side}, filter {span}, padding "
                f"{pad} leave a remainder (PyTorch would drop it and give {axis.floor}); {hint}",
                fits=False,
                paddings_that_fit=fits,
            )
            return None
        sizes.append(int(axis.exact))
    step.values["fits"] = True
    return sizes


def explain_conv(
    shape: tuple[int, int, int],
    filters: int,
    size: int,
    stride: int = 1,
    pad: int = 0,
    dilation: int = 1,
) -> Derivation:
    """A convolution of ``filters`` FxF filters over an ``shape`` = (H, W, C) volume."""
    check_positive(filters=filters, size=size, stride=stride, dilation=dilation)
    if pad < 0:
        raise ConfigError(f"--pad must be an integer >= 0, found {pad}")
    height, width, channels = shape
    span = dilated_span(size, dilation)
    step = Derivation(
        "conv",
        f"Convolution: input {volume(shape)}, {filters} filter{'s' if filters > 1 else ''} "
        f"{size}x{size}, stride {stride}, "
        f"pad {pad}" + (f", dilation {dilation} (span {span})" if dilation > 1 else ""),
    )
    weights = size * size * channels
    step.add(
        f"parameters: each filter has {size}*{size}*{channels} = {weights} weights + 1 bias, "
        f"so ({weights} + 1) * {filters} = {count((weights + 1) * filters)}",
        params=(weights + 1) * filters,
        weights_per_filter=weights,
    )
    sizes = output_sizes(step, shape, span, stride, pad)
    if sizes is None:
        return step
    out = (*sizes, filters)
    values = sizes[0] * sizes[1] * filters
    step.add(f"output volume: {volume(out)}", output=list(out))
    step.add(
        f"MACs: {volume(out)} outputs * {weights} multiply-adds each = {count(values * weights)}",
        macs=values * weights,
    )
    step.add(
        f"activation memory: {count(values)} values = {count(values * FLOAT32_BYTES)} bytes "
        "in float32",
        activations=values,
    )
    return step


def explain_pool(shape: tuple[int, int, int], size: int, stride: int | None = None) -> Derivation:
    """Pooling FxF at stride S over an (H, W, C) volume: the size formula, no parameters."""
    stride = size if stride is None else stride
    check_positive(size=size, stride=stride)
    step = Derivation(
        "pool", f"Pooling: input {volume(shape)}, window {size}x{size}, stride {stride}"
    )
    step.add("parameters: 0 (pooling has no weights; each map is pooled alone)", params=0)
    sizes = output_sizes(step, shape, size, stride, 0)
    if sizes is None:
        return step
    out = (*sizes, shape[2])
    values = sizes[0] * sizes[1] * shape[2]
    step.add(f"output volume: {volume(out)} (the depth stays {shape[2]})", output=list(out))
    step.add(
        f"activation memory: {count(values)} values = {count(values * FLOAT32_BYTES)} bytes "
        "in float32",
        activations=values,
    )
    step.add(
        "backward: max pooling routes each gradient to the input that won its window; "
        "average pooling shares it equally among the window's inputs"
    )
    return step
