"""The image files a command line names: files, folders (searched recursively) and globs."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from cnnlab.data.images import BadImage

GLOB_CHARACTERS = set("*?[")
# A folder's files with these suffixes are predicted; a file named on its own always is.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                  ".pgm", ".pbm"}  # fmt: skip


def expand_images(arguments: Sequence[str | Path]) -> tuple[list[Path], list[BadImage]]:
    """Every file the arguments name, in order and once each, and the arguments that name
    nothing (a missing file, an empty folder, a glob that matches no file)."""
    found: list[Path] = []
    missing: list[BadImage] = []
    for argument in arguments:
        text = str(argument)
        if GLOB_CHARACTERS & set(text) and not Path(text).exists():
            matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
            files = [p for m in matches for p in (folder_files(m) if m.is_dir() else [m])]
            reason = "expected files matching this pattern, found none"
        elif Path(text).is_dir():
            files = folder_files(Path(text))
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            reason = f"expected image files ({suffixes}) in this folder, found none"
        elif Path(text).exists():
            files = [Path(text)]
        else:
            files, reason = [], "expected an image file, found no such file or folder"
        if not files:
            missing.append(BadImage(Path(text), reason))
        found += files
    return list(dict.fromkeys(found)), missing


def folder_files(folder: Path) -> list[Path]:
    """The image files under ``folder``, recursively, in sorted order; hidden ones left
    out."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
