"""``cnnlab data list`` and ``cnnlab data get``: the catalogue, and verified downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from cnnlab.cli.data import data_app
from cnnlab.cli.tables import one_line_table

if TYPE_CHECKING:
    from cnnlab.data.catalogue import CatalogueEntry

DATA_DIR_HELP = "Data folder (default: $CNNLAB_DATA, else the user's cache folder)."


def local_status(entry: CatalogueEntry, root: Path) -> str:
    """'bundled', 'yes' (every file there), 'partial' or 'no'."""
    if entry.bundled:
        return "bundled"
    folder = root / entry.folder
    found = [
        (folder / f.name).is_file() or (folder / f.name.removesuffix(".gz")).is_file()
        for f in entry.files
    ]
    return "yes" if all(found) else "partial" if any(found) else "no"


@data_app.command("list")
def list_command(data_dir: Path = typer.Option(None, help=DATA_DIR_HELP)) -> None:
    """The datasets cnnlab knows: image shape, classes, split sizes, and whether they are here."""
    from cnnlab.data import CATALOGUE, default_data_dir

    root = data_dir or default_data_dir()
    rows = [
        (
            entry.name,
            "x".join(map(str, entry.image_shape)),
            str(len(entry.classes)),
            f"{entry.split_sizes['train']:,}",
            f"{entry.split_sizes['test']:,}",
            local_status(entry, root),
            entry.title,
        )
        for entry in CATALOGUE.values()
    ]
    columns = ("name", "image", "classes", "train", "test", "local", "description")
    table = one_line_table(f"cnnlab datasets (data folder: {root})", columns, rows, "description")
    console = Console()
    console.print(table)
    console.print("Also: folder:PATH, any folder of images with one sub-folder per class.")


@data_app.command("get")
def get_command(
    name: str = typer.Argument(..., help="Dataset name (see `cnnlab data list`)."),
    data_dir: Path = typer.Option(None, help=DATA_DIR_HELP),
    mirror: list[str] = typer.Option(
        None, help="Base URL to download from instead of the catalogue's mirrors (repeatable)."
    ),
) -> None:
    """Download a dataset's files into the data folder and verify their checksums."""
    from cnnlab.data import catalogue_entry, default_data_dir, download

    entry = catalogue_entry(name)
    console = Console()
    if entry.bundled:
        console.print(f"{name} is bundled with scikit-learn: nothing to download")
        return
    root = data_dir or default_data_dir()
    mirrors = [m if m.endswith("/") else m + "/" for m in mirror] if mirror else None
    for path in download(entry, root, mirrors=mirrors, console=Console(stderr=True)):
        md5 = next(f.md5 for f in entry.files if f.name == path.name)
        console.print(f"{path}  md5 {md5} verified", markup=False, highlight=False)
