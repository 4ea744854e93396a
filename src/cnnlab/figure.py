"""Figures without pyplot: matplotlib's object API, saved atomically as PNG.

pyplot keeps global state and picks a GUI backend; a ``Figure`` built directly draws
with Agg when saved and leaves a notebook's backend alone, so importing cnnlab never
changes how a user's own plots are shown.

A picture-making function returns a :class:`Picture`: the numbers behind it, a title, the
file it goes to unless told otherwise, and ``save`` to draw it. ``saliency_picture(run,
index=3).save()`` writes ``RUN/plots/saliency-test3.png`` from a notebook exactly as
``cnnlab viz saliency RUN --index 3`` does from the shell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnlab.atomic import atomic_write
from cnnlab.errors import ConfigError

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


@dataclass(kw_only=True)
class Picture:
    title: str
    default_path: Path | None  # where save() writes when given no path (None: it must be told)
    notes: list[str] = field(default_factory=list)  # lines worth printing beside the path

    def save(self, path: str | Path | None = None) -> Path:
        """Draw the picture into the PNG ``path`` (default: ``default_path``); the path."""
        target = path if path is not None else self.default_path
        if target is None:
            raise ConfigError(f"no file named for {self.title!r}: give a path (--out)")
        return self.draw(Path(target))

    def draw(self, path: Path) -> Path:
        raise NotImplementedError
