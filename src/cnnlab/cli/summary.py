"""``cnnlab summary`` and ``cnnlab receptive``: a model's layers, costs and receptive fields.

Both take a registered model name or a run folder (its model, with its trained
weights' shapes) and an input shape ``CxHxW`` (the model's default when left out).
The pass runs on PyTorch's meta device, so even VGG-16 takes no arithmetic.
"""

from __future__ import annotations

import typer
from rich.console import Console

from cnnlab.cli.app import app
from cnnlab.cli.arch import ARCH_HELP, arch_spec
from cnnlab.errors import ConfigError

INPUT_HELP = "Input shape CxHxW, batch left out (default: the model's own input)."
DEPTH_HELP = "Show layers down to this depth (the totals always count every layer)."
DEVICE_HELP = "Where the pass runs: meta (shapes only, no arithmetic) or a real device (cpu)."
TARGET = typer.Argument(..., metavar="NAME|RUN", help="Model name or run folder.")


@app.command("summary")
def summary_command(
    target: str = typer.Argument(None, metavar="NAME|RUN", help="Model name or run folder."),
    input: str = typer.Option(None, "--input", help=INPUT_HELP),  # noqa: A002
    depth: int = typer.Option(3, "--depth", min=1, help=DEPTH_HELP),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    device: str = typer.Option("meta", "--device", help=DEVICE_HELP),
    arch: str = typer.Option(None, "--arch", help=ARCH_HELP),
) -> None:
    """Per-layer output shapes, parameters and MACs, then totals and memory."""
    from cnnlab.inspect.summary_render import FORMATS, render_csv, render_json, table
    from cnnlab.inspect.targets import summarise, summarise_arch

    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if arch is not None:
        result = summarise_arch(arch_spec(arch, target), input, depth=depth, device=device)
    elif target is None:
        raise ConfigError("give a model name, a run folder or --arch SPEC (see --help)")
    else:
        result = summarise(target, input, depth=depth, device=device)
    if fmt == "table":
        Console().print(table(result))
    else:
        typer.echo(render_csv(result) if fmt == "csv" else render_json(result), nl=False)


@app.command("receptive")
def receptive_command(
    target: str = TARGET,
    input: str = typer.Option(None, "--input", help=INPUT_HELP),  # noqa: A002
    depth: int = typer.Option(3, "--depth", min=1, help=DEPTH_HELP),
) -> None:
    """Receptive field, jump and start of every layer, in input pixels."""
    from cnnlab.inspect.targets import receptive_fields

    Console().print(receptive_fields(target, input).table(depth))
