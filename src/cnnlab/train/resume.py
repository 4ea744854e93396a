"""What a checkpoint must hold to continue a run exactly, and finding one that verifies.

The random state of Python, NumPy and torch is stored and restored, so a resumed run
draws the same numbers (dropout masks, augmentation) an uninterrupted one would.
"""

from __future__ import annotations

import os
import platform
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console

from cnnlab.errors import CheckpointError
from cnnlab.train.checkpoint import (
    STATE,
    WEIGHTS,
    checkpoint_folders,
    read_state,
    verify,
)
from cnnlab.version import __version__
from cnnlab.weights.io import read_weights


def seed_everything(seed: int, deterministic: bool) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS asks for it
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def rng_state() -> dict[str, Any]:
    version, keys, position, has_gauss, gauss = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [version, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, gauss],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(_as_tuples(state["python"]))
    version, keys, position, has_gauss, gauss = state["numpy"]
    np.random.set_state((version, keys.numpy().astype(np.uint32), position, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuples(value: Any) -> Any:
    return tuple(_as_tuples(v) for v in value) if isinstance(value, list | tuple) else value


def provenance(seed: int, deterministic_flags: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint records about how it was made: seed, versions, determinism flags."""
    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cnnlab": __version__,
    }
    return {"seed": seed, "versions": versions, "determinism": deterministic_flags}


@dataclass
class Loaded:
    path: Path
    tensors: dict[str, torch.Tensor]
    meta: dict[str, Any]
    state: dict[str, Any]


def load_newest(folder: Path, console: Console | None = None) -> Loaded:
    """The newest checkpoint under ``folder`` whose checksums verify; damaged ones are skipped
    with a message saying so."""
    console = console or Console(stderr=True)
    candidates = checkpoint_folders(folder)
    for path in candidates:
        problem = verify(path)
        if problem is None:
            try:
                tensors, meta = read_weights(path / WEIGHTS)
                return Loaded(path, tensors, meta, read_state(path / STATE))
            except CheckpointError as exc:
                problem = str(exc)
        console.print(
            f"skipping damaged checkpoint {path}: {problem}", markup=False, soft_wrap=True
        )
    raise CheckpointError(
        f"no checkpoint to resume from in {folder}: "
        + (f"all {len(candidates)} are damaged" if candidates else "none was written yet")
    )
