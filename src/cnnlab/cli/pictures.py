"""Saving a picture where ``--out`` says (else its default place) and saying where."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from cnnlab.figure import Picture


def require_out(model: str | Path, out: Path | None, what: str = "the PNG to write") -> None:
    """``--out`` is required when MODEL is weights (shipped, published or a file): they have
    no run folder to hold plots/, and nothing is written into the current folder unasked
    (the rule ``cnnlab export`` follows too). Checked before any work is done."""
    from cnnlab.errors import ConfigError

    named = str(model).startswith(("cnnlab:", "torchvision:"))
    if out is None and (named or Path(model).is_file()):
        raise ConfigError(
            f"--out: expected {what} for {model} (weights have no run folder to hold "
            "plots/), found none"
        )


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
