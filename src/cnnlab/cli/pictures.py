"""Saving a picture where ``--out`` says (else its default place) and saying where."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from cnnlab.figure import Picture


def save_and_report(picture: Picture, out: Path | None) -> None:
    """Write ``picture``, then print its notes and the file written."""
    path = picture.save(out)
    console = Console()
    for note in picture.notes:
        console.print(note, markup=False, highlight=False)
    console.print(f"wrote {path}", markup=False, highlight=False)
