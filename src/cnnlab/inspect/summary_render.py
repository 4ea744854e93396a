"""Printing a :class:`~cnnlab.inspect.summary.ModelSummary`: rich table, CSV or JSON.

The table lists the rows down to the summary's depth (children indented under their
parent), then the parameter counts, the total MACs and the memory block in
torchsummary's wording. CSV has one line per row (all depths); JSON holds the rows
and every total, for programs.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cnnlab.units import format_macs

if TYPE_CHECKING:
    from cnnlab.inspect.summary import LayerRow, ModelSummary

FORMATS = ("table", "csv", "json")


def shape_text(row: LayerRow) -> str:
    """``[1, 6, 28, 28]``; several outputs comma-separated, none ``--``."""
    return ", ".join(str(list(s)) for s in row.output_shapes) or "--"


def totals_lines(summary: ModelSummary) -> list[str]:
    """Parameter counts and MACs, a blank line, then the memory estimate."""
    memory = summary.memory
    return [
        f"Total params: {summary.total_params:,}",
        f"Trainable params: {summary.trainable_params:,}",
        f"Non-trainable params: {summary.non_trainable_params:,}",
        f"Total MACs: {summary.total_macs:,} ({format_macs(summary.total_macs)})",
        "",
        f"Input size (MB): {memory.input_mb:.2f}",
        f"Forward/backward pass size (MB): {memory.forward_backward_mb:.2f}",
        f"Params size (MB): {memory.params_mb:.2f}",
        f"Estimated Total Size (MB): {memory.total_mb:.2f}",
    ]


def table(summary: ModelSummary) -> Group:
    """The rich renderable: the layer table, then the totals."""
    shape = "x".join(str(d) for d in summary.input_shape)
    grid = Table(title=f"{summary.title} on {shape}", title_justify="left")
    grid.add_column("Layer (type)")
    grid.add_column("Name")
    grid.add_column("Output shape")
    grid.add_column("Param #", justify="right")
    grid.add_column("MACs", justify="right")
    for row in summary.visible_rows():
        indent = "  " * (row.depth - 1)
        grid.add_row(
            indent + row.label, row.name, shape_text(row), f"{row.params:,}", f"{row.macs:,}"
        )
    return Group(grid, Text("\n".join(totals_lines(summary))))


def render_text(summary: ModelSummary, width: int = 120) -> str:
    """The table as plain text (no colour), as the golden files keep it."""
    console = Console(width=width, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(table(summary))
    return "".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines())


def render_csv(summary: ModelSummary) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", "layer", "name", "depth", "output_shape", "params", "macs"])
    for row in summary.rows:
        shapes = ";".join("x".join(str(d) for d in s) for s in row.output_shapes)
        writer.writerow([row.index, row.label, row.name, row.depth, shapes, row.params, row.macs])
    return out.getvalue()


def as_dict(summary: ModelSummary) -> dict[str, Any]:
    memory = summary.memory
    return {
        "model": summary.title,
        "input_shape": list(summary.input_shape),
        "layers": [
            {
                "index": row.index,
                "layer": row.label,
                "type": row.kind,
                "name": row.name,
                "depth": row.depth,
                "output_shapes": [list(s) for s in row.output_shapes],
                "params": row.params,
                "macs": row.macs,
            }
            for row in summary.rows
        ],
        "total_params": summary.total_params,
        "trainable_params": summary.trainable_params,
        "non_trainable_params": summary.non_trainable_params,
        "total_macs": summary.total_macs,
        "memory_mb": {
            "input": float(f"{memory.input_mb:.2f}"),
            "forward_backward": float(f"{memory.forward_backward_mb:.2f}"),
            "params": float(f"{memory.params_mb:.2f}"),
            "total": float(f"{memory.total_mb:.2f}"),
        },
    }


def render_json(summary: ModelSummary) -> str:
    return json.dumps(as_dict(summary), indent=1) + "\n"
