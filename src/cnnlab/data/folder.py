"""Any folder of images with one sub-folder per class, as an in-memory dataset.

``cnnlab.data.load("folder:PATH")`` (or ``load("folder", data_dir=PATH)``) reads
``PATH/<class>/<image files>``; classes are the sub-folder names in sorted order. A
folder with ``train/`` and ``test/`` sub-folders, each laid out that way, gives those
splits; otherwise a stratified fifth is held out as the test split. Images are
decoded by DataLoader worker processes, resized to one size (the most common one
unless ``image_size`` is given) and kept as uint8; a folder whose images are all grey
gets one channel, any other three. For folders too large for memory, stream them with
:class:`cnnlab.data.ImageFolderLoader`.

Bad files (empty, truncated, corrupt, not an image, a decompression bomb) are all
found before anything is reported: ``on_bad_image="fail"`` raises one DataError that
lists every one of them; ``"skip"`` leaves them out and prints the same list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from rich.console import Console

from cnnlab.data.dataset import Dataset, stratified_split
from cnnlab.data.images import (
    ON_BAD_IMAGE,
    BadImage,
    ImageFiles,
    bad_images_message,
    collate,
    default_workers,
    image_header,
)
from cnnlab.errors import DataError

TEST_FRACTION = 0.2  # held out as the test split when the folder has no test/ sub-folder
MAX_IN_MEMORY_BYTES = 8 << 30  # larger folders should stream (ImageFolderLoader)
GREY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


@dataclass(frozen=True)
class ClassFolder:
    root: Path
    classes: tuple[str, ...]
    samples: tuple[tuple[Path, int], ...]  # (file, label), in sorted order

    def fingerprint(self) -> tuple:
        """Names, sizes and times of every file: a changed folder is read again."""
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p, _ in self.samples)


def scan_class_folder(root: str | Path) -> ClassFolder:
    """The class sub-folders of ``root`` and their files; DataErrors for a bad layout."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: expected a folder of class sub-folders, found no such folder")
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    class_dirs = [p for p in entries if p.is_dir()]
    if not class_dirs:
        found = ", ".join(p.name for p in entries[:5]) or "nothing"
        raise DataError(
            f"{root}: expected one sub-folder per class holding its images, found no "
            f"sub-folders ({found})"
        )
    samples = []
    for label, folder in enumerate(class_dirs):
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise DataError(f"{folder}: expected the images of class {folder.name!r}, found none")
        samples += [(path, label) for path in files]
    return ClassFolder(root, tuple(p.name for p in class_dirs), tuple(samples))


def load_folder(
    root: str | Path,
    *,
    seed: int = 0,
    on_bad_image: str = "fail",
    image_size: int | tuple[int, int] | None = None,
    max_side: int | None = None,
) -> dict[str, Dataset]:
    """The official ``train`` and ``test`` splits of an image folder, decoded into memory.

    Without ``image_size`` every image takes the most common size, scaled down (aspect
    kept) so that no side exceeds ``max_side`` when it is given: a preview of big photos
    decodes to small arrays instead of holding them whole."""
    if on_bad_image not in ON_BAD_IMAGE:
        raise DataError(
            f"on_bad_image must be one of {', '.join(ON_BAD_IMAGE)}, found {on_bad_image!r}"
        )
    root = Path(root)
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if (root / "train").is_dir() and (root / "test").is_dir():
        train, test = scan_class_folder(root / "train"), scan_class_folder(root / "test")
        if train.classes != test.classes:
            raise DataError(
                f"{root}: expected the same classes in train/ and test/, found "
                f"{list(train.classes)} and {list(test.classes)}"
            )
        return {
            "train": decode(train, on_bad_image, size, max_side),
            "test": decode(test, on_bad_image, size, max_side),
        }
    full = decode(scan_class_folder(root), on_bad_image, size, max_side)
    train, test = stratified_split(full, TEST_FRACTION, seed)
    return {"train": train, "test": test}


def decode(
    folder: ClassFolder,
    on_bad_image: str,
    size: tuple[int, int] | None = None,
    max_side: int | None = None,
) -> Dataset:
    """Every image of ``folder`` as one uint8 tensor (decoded once per folder state)."""
    return _decode_cached(folder, folder.fingerprint(), on_bad_image, size, max_side)


@lru_cache(maxsize=4)
def _decode_cached(
    folder: ClassFolder,
    fingerprint: tuple,
    on_bad_image: str,
    size: tuple[int, int] | None,
    max_side: int | None,
) -> Dataset:
    return decode_folder(folder, on_bad_image, size, max_side=max_side)


def decode_folder(
    folder: ClassFolder,
    on_bad_image: str = "fail",
    size: tuple[int, int] | None = None,
    num_workers: int | None = None,
    max_side: int | None = None,
) -> Dataset:
    """Decode every image of ``folder`` (in worker processes unless it is small)."""
    headers = {path: image_header(path) for path, _ in folder.samples}
    bad = [h for h in headers.values() if isinstance(h, BadImage)]
    good = [
        (path, label) for path, label in folder.samples if not isinstance(headers[path], BadImage)
    ]
    shapes = Counter(headers[path][0] for path, _ in good)
    size = size or fitted(shapes.most_common(1)[0][0] if shapes else (32, 32), max_side)
    grey = all(headers[path][1] in GREY_MODES for path, _ in good)
    _check_memory(folder.root, len(good), size, 1 if grey else 3)
    images, labels = [], []
    loader = torch.utils.data.DataLoader(
        ImageFiles(good, "L" if grey else "RGB", size),
        batch_size=64,
        num_workers=default_workers(len(good)) if num_workers is None else num_workers,
        collate_fn=collate,
    )
    for batch in loader:
        images.append(batch.images)
        labels.append(batch.labels)
        bad += batch.bad
    _report(folder, bad, on_bad_image)
    if not any(len(x) for x in labels):
        raise DataError(f"{folder.root}: expected readable images, found none")
    tensor = torch.cat([x for x in images if len(x)])
    return Dataset(folder.root.name, tensor, torch.cat(labels), list(folder.classes))


def fitted(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """``size`` (H, W) scaled down, aspect kept, so that no side exceeds ``max_side``."""
    if max_side is None or max(size) <= max_side:
        return size
    scale = max_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _check_memory(root: Path, count: int, size: tuple[int, int], channels: int) -> None:
    needed = count * channels * size[0] * size[1]
    if needed > MAX_IN_MEMORY_BYTES:
        raise DataError(
            f"{root}: {count:,} images of {channels}x{size[0]}x{size[1]} need {needed / 2**30:.1f} "
            f"GiB, more than the {MAX_IN_MEMORY_BYTES / 2**30:.0f} GiB kept in memory; pass a "
            "smaller image_size or stream the folder with cnnlab.data.ImageFolderLoader"
        )


def _report(folder: ClassFolder, bad: list[BadImage], on_bad_image: str) -> None:
    if not bad:
        return
    total = len(folder.samples)
    if on_bad_image == "fail":
        message = bad_images_message(folder.root, bad, total, "found")
        raise DataError(f"{message} (pass --on-bad-image skip to train without them)")
    Console(stderr=True, soft_wrap=True).print(
        bad_images_message(folder.root, bad, total, "skipped"), markup=False, highlight=False
    )
