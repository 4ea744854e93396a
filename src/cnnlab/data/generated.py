"""A cache for generated datasets (translated, cluttered and multi-digit MNIST).

A generated set is a function of its source files, its seed and the generator's code.
It is written once, as one ``.npz`` file in the user's cache folder named by all three
(the source files by their SHA-256, the code by a version number that changes whenever
the output would), and read back on later runs. A cache file is used only when its
recorded key matches and every split's arrays are there with consistent shapes;
anything else (a truncated file, an older version, another seed) is rebuilt and
rewritten. A cache folder that cannot be written only means the set is rebuilt each time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from cnnlab.atomic import atomic_write
from cnnlab.data.dataset import Dataset
from cnnlab.errors import DataError, FaultError
from cnnlab.files import sha256, user_cache

SPLITS = ("train", "test")
FIELDS = ("images", "labels", "boxes", "sequences", "digit_boxes")  # Dataset's tensors


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cnnlab/generated`` (``~/.cache`` when the variable is unset)."""
    return user_cache("generated")


def cache_key(name: str, seed: int, version: int, sources: Sequence[Path]) -> dict:
    return {
        "name": name,
        "seed": seed,
        "version": version,
        "sources": [sha256(path)[:16] for path in sources],
    }


def cached(
    key: dict, classes: list[str], build: Callable[[], dict[str, Dataset]]
) -> dict[str, Dataset]:
    """The splits ``build`` makes, read from the cache file of ``key`` when it holds them."""
    digest = key_digest(key)
    path = cache_dir() / f"{key['name']}-seed{key['seed']}-v{key['version']}-{digest}.npz"
    splits = read_cache(path, key, classes)
    if splits is None:
        splits = build()
        with contextlib.suppress(FaultError):  # a read-only cache: rebuilt next time
            atomic_write(path, lambda tmp: write_cache(tmp, key, splits))
    return splits


def key_digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def write_cache(path: Path, key: dict, splits: dict[str, Dataset]) -> None:
    arrays = {"key": np.frombuffer(json.dumps(key, sort_keys=True).encode(), dtype=np.uint8)}
    for split in SPLITS:
        dataset = splits[split]
        for field in FIELDS:
            tensor = getattr(dataset, field)
            if tensor is not None:
                arrays[f"{split}/{field}"] = tensor.numpy()
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def read_cache(path: Path, key: dict, classes: list[str]) -> dict[str, Dataset] | None:
    """The splits in the cache file ``path``; None when it is missing, of another key or
    not whole."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            if json.loads(stored["key"].tobytes()) != key:
                return None
            return {
                split: Dataset(
                    key["name"],
                    *(torch.from_numpy(stored[f"{split}/{f}"]) for f in FIELDS[:2]),
                    classes,
                    *(
                        torch.from_numpy(stored[f"{split}/{f}"])
                        if f"{split}/{f}" in stored
                        else None
                        for f in FIELDS[2:]
                    ),
                )
                for split in SPLITS
            }
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, DataError):
        return None
