"""MNIST and the datasets stored like it (Fashion-MNIST, KMNIST, EMNIST) in IDX files.

MNIST, Fashion-MNIST and KMNIST are four IDX files each in ``<data_dir>/<folder>/``,
gzip-compressed as the mirrors serve them or already decompressed (the name without
``.gz``). EMNIST comes as one zip of IDX files; the two files a split needs are taken
out of it on first use. Local files are checked by their headers and sizes; downloads
by checksum (:mod:`cnnlab.data.download`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from cnnlab.atomic import atomic_write
from cnnlab.data.dataset import Dataset
from cnnlab.data.idx import read_idx
from cnnlab.errors import DataError

if TYPE_CHECKING:  # the catalogue's rows name these builders
    from cnnlab.data.catalogue import CatalogueEntry

MNIST_FILES = (
    ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
)
SPLIT_FILES = dict(zip(("train", "test"), MNIST_FILES, strict=True))
EMNIST_MEMBER = "gzip/emnist-{variant}-{split}-{kind}-idx{dims}-ubyte.gz"


def find_file(entry: CatalogueEntry, root: Path, name: str) -> Path:
    """``root/<folder>/name``, or its decompressed twin; a DataError saying how to get it."""
    folder = root / entry.folder
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    raise DataError(
        f"{folder / name}: file not found (expected {entry.name}'s files in {folder}); "
        f"download them with: cnnlab data get {entry.name} --data-dir {root}"
    )


def read_idx_pair(
    images_path: Path, labels_path: Path, name: str, classes: list[str], first_label: int = 0
) -> Dataset:
    """Images and labels from two IDX files, checked to agree in count and label range."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise DataError(
            f"{images_path.parent}: expected images of 3 dimensions and labels of 1, "
            f"found {images.ndim} and {labels.ndim}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{labels_path}: expected {len(images):,} labels (one per image in "
            f"{images_path.name}), found {len(labels):,}"
        )
    targets = labels.astype(np.int64) - first_label
    check_labels(labels_path, targets, len(classes), first_label)
    tensor = torch.from_numpy(images).unsqueeze(1)  # read_idx's own writable buffer
    return Dataset(name, tensor, torch.from_numpy(targets), classes)


def check_labels(path: Path, labels: np.ndarray, num_classes: int, first: int = 0) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if len(bad):
        raise DataError(
            f"{path}: expected labels {first}..{num_classes - 1 + first}, found "
            f"{int(labels[bad[0]]) + first} at item {int(bad[0])} ({len(bad):,} out of range)"
        )


def build_idx_dataset(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """MNIST, Fashion-MNIST or KMNIST: four IDX files in ``root/<folder>/``."""
    classes = list(entry.classes)
    return {
        split: read_idx_pair(
            find_file(entry, root, images), find_file(entry, root, labels), entry.name, classes
        )
        for split, (images, labels) in SPLIT_FILES.items()
    }


def build_emnist(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """EMNIST's images are stored transposed; letters are labelled 1..26."""
    name = entry.name
    variant = name.removeprefix("emnist-")
    splits = {}
    for split in ("train", "test"):
        images, labels = (
            emnist_file(entry, root, EMNIST_MEMBER.format(**fields))
            for fields in (
                {"variant": variant, "split": split, "kind": "images", "dims": 3},
                {"variant": variant, "split": split, "kind": "labels", "dims": 1},
            )
        )
        first = 1 if variant == "letters" else 0
        dataset = read_idx_pair(images, labels, name, list(entry.classes), first_label=first)
        dataset.images = dataset.images.transpose(2, 3).contiguous()
        splits[split] = dataset
    return splits


def emnist_file(entry: CatalogueEntry, root: Path, member: str) -> Path:
    """One IDX file of EMNIST's zip, taken out of the zip into the folder on first use."""
    target = root / entry.folder / Path(member).name
    if target.is_file():
        return target
    archive = find_file(entry, root, entry.files[0].name)
    try:
        with zipfile.ZipFile(archive) as zipped, zipped.open(member) as source:
            atomic_write(target, lambda tmp: tmp.write_bytes(source.read()))
    except KeyError:
        raise DataError(f"{archive}: expected a member {member}, found none") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{archive}: not a readable zip file ({exc})") from exc
    return target
