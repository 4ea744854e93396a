"""The dataset catalogue: ``load(name, split=...)`` for every registered dataset.

A builder returns the dataset's official ``train`` and ``test`` splits; ``load``
carves the validation split out of ``train`` (stratified, from ``seed``) so every
dataset gets the same train/val/test protocol.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cnnlab.data.dataset import Dataset, stratified_split
from cnnlab.errors import DataError, UnknownNameError

Builder = Callable[[Path, int], dict[str, Dataset]]
_BUILDERS: dict[str, Builder] = {}
SPLITS = ("train", "val", "test")


def register_dataset(name: str) -> Callable[[Builder], Builder]:
    def add(builder: Builder) -> Builder:
        if name in _BUILDERS:
            raise ValueError(f"dataset {name!r} is registered twice")
        _BUILDERS[name] = builder
        return builder

    return add


def dataset_names() -> list[str]:
    return sorted(_BUILDERS)


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
) -> Dataset:
    """Load one split (``train``, ``val`` or ``test``) of dataset ``name`` into memory."""
    if name not in _BUILDERS:
        raise UnknownNameError("dataset", name, _BUILDERS)
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    official = _BUILDERS[name](root, seed)
    if split == "test":
        return official["test"]
    train, val = stratified_split(official["train"], val_split, seed)
    return train if split == "train" else val
