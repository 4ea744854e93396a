"""``load(name, split=...)`` for every dataset of the table and for image folders, and
``load_splits(name)`` for all three splits from one reading of the files.

A row's builder (:mod:`cnnlab.data.catalogue`) returns the dataset's official ``train``
and ``test`` splits; ``load`` carves the validation split out of ``train`` (stratified,
from ``seed``) so every dataset gets the same train/val/test protocol, then optionally
keeps ``per_class`` images of each class of the training split (few-shot). ``folder:PATH`` (or
``folder`` with ``data_dir=PATH``) names a folder of images, one sub-folder per class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cnnlab.data.catalogue import CATALOGUE
from cnnlab.data.dataset import Dataset, fold_split, per_class_subset, stratified_split
from cnnlab.data.folder import load_folder
from cnnlab.errors import ConfigError, DataError, UnknownNameError
from cnnlab.fields import Invalid
from cnnlab.files import user_cache

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
    return user_cache()


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
    folds: int = 0,
    fold: int = 0,
) -> Dataset:
    """Load one split (``train``, ``val`` or ``test``) of dataset ``name`` into memory.

    ``per_class``: keep that many images of each class in the training split (0: all).
    ``folds``: k-fold cross-validation, fold ``fold`` of the official training split
    validates and the rest trains, in place of the ``val_split`` hold-out (0: off).
    ``on_bad_image`` and ``image_size`` concern image folders: skip or fail on files
    that cannot be decoded; the (H, W) every image is resized to (default: the most
    common size, no side longer than ``max_side`` when given).
    """
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    official = _official(name, data_dir, seed, on_bad_image, image_size, max_side)
    if split == "test":
        return official["test"]
    few_shot = per_class if split == "train" else 0  # val stays whole
    return _train_and_val(official.pop("train"), seed, val_split, few_shot, folds, fold)[split]


def load_splits(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
    val_split: float = 0.1,
    per_class: int = 0,
    on_bad_image: str = "fail",
    image_size: int | tuple[int, int] | None = None,
    folds: int = 0,
    fold: int = 0,
) -> dict[str, Dataset]:
    """All three splits, as :func:`load` gives them one by one, from one reading of the
    dataset's files."""
    official = _official(name, data_dir, seed, on_bad_image, image_size)
    splits = _train_and_val(official.pop("train"), seed, val_split, per_class, folds, fold)
    return {**splits, "test": official["test"]}


def _official(
    name: str,
    data_dir: str | os.PathLike | None,
    seed: int,
    on_bad_image: str,
    image_size: int | tuple[int, int] | None,
    max_side: int | None = None,
) -> dict[str, Dataset]:
    """The dataset's official ``train`` and ``test`` splits, read from its files."""
    if is_folder(name):
        path = name.partition(":")[2] or data_dir
        if not path:
            raise DataError("dataset 'folder' needs a path: folder:PATH or data_dir=PATH")
        return load_folder(
            path, seed=seed, on_bad_image=on_bad_image, image_size=image_size, max_side=max_side
        )
    if name in CATALOGUE:
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        entry = CATALOGUE[name]
        return entry.build(entry, root, seed)
    raise UnknownNameError("dataset", name, [*CATALOGUE, "folder:PATH"])


def _train_and_val(
    official_train: Dataset,
    seed: int,
    val_split: float,
    per_class: int,
    folds: int = 0,
    fold: int = 0,
) -> dict[str, Dataset]:
    """The validation split held out of the official training split (a fraction, or one of
    ``folds`` folds), and what trains."""
    if folds:
        train, val = fold_split(official_train, folds, fold, seed)
    else:
        train, val = stratified_split(official_train, val_split, seed)
    return {"train": per_class_subset(train, per_class, seed) if per_class else train, "val": val}
