"""Weight files: a model's tensors as safetensors, with cnnlab's metadata beside them.

The metadata (model name, constructor arguments, provenance) is one JSON string under the
key ``cnnlab``, so a weights file alone is enough to rebuild its model. Files written by
other tools carry other metadata or none; they are read as plain tensors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from cnnlab.atomic import atomic_write
from cnnlab.errors import CheckpointError, FaultError, fault_reason
from cnnlab.files import regular_file

META_KEY = "cnnlab"
MAX_WEIGHTS_BYTES = 64 << 30  # a larger weights file is refused before it is read


def weight_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}


def write_weights_file(tensors: dict[str, torch.Tensor], path: Path, meta: dict[str, Any]) -> None:
    # One metadata entry: safetensors stores a hash map whose order varies between
    # processes, and equal runs must write byte-identical files.
    save_file(tensors, str(path), metadata={META_KEY: json.dumps(meta, sort_keys=True)})


def save_weights(model: nn.Module, path: Path, metadata: dict[str, Any]) -> None:
    """Write ``model``'s weights atomically to ``path``; a CheckpointError if that fails."""
    tensors = weight_tensors(model)
    guarded(
        path, lambda: atomic_write(path, lambda tmp: write_weights_file(tensors, tmp, metadata))
    )


def guarded(path: Path, write: Callable[[], Any]) -> Any:
    """Run ``write``; turn a failure of the machine (disk full, read-only, no permission;
    torch and safetensors wrap these in their own exceptions) into a CheckpointError that
    names ``path``."""
    try:
        return write()
    except (OSError, RuntimeError, MemoryError, SafetensorError, FaultError) as exc:
        cause = exc.__cause__ if isinstance(exc, FaultError) and exc.__cause__ else exc
        raise CheckpointError(
            f"cannot write checkpoint {path}: {fault_reason(cause, path)}; "
            "the previous checkpoint is left as it was"
        ) from exc


def read_weights(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and cnnlab metadata of a weights file, or a CheckpointError naming it.

    The metadata is ``{}`` for a file written by another tool."""
    if not path.exists() and not path.is_symlink():
        raise CheckpointError(f"checkpoint {path} does not exist")
    regular_file(path, MAX_WEIGHTS_BYTES, CheckpointError)  # no links, devices or FIFOs
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            raw = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"checkpoint {path} is not a readable safetensors file ({exc})"
        ) from exc
    if META_KEY not in raw:
        return tensors, {}
    try:
        meta = json.loads(raw[META_KEY])
    except json.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict):
        raise CheckpointError(
            f"checkpoint {path}: its {META_KEY!r} metadata should be a JSON object, "
            f"found {raw[META_KEY][:60]!r}"
        )
    return tensors, meta
