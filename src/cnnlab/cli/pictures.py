"""Saving a picture where ``--out`` says (else its default place) and saying where."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from cnnlab.figure import Picture


def save_and_report(picture: Picture, out: Path | None, what: str = "wrote") -> None:
    """Write ``picture``, then print its notes and the file written. A picture with no
    default place and no ``--out`` is not written (it would land in the current folder)."""
    console = Console()
    if out is None and picture.default_path is None:
        line = f"{what} not written (--out names the PNG)"
    else:
        line = f"{what} {picture.save(out)}"
    for note in picture.notes:
        console.print(note, markup=False, highlight=False)
    console.print(line, markup=False, highlight=False)
