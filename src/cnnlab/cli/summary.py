"""``cnnlab summary`` and ``cnnlab receptive``: a model's layers, costs and receptive fields.

Both take a registered model name or a run folder (its model, with its trained
weights' shapes) and an input shape ``CxHxW`` (the model's default when left out).
The pass runs on PyTorch's meta device, so even VGG-16 takes no arithmetic.
"""

from __future__ import annotations

from pathlib import Path

import torch
import typer
from rich.console import Console
from rich.table import Table
from torch import nn

from cnnlab import models
from cnnlab.cli.app import app
from cnnlab.cli.arch import ARCH_HELP, arch_spec
from cnnlab.errors import ConfigError
from cnnlab.inspect import receptive_field, summary
from cnnlab.inspect.receptive import Axis, FieldRow
from cnnlab.inspect.summary_render import FORMATS, render_csv, render_json, table
from cnnlab.train import Run

INPUT_HELP = "Input shape CxHxW, batch left out (default: the model's own input)."
DEPTH_HELP = "Show layers down to this depth (the totals always count every layer)."
DEVICE_HELP = "Where the pass runs: meta (shapes only, no arithmetic) or a real device (cpu)."


def parse_shape(text: str) -> tuple[int, int, int]:
    """``"3x224x224"`` -> ``(3, 224, 224)``; a ConfigError saying what was given otherwise."""
    parts = text.lower().replace(",", "x").split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ConfigError(
            f"--input must be CxHxW with positive integers, got {text!r} (say 3x224x224)"
        )
    return shape  # type: ignore[return-value]


def load_target(target: str, device: str = "meta") -> tuple[nn.Module, str, tuple[int, int, int]]:
    """The model a NAME or RUN names, on ``device``, its title and its default input shape.

    A registered name is built on the meta device (no weights allocated) unless a real
    device is asked for; a path is opened as a run folder and its model rebuilt from
    the checkpoint.
    """
    if Path(target).exists() or "/" in target:
        model = Run.open(target).model
        name, args = model.cnnlab_name, model.cnnlab_args  # type: ignore[attr-defined]
        title = f"{target} ({name})"
        if device != "meta":
            model = model.to(device)
    else:
        name, args, title = target, {}, target
        models.get_model_info(name)  # an unknown name: the closest names, exit 2
        with torch.device(device):
            model = models.create(name)
    channels, *size = models.get_model_info(name).input_shape
    return model, title, (args.get("in_channels", channels), *size)


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
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if arch is not None:
        spec = arch_spec(arch, target)
        shape = parse_shape(input) if input else models.get_model_info("arch").input_shape
        with torch.device(_device(device)):
            model, title = models.create_arch(spec, shape), f"arch {spec}"
    elif target is None:
        raise ConfigError("give a model name, a run folder or --arch SPEC (see --help)")
    else:
        model, title, default = load_target(target, _device(device))
        shape = parse_shape(input) if input else default
    result = summary(model, shape, depth=depth, device=device)
    result.title = title
    if fmt == "table":
        Console().print(table(result))
    else:
        typer.echo(render_csv(result) if fmt == "csv" else render_json(result), nl=False)


def _device(name: str) -> str:
    try:
        torch.device(name)
    except RuntimeError:
        raise ConfigError(
            f"--device must name a torch device (meta, cpu, cuda), got {name!r}"
        ) from None
    return name


def _axis_text(axes: tuple[Axis, Axis], part: str) -> str:
    values = [getattr(a, part) for a in axes]
    texts = ["-" if v is None else f"{v:g}" for v in values]
    return texts[0] if texts[0] == texts[1] else "x".join(texts)


def field_table(rows: list[FieldRow], title: str, depth: int) -> Table:
    grid = Table(title=title, title_justify="left")
    for column in ("Layer (type)", "Name", "Output shape", "Field", "Jump", "Start"):
        grid.add_column(column, justify="right" if column in ("Field", "Jump", "Start") else "left")
    for row in rows:
        if row.depth > depth:
            continue
        cells = ["", "", ""] if row.field is None else [
            _axis_text(row.field, part) for part in ("field", "jump", "start")
        ]  # fmt: skip
        shape = str(list(row.output_shape)) if row.output_shape else "--"
        grid.add_row("  " * (row.depth - 1) + row.label, row.name, shape, *cells)
    return grid


@app.command("receptive")
def receptive_command(
    target: str = typer.Argument(..., metavar="NAME|RUN", help="Model name or run folder."),
    input: str = typer.Option(None, "--input", help=INPUT_HELP),  # noqa: A002
    depth: int = typer.Option(3, "--depth", min=1, help=DEPTH_HELP),
) -> None:
    """Receptive field, jump and start of every layer, in input pixels."""
    model, title, default = load_target(target)
    shape = parse_shape(input) if input else default
    rows = receptive_field(model, shape)
    size = "x".join(str(d) for d in shape)
    Console().print(field_table(rows, f"{title} on {size}: receptive fields", depth))
