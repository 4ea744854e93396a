"""``load(name, split=...)`` for every dataset of the table and for image folders.

A row's builder (:mod:`cnnlab.data.catalogue`) returns the dataset's official ``train``
and ``test`` splits; ``load``
carves the validation split out of ``train`` (stratified, from ``seed``) so every
dataset gets the same train/val/test protocol, then optionally keeps ``per_class``
images of each class of the training split (few-shot). ``folder:PATH`` (or
``folder`` with ``data_dir=PATH``) names a folder of images, one sub-folder per class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cnnlab.data.catalogue import CATALOGUE
from cnnlab.data.dataset import Dataset, per_class_subset, stratified_split
from cnnlab.data.folder import load_folder
from cnnlab.errors import ConfigError, DataError, UnknownNameError
from cnnlab.fields import Invalid

SPLITS = ("train", "val", "test")
FOLDER = "folder"  # "folder:PATH", or "folder" with data_dir=PATH


def dataset_names() -> list[str]:
    """The names of the table's datasets, sorted (image folders are not among them)."""
    return sorted(CATALOGUE)


def is_folder(name: str) -> bool:
    return name == FOLDER or name.startswith(FOLDER + ":")


def check_dataset(name: str, value: Any) -> str:
    """A config's dataset: a registered name or ``folder[:PATH]`` (a ConfigError if not)."""
    if not isinstance(value, str):
        raise Invalid
    if not is_folder(value) and value not in CATALOGUE:
        raise ConfigError(str(UnknownNameError("dataset", value, [*CATALOGUE, "folder:PATH"])))
    return value


def default_data_dir() -> Path:
    """``CNNLAB_DATA`` if set, else the user's cache folder."""
    if env := os.environ.get("CNNLAB_DATA"):
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cnnlab"


def load(
    name: str,
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
    val_split: float = 0.1,
    per_class: int = 0,
    on_bad_image: str = "fail",
    image_size: int | tuple[int, int] | None = None,
    max_side: int | None = None,
) -> Dataset:
    """Load one split (``train``, ``val`` or ``test``) of dataset ``name`` into memory.

    ``per_class``: keep that many images of each class in the training split (0: all).
    ``on_bad_image`` and ``image_size`` concern image folders: skip or fail on files
    that cannot be decoded; the (H, W) every image is resized to (default: the most
    common size, no side longer than ``max_side`` when given).
    """
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    if is_folder(name):
        path = name.partition(":")[2] or data_dir
        if not path:
            raise DataError("dataset 'folder' needs a path: folder:PATH or data_dir=PATH")
        official = load_folder(
            path, seed=seed, on_bad_image=on_bad_image, image_size=image_size, max_side=max_side
        )
    elif name in CATALOGUE:
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        entry = CATALOGUE[name]
        official = entry.build(entry, root, seed)
    else:
        raise UnknownNameError("dataset", name, [*CATALOGUE, "folder:PATH"])
    if split == "test":
        return official["test"]
    train, val = stratified_split(official["train"], val_split, seed)
    if split == "val":
        return val
    return per_class_subset(train, per_class, seed) if per_class else train
