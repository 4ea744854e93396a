"""CIFAR-10 and CIFAR-100 from their binary version (never the pickled "python" one).

A binary file is a run of fixed-length records: the label byte(s), then 3072 pixel
bytes (1024 red, 1024 green, 1024 blue, row-major 32x32). CIFAR-10 records carry one
label byte; CIFAR-100 records carry the coarse label, then the fine one. The files are
taken out of the downloaded ``.tar.gz`` on first use, by their exact member names.
"""

from __future__ import annotations

import functools
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import torch

from cnnlab.atomic import atomic_write
from cnnlab.data.dataset import Dataset
from cnnlab.data.mnist import check_labels, find_file
from cnnlab.errors import DataError

if TYPE_CHECKING:  # the catalogue's rows name these builders
    from cnnlab.data.catalogue import Builder, CatalogueEntry

PIXELS = 3 * 32 * 32
MAX_MEMBER_BYTES = 50_000 * (2 + PIXELS)  # the largest file of either archive


@dataclass(frozen=True)
class CifarLayout:
    folder: str  # the folder inside the archive
    train: tuple[str, ...]  # files of the training split, in order
    test: str
    label_bytes: int  # label bytes before each image
    label_index: int  # which of them this dataset uses


CIFAR10 = CifarLayout(
    "cifar-10-batches-bin", tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
    "test_batch.bin", 1, 0,
)  # fmt: skip
CIFAR100_FINE = CifarLayout("cifar-100-binary", ("train.bin",), "test.bin", 2, 1)
CIFAR100_COARSE = CifarLayout("cifar-100-binary", ("train.bin",), "test.bin", 2, 0)


def read_cifar_bin(
    path: str | Path, label_bytes: int = 1, label_index: int = 0, num_classes: int = 10
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, 3, 32, 32) and int64 labels from one CIFAR binary file."""
    path = Path(path)
    record = label_bytes + PIXELS
    try:
        size = path.stat().st_size
        if size == 0 or size % record:
            raise DataError(
                f"{path}: expected a CIFAR binary file of whole {record}-byte records "
                f"({label_bytes} label byte(s) + {PIXELS} pixels), found {size:,} bytes "
                f"({size // record:,} records and {size % record:,} bytes over)"
            )
        raw = np.fromfile(path, dtype=np.uint8).reshape(-1, record)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    labels = raw[:, label_index].astype(np.int64)
    check_labels(path, labels, num_classes)
    images = raw[:, label_bytes:].reshape(-1, 3, 32, 32)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels)


def copy_stream(source: BinaryIO, path: Path) -> None:
    """Copy in chunks: an archive member never sits in memory whole."""
    with open(path, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


def cifar_file(entry: CatalogueEntry, root: Path, layout: CifarLayout, name: str) -> Path:
    """``root/<folder>/<archive folder>/name``, taken out of the archive on first use."""
    target = root / entry.folder / layout.folder / name
    if target.is_file():
        return target
    archive = find_file(entry, root, entry.files[0].name)
    member = f"{layout.folder}/{name}"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            info = tar.getmember(member)
            source = tar.extractfile(info) if info.isfile() else None
            if source is None:
                raise DataError(f"{archive}: expected {member} to be a file, found {info.type!r}")
            if info.size > MAX_MEMBER_BYTES:  # checked from the header, before extracting
                raise DataError(
                    f"{archive}: expected {member} to hold at most {MAX_MEMBER_BYTES:,} bytes "
                    f"(50,000 records), found {info.size:,}"
                )
            atomic_write(target, lambda tmp: copy_stream(source, tmp))
    except KeyError:
        raise DataError(f"{archive}: expected a member {member}, found none") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"{archive}: not a readable .tar.gz archive ({exc})") from exc
    return target


def build_cifar(
    layout: CifarLayout, entry: CatalogueEntry, root: Path, seed: int
) -> dict[str, Dataset]:
    """The splits of one layout; :func:`builder` binds the layout for a catalogue row."""
    classes = list(entry.classes)

    def split(files: tuple[str, ...]) -> Dataset:
        parts = [
            read_cifar_bin(
                cifar_file(entry, root, layout, f), layout.label_bytes, layout.label_index,
                len(classes),
            )
            for f in files
        ]  # fmt: skip
        images, labels = (torch.cat(tensors) for tensors in zip(*parts, strict=True))
        return Dataset(entry.name, images, labels, classes)

    return {"train": split(layout.train), "test": split((layout.test,))}


def builder(layout: CifarLayout) -> Builder:
    """The builder of a catalogue row stored as ``layout``."""
    return functools.partial(build_cifar, layout)
