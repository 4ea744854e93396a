"""``cnnlab explain TOPIC``: the lectures' worked maths, with the user's numbers.

Each command makes one :mod:`cnnlab.explain` call and prints the derivation, or its numbers
as JSON with ``--json``. Volumes are written as the lectures write them, HxWxC (32x32x3).
"""

from __future__ import annotations

import typer

from cnnlab.errors import ConfigError

explain_app = typer.Typer()

JSON = typer.Option(False, "--json", help="Print the numbers as JSON.")


def parse_volume(text: str, option: str = "--input") -> tuple[int, int, int]:
    """``"32x32x3"`` -> (32, 32, 3), height x width x depth."""
    try:
        shape = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ConfigError(
            f"{option} must be HxWxC with positive integers (32x32x3), found {text!r}"
        )
    return shape  # type: ignore[return-value]


def parse_numbers(text: str, option: str, kind: type = float) -> list:
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{option} must be comma-separated numbers, found {text!r}") from None


def show(derivation, as_json: bool) -> None:
    typer.echo(derivation.json() if as_json else derivation.text(), nl=False)


@explain_app.command("conv")
def conv_command(
    input: str = typer.Option("32x32x3", "--input", help="Input volume HxWxC."),  # noqa: A002
    filters: int = typer.Option(10, "--filters", help="Number of filters K."),
    size: int = typer.Option(5, "--size", help="Filter size F (FxF)."),
    stride: int = typer.Option(1, "--stride", help="Stride S."),
    pad: int = typer.Option(0, "--pad", help="Zero padding P on each side."),
    dilation: int = typer.Option(1, "--dilation", help="Dilation D."),
    as_json: bool = JSON,
) -> None:
    """Output size (W - F + 2P)/S + 1, parameters, MACs and memory of a convolution."""
    from cnnlab.explain import explain_conv

    show(explain_conv(parse_volume(input), filters, size, stride, pad, dilation), as_json)


@explain_app.command("pool")
def pool_command(
    input: str = typer.Option("224x224x64", "--input", help="Input volume HxWxC."),  # noqa: A002
    size: int = typer.Option(2, "--size", help="Window F (FxF)."),
    stride: int = typer.Option(None, "--stride", help="Stride S (default: F)."),
    as_json: bool = JSON,
) -> None:
    """Output size and memory of a pooling layer (no parameters)."""
    from cnnlab.explain import explain_pool

    show(explain_pool(parse_volume(input), size, stride), as_json)


@explain_app.command("toeplitz")
def toeplitz_command(
    input: str = typer.Option(None, "--input", help="Rows split by ';': '4,5,8,7;1,8,8,8;...'."),  # noqa: A002
    kernel: str = typer.Option(None, "--kernel", help="Rows split by ';': '1,4,1;1,4,3;3,3,1'."),
    as_json: bool = JSON,
) -> None:
    """A convolution as a matrix product: the convolution matrix, v(x) and the result."""
    from cnnlab.explain import explain_toeplitz, parse_matrix

    x = parse_matrix(input, "--input") if input else None
    u = parse_matrix(kernel, "--kernel") if kernel else None
    show(explain_toeplitz(x, u), as_json)


@explain_app.command("receptive")
def receptive_command(
    kernels: str = typer.Option("3,3,3", "--kernels", help="Filter sizes, first layer first."),
    strides: str = typer.Option(None, "--strides", help="Strides (default: all 1)."),
    channels: int = typer.Option(None, "--channels", help="C, to count the weights too."),
    as_json: bool = JSON,
) -> None:
    """Receptive field of stacked convolutions; small stacked filters against one large."""
    from cnnlab.explain import explain_receptive

    kernel_list = parse_numbers(kernels, "--kernels", int)
    stride_list = parse_numbers(strides, "--strides", int) if strides else None
    show(explain_receptive(kernel_list, stride_list, channels), as_json)


@explain_app.command("fc-to-conv")
def fc_to_conv_command(
    input: str = typer.Option("7x7x512", "--input", help="The FC layer's input HxWxC."),  # noqa: A002
    units: int = typer.Option(4096, "--units", help="The FC layer's outputs."),
    larger: str = typer.Option(None, "--larger", help="A larger map HxW to slide over."),
    as_json: bool = JSON,
) -> None:
    """A fully connected layer as a convolution with the same parameters."""
    from cnnlab.explain import explain_fc_to_conv

    size = parse_volume(f"{larger}x1", "--larger")[:2] if larger else None
    show(explain_fc_to_conv(parse_volume(input), units, size), as_json)


@explain_app.command("locally-connected")
def locally_connected_command(
    input: str = typer.Option("32x32x3", "--input", help="Input volume HxWxC."),  # noqa: A002
    size: int = typer.Option(3, "--size", help="Field size F (FxF)."),
    filters: int = typer.Option(1, "--filters", help="Output maps."),
    as_json: bool = JSON,
) -> None:
    """Parameters of fully connected, locally connected and convolutional layers."""
    from cnnlab.explain import explain_locally_connected

    show(explain_locally_connected(parse_volume(input), size, filters), as_json)


@explain_app.command("tf-padding")
def tf_padding_command(
    width: int = typer.Option(13, "--width", help="Input width."),
    size: int = typer.Option(6, "--size", help="Filter width."),
    stride: int = typer.Option(5, "--stride", help="Stride."),
    as_json: bool = JSON,
) -> None:
    """TensorFlow's VALID and SAME padding along one axis."""
    from cnnlab.explain import explain_tf_padding

    show(explain_tf_padding(width, size, stride), as_json)


@explain_app.command("inception")
def inception_command(
    side: int = typer.Option(28, "--side", help="Input height and width."),
    depth: int = typer.Option(256, "--depth", help="Input channels."),
    conv1: int = typer.Option(128, "--conv1", help="1x1 filters."),
    conv3: int = typer.Option(192, "--conv3", help="3x3 filters."),
    conv5: int = typer.Option(96, "--conv5", help="5x5 filters."),
    reduce3: int = typer.Option(128, "--reduce3", help="1x1 filters before the 3x3."),
    reduce5: int = typer.Option(32, "--reduce5", help="1x1 filters before the 5x5."),
    pool_proj: int = typer.Option(64, "--pool-proj", help="1x1 filters after the pooling."),
    as_json: bool = JSON,
) -> None:
    """Multiply-adds of the naive Inception module and of the one with 1x1 reductions."""
    from cnnlab.explain import explain_inception
    from cnnlab.explain.inception import Branches

    reduced = Branches(conv1, conv3, conv5, reduce3, reduce5, pool_proj)
    show(explain_inception(side, depth, reduced), as_json)


@explain_app.command("backprop")
def backprop_command(
    x: str = typer.Option("1,0.5", "--x", help="Inputs."),
    w: str = typer.Option("0.3,-0.2", "--w", help="Weights, one per input."),
    b: float = typer.Option(0.1, "--b", help="Bias."),
    t: float = typer.Option(1.0, "--t", help="Target."),
    lr: float = typer.Option(0.5, "--lr", help="Learning rate eta."),
    as_json: bool = JSON,
) -> None:
    """One sigmoid unit with squared error: forward, delta rule, update, checked by autograd."""
    from cnnlab.explain import explain_backprop

    show(explain_backprop(parse_numbers(x, "--x"), parse_numbers(w, "--w"), b, t, lr), as_json)
