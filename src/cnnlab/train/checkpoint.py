"""Checkpoints: weights as safetensors (with the model's name and arguments), state beside them.

``<stem>.safetensors`` holds the weights and, in its metadata, what is needed to
rebuild the model. ``<stem>.state.pt`` holds the training state (optimiser, epoch,
RNG) and is read with ``torch.load(weights_only=True)``: no pickled code is run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from cnnlab.atomic import atomic_write
from cnnlab.errors import CheckpointError


def save_weights(model: nn.Module, path: Path, metadata: dict[str, Any]) -> None:
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    meta = {key: json.dumps(value) for key, value in metadata.items()}
    try:
        atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))
    except OSError as exc:
        raise CheckpointError(f"cannot write checkpoint {path}: {exc.strerror or exc}") from exc


def read_weights(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and decoded metadata of a weights file, or a CheckpointError naming it."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            raw = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"checkpoint {path} is not a readable safetensors file ({exc})"
        ) from exc
    return tensors, {key: json.loads(value) for key, value in raw.items()}


def save_state(state: dict[str, Any], path: Path) -> None:
    try:
        atomic_write(path, lambda tmp: torch.save(state, tmp))
    except OSError as exc:
        raise CheckpointError(f"cannot write training state {path}: {exc.strerror or exc}") from exc


def read_state(path: Path) -> dict[str, Any]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise CheckpointError(f"training state {path} cannot be read ({exc})") from exc
