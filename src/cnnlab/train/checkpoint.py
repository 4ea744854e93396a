"""Checkpoints that survive a crash: weights as safetensors, training state beside them.

A resumable checkpoint is a folder ``checkpoints/ckpt-<seq>-step<step>/`` holding
``model.safetensors`` (the weights; their metadata names the model and its
arguments), ``state.pt`` (optimiser, schedule, RNG, position; read with
``torch.load(weights_only=True)``) and ``manifest.json`` (the SHA-256 of both,
written last). The folder is built under a temporary name and renamed into place,
so a kill at any moment leaves either the whole new checkpoint or none of it; the
older ones are deleted only after that. ``last.safetensors`` / ``last.state.pt``
link to the newest checkpoint for commands that read a run; ``best.safetensors``
holds the weights that scored best on validation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from cnnlab.atomic import atomic_write, current_umask, fsync_dir
from cnnlab.errors import CheckpointError

CKPT_PATTERN = re.compile(r"^ckpt-(\d{6})-step(\d+)$")
META_KEY = "cnnlab"
WEIGHTS, STATE, MANIFEST = "model.safetensors", "state.pt", "manifest.json"


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
    """Run ``write``; turn any OS failure into a CheckpointError that names ``path``."""
    try:
        return write()
    except OSError as exc:
        raise CheckpointError(
            f"cannot write checkpoint {path}: {exc.strerror or exc}; "
            "the previous checkpoint is left as it was"
        ) from exc


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
    if META_KEY in raw:
        return tensors, json.loads(raw[META_KEY])
    return tensors, {key: json.loads(value) for key, value in raw.items()}


def read_state(path: Path) -> dict[str, Any]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise CheckpointError(f"training state {path} cannot be read ({exc})") from exc


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsynced(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def checkpoint_folders(folder: Path) -> list[Path]:
    """Complete checkpoint folders under ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = [(int(m[1]), p) for p in folder.iterdir() if (m := CKPT_PATTERN.match(p.name))]
    return [path for _, path in sorted(found, reverse=True)]


def save_checkpoint(
    folder: Path,
    tensors: dict[str, torch.Tensor],
    meta: dict[str, Any],
    state: dict[str, Any],
    *,
    keep: int,
) -> Path:
    """Write one resumable checkpoint under ``folder`` and return its path (see module doc)."""
    existing = checkpoint_folders(folder)
    seq = int(CKPT_PATTERN.match(existing[0].name)[1]) + 1 if existing else 1
    final = folder / f"ckpt-{seq:06d}-step{state['step']}"
    guarded(final, lambda: _write_folder(folder, final, tensors, meta, state))
    for old in checkpoint_folders(folder)[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    for name, target in (("last.safetensors", WEIGHTS), ("last.state.pt", STATE)):
        guarded(folder / name, lambda n=name, t=target: _link(final / t, folder / n))
    return final


def _write_folder(folder: Path, final: Path, tensors, meta, state) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=folder))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes it private
        write_weights_file(tensors, tmp / WEIGHTS, meta)
        torch.save(state, tmp / STATE)
        for name in (WEIGHTS, STATE):
            os.chmod(tmp / name, 0o666 & ~current_umask())
            _fsynced(tmp / name)
        manifest = {name: sha256(tmp / name) for name in (WEIGHTS, STATE)}
        manifest_text = json.dumps({"sha256": manifest, "step": state["step"], **meta}, indent=2)
        (tmp / MANIFEST).write_text(manifest_text, encoding="utf-8")
        _fsynced(tmp / MANIFEST)
        fsync_dir(tmp)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(folder)


def _link(source: Path, target: Path) -> None:
    """Point ``target`` at ``source``'s bytes atomically (a hard link, or a copy where none)."""

    def place(tmp: Path) -> None:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)

    atomic_write(target, place)


def verify(path: Path) -> str | None:
    """None if the checkpoint folder's files match its manifest, else what is wrong."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError) as exc:
        return f"its manifest cannot be read ({exc})"
    for name, expected in manifest.items():
        try:
            found = sha256(path / name)
        except OSError as exc:
            return f"{name} cannot be read ({exc.strerror or exc})"
        if found != expected:
            return f"{name} has checksum {found[:12]}..., the manifest says {expected[:12]}..."
    return None
