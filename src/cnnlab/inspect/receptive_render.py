"""Printing receptive fields: one row per layer, field, jump and start in input pixels."""

from __future__ import annotations

from rich.table import Table

from cnnlab.inspect.receptive import Axis, FieldRow


def _axis_text(axes: tuple[Axis, Axis], part: str) -> str:
    values = [getattr(a, part) for a in axes]
    texts = ["-" if v is None else f"{v:g}" for v in values]
    return texts[0] if texts[0] == texts[1] else "x".join(texts)


def field_table(rows: list[FieldRow], title: str, depth: int) -> Table:
    """The rows down to ``depth`` (children indented); a square field shows one number."""
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
