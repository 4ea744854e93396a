"""SVHN cropped digits from the MATLAB (v5) files the dataset is published as.

Each file holds ``X`` (32, 32, 3, N) uint8 and ``y`` (N, 1) with labels 1..10, where
10 stands for the digit 0. The variables' shapes are read from the file's headers
(:func:`scipy.io.whosmat`) and checked against the file's size before anything is
decoded, so a corrupt header cannot make the reader allocate a huge array.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from cnnlab.data.dataset import Dataset
from cnnlab.data.mnist import find_file
from cnnlab.errors import DataError

if TYPE_CHECKING:  # the catalogue's rows name these builders
    from cnnlab.data.catalogue import CatalogueEntry

TEST_FILE = "test_32x32.mat"
MAX_EXPANSION = 64  # decoded bytes allowed per byte of file (SVHN's zlib ratio is about 1.3)


def read_svhn_mat(path: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, 3, 32, 32) and int64 labels 0..9 from one SVHN .mat file."""
    path = Path(path)
    shapes = _variable_shapes(path)
    x_shape, y_shape = shapes.get("X"), shapes.get("y")
    if x_shape is None or y_shape is None:
        raise DataError(f"{path}: expected variables X and y, found {sorted(shapes) or 'none'}")
    if len(x_shape) != 4 or x_shape[:3] != (32, 32, 3):
        raise DataError(f"{path}: expected X of shape (32, 32, 3, N), found {x_shape}")
    count = x_shape[3]
    if sorted(y_shape) != [1, count]:
        raise DataError(f"{path}: expected y of shape ({count}, 1) to match X, found {y_shape}")
    size = path.stat().st_size
    if 32 * 32 * 3 * count > MAX_EXPANSION * size + (1 << 20):
        raise DataError(
            f"{path}: header claims {count:,} images, more than a file of {size:,} bytes can hold"
        )
    import scipy.io  # slow to import: on first use

    variables = _parse(path, lambda: scipy.io.loadmat(path, variable_names=["X", "y"]))
    x, y = variables["X"], np.asarray(variables["y"]).reshape(-1)
    if x.dtype != np.uint8 or x.shape != x_shape:
        raise DataError(f"{path}: expected X as uint8 {x_shape}, found {x.dtype} {x.shape}")
    bad = np.flatnonzero((y < 1) | (y > 10))
    if len(bad):
        raise DataError(
            f"{path}: expected labels 1..10 (10 for the digit 0), found {y[bad[0]]} "
            f"at item {int(bad[0])} ({len(bad):,} out of range)"
        )
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1)))
    return images, torch.from_numpy(y.astype(np.int64) % 10)


def _variable_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    import scipy.io

    listing = _parse(path, lambda: scipy.io.whosmat(path))
    return {name: tuple(int(n) for n in shape) for name, shape, _ in listing}


def _parse(path: Path, read):  # noqa: ANN001, ANN202  (a scipy.io call on this file)
    """Run a scipy.io reader; any failure of it on a bad file becomes a DataError."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return read()
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise DataError(f"{path}: expected a MATLAB v5 .mat file, found another ({exc})") from exc
    except Exception as exc:  # scipy's parser raises many types on corrupt bytes
        raise DataError(f"{path}: not a readable MATLAB .mat file ({exc!r:.200})") from exc


def build_svhn(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """The test file, and the training split from every other file of the row (``train``,
    and ``extra`` for svhn-extra)."""
    classes = list(entry.classes)

    def split(*files: str) -> Dataset:
        parts = [read_svhn_mat(find_file(entry, root, f)) for f in files]
        images, labels = (torch.cat(tensors) for tensors in zip(*parts, strict=True))
        return Dataset(entry.name, images, labels, classes)

    train = [f.name for f in entry.files if f.name != TEST_FILE]
    return {"train": split(*train), "test": split(TEST_FILE)}
