"""What a checkpoint must hold to continue a run exactly, and finding one that verifies.

The random state of Python, NumPy and torch is stored and restored, so a resumed run
draws the same numbers (dropout masks, augmentation) an uninterrupted one would.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
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


STATE_FIELDS = {  # what a training state must hold, and of which type
    "optimizer": dict, "schedule": dict, "rng": dict, "epoch": int, "batch": int,
    "step": int, "train_metrics": dict, "callbacks": list,
}  # fmt: skip


def check_state(state: dict[str, Any], expected: dict[str, torch.Tensor]) -> None:
    """A CheckpointError unless ``state`` has every field with its type and the weights
    fit the model (``expected``: its state dict)."""
    for name, kind in STATE_FIELDS.items():
        value = state.get(name)
        if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
            found = "nothing" if name not in state else f"{type(value).__name__} {value!r:.40}"
            raise CheckpointError(
                f"its training state should hold {name} as {kind.__name__}, found {found}"
            )
    tensors = state.get("model")
    if tensors is not None:
        check_tensors(tensors, expected, "the EMA's raw weights")


def check_tensors(tensors: Any, expected: dict[str, torch.Tensor], what: str) -> None:
    if not isinstance(tensors, dict) or {k: tuple(v.shape) for k, v in tensors.items()} != {
        k: tuple(v.shape) for k, v in expected.items()
    }:
        raise CheckpointError(f"{what} do not fit the run's model (other names or shapes)")


def remove_unfinished_writes(folder: Path) -> None:
    """What killed writes leave: ``.ckpt-*`` temporary folders and ``.*.tmp`` files."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.startswith(".ckpt-") and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file():
            path.unlink(missing_ok=True)


def load_newest(
    folder: Path,
    expected: dict[str, torch.Tensor] | None = None,
    console: Console | None = None,
) -> Loaded:
    """The newest checkpoint under ``folder`` that verifies and fits the model whose state
    dict is ``expected`` (any model when None); damaged ones are skipped with a message
    saying so."""
    console = console or Console(stderr=True)
    candidates = checkpoint_folders(folder)
    for path in candidates:
        problem = verify(path)
        if problem is None:
            try:
                tensors, meta = read_weights(path / WEIGHTS)
                state = read_state(path / STATE)
                if expected is not None:
                    check_tensors(tensors, expected, "its weights")
                check_state(state, expected or tensors)
                return Loaded(path, tensors, meta, state)
            except CheckpointError as exc:
                problem = str(exc)
        console.print(
            f"skipping damaged checkpoint {path}: {problem}", markup=False, soft_wrap=True
        )
    raise CheckpointError(
        f"no checkpoint to resume from in {folder}: "
        + (f"all {len(candidates)} are damaged" if candidates else "none was written yet")
    )
