"""MNIST (LeCun, Cortes, Burges) from its four IDX files in ``<data_dir>/mnist/``."""

from __future__ import annotations

from pathlib import Path

import torch

from cnnlab.data.dataset import Dataset
from cnnlab.data.idx import read_idx
from cnnlab.data.registry import register_dataset
from cnnlab.errors import DataError

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx_pair(folder: Path, images_name: str, labels_name: str, name: str) -> Dataset:
    """Images and labels from two IDX files, checked to agree in count."""
    images, labels = read_idx(folder / images_name), read_idx(folder / labels_name)
    if images.ndim != 3 or labels.ndim != 1:
        raise DataError(
            f"{folder}: expected images of 3 dimensions and labels of 1, "
            f"found {images.ndim} and {labels.ndim}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{folder / labels_name}: expected {len(images):,} labels (one per image in "
            f"{images_name}), found {len(labels):,}"
        )
    tensor = torch.from_numpy(images.copy()).unsqueeze(1)
    return Dataset(
        name, tensor, torch.from_numpy(labels.astype("int64")), [str(d) for d in range(10)]
    )


@register_dataset("mnist")
def build_mnist(data_dir: Path, seed: int) -> dict[str, Dataset]:
    folder = data_dir / "mnist"
    return {split: read_idx_pair(folder, *files, "mnist") for split, files in MNIST_FILES.items()}
