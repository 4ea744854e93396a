"""Figures without pyplot: matplotlib's object API, saved atomically as PNG.

pyplot keeps global state and picks a GUI backend; a ``Figure`` built directly draws
with Agg when saved and leaves a notebook's backend alone, so importing cnnlab never
changes how a user's own plots are shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnlab.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 120


def new_figure(figsize: tuple[float, float] = (6.4, 4.8)) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def subplots(rows: int = 1, columns: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """``(figure, axes)`` like ``pyplot.subplots``, on a figure pyplot does not track."""
    fig = new_figure(kwargs.pop("figsize", (6.4, 4.8)))
    return fig, fig.subplots(rows, columns, **kwargs)


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically; return the path."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
