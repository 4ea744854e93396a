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

import json
import os
import pickle
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from cnnlab.atomic import atomic_write, current_umask, fsync_dir
from cnnlab.errors import CheckpointError
from cnnlab.files import read_text, regular_file, sha256
from cnnlab.weights.io import guarded, write_weights_file

CKPT_PATTERN = re.compile(r"^ckpt-(\d{6})-step(\d+)$")
MANIFEST_LIMIT = 1 << 20  # bytes: a manifest is a few hundred
FILE_LIMIT = 64 << 30  # bytes: the largest weights or state file a checkpoint may hold
WEIGHTS, STATE, MANIFEST = "model.safetensors", "state.pt", "manifest.json"


def read_state(path: Path) -> dict[str, Any]:
    """A training state file, loaded without running code (``weights_only``)."""
    regular_file(path, FILE_LIMIT, CheckpointError)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"training state {path} holds Python objects other than tensors and plain values; "
            "cnnlab does not load them (that could run code)"
        ) from None
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(f"training state {path} cannot be read ({reason})") from exc
    if not isinstance(state, dict):
        raise CheckpointError(
            f"training state {path}: expected a dict, found {type(state).__name__}"
        )
    return state


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
        # our own handle, closed however the write ends: torch's writer given a path keeps
        # its file open in the traceback when the disk fills, until garbage collection
        with open(tmp / STATE, "wb") as handle:
            torch.save(state, handle)
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
    """None if the checkpoint folder's files match its manifest, else what is wrong. Only
    regular files of bounded size are read (a link to a device would never end)."""
    try:
        manifest = json.loads(read_text(path / MANIFEST, MANIFEST_LIMIT, CheckpointError))
        hashes = manifest["sha256"]
        if not isinstance(hashes, dict) or set(hashes) != {WEIGHTS, STATE}:
            raise ValueError(f"expected sha256 of {WEIGHTS} and {STATE}, found {hashes!r}")
    except (CheckpointError, ValueError, KeyError, TypeError) as exc:
        return f"its manifest cannot be read ({exc})"
    for name, expected in hashes.items():
        try:
            found = sha256(regular_file(path / name, FILE_LIMIT, CheckpointError))
        except CheckpointError as exc:
            return str(exc)
        except OSError as exc:
            return f"{name} cannot be read ({exc.strerror or exc})"
        if found != expected:
            return f"{name} has checksum {found[:12]}..., the manifest says {expected[:12]}..."
    return None
