"""One-line-per-row rich tables: every column whole except one, which is cut to fit."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

NUMERIC = {"params", "MACs", "train", "test"}  # right-aligned columns


def one_line_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], cut: str
) -> Table:
    """A table whose column ``cut`` takes what the terminal leaves once every other column
    is whole, ending in an ellipsis when it must, so no row wraps onto several lines."""
    index = list(columns).index(cut)
    others = sum(
        max(len(column), *(len(row[i]) for row in rows)) + 3
        for i, column in enumerate(columns)
        if i != index
    )
    table = Table(title=title)
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in NUMERIC else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=max(12, Console().width - others - 4) if column == cut else None,
        )
    for row in rows:
        table.add_row(*row)
    return table
