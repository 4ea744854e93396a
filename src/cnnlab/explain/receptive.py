"""``explain receptive``: the receptive field of a stack of convolutions, and what a stack
of small filters saves against one large filter (Simonyan and Zisserman, 2014: three 3x3
convolutions see 7x7 with 3 * 3^2 C^2 = 27C^2 weights, one 7x7 needs 49C^2)."""

from __future__ import annotations

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation, count

MAX_LAYERS = 1000


def explain_receptive(
    kernels: list[int], strides: list[int] | None = None, channels: int | None = None
) -> Derivation:
    """Field r and jump j grow layer by layer: r += (k - 1) j, then j *= s."""
    strides = strides or [1] * len(kernels)
    if not kernels or len(kernels) > MAX_LAYERS or min(kernels) < 1:
        raise ConfigError(
            f"--kernels must be 1 to {MAX_LAYERS} positive filter sizes, found {kernels}"
        )
    if len(strides) != len(kernels) or min(strides) < 1:
        raise ConfigError(
            f"--strides must give one positive stride per kernel ({len(kernels)}), found {strides}"
        )
    if channels is not None and channels < 1:
        raise ConfigError(f"--channels must be a positive integer, found {channels}")
    step = Derivation(
        "receptive",
        f"Receptive field of {len(kernels)} stacked convolutions: kernels "
        f"{', '.join(map(str, kernels))}, strides {', '.join(map(str, strides))}",
    )
    field, jump, fields = 1, 1, []
    for index, (kernel, stride) in enumerate(zip(kernels, strides, strict=True), start=1):
        grown = field + (kernel - 1) * jump
        step.add(
            f"layer {index}: {kernel}x{kernel} stride {stride}: r = {field} + ({kernel} - 1)*"
            f"{jump} = {grown}"
            + (f", jump {jump}*{stride} = {jump * stride}" if stride > 1 else "")
        )
        field, jump = grown, jump * stride
        fields.append(field)
    step.add(f"each output sees {field}x{field} input pixels", field=field, fields=fields)
    if max(strides) > 1:
        return step
    stack = sum(k * k for k in kernels)
    terms = " + ".join(f"{k}^2" for k in kernels)
    step.add(
        f"weights with C channels in and out: the stack {terms} = {stack}C^2 against one "
        f"{field}x{field} convolution's {field}^2 = {field * field}C^2",
        stack_weights_per_c2=stack,
        single_weights_per_c2=field * field,
    )
    if channels is not None:
        step.add(
            f"with C = {channels}: {count(stack * channels**2)} against "
            f"{count(field * field * channels**2)} weights, and {len(kernels)} non-linearities "
            "against 1",
            stack_weights=stack * channels**2,
            single_weights=field * field * channels**2,
        )
    return step
