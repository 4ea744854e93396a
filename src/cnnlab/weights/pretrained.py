"""Starting a model from learned weights: a cnnlab run, or a weight file from elsewhere.

"Set these to the already learned weights from another network; learn these on your own
task" (transfer learning; Yosinski et al. 2014, "How transferable are features in deep
neural networks?"). Every tensor must fit by name and shape, except the head, which may
differ in size (another number of classes) and then starts fresh. Anything else that does
not fit is an error naming the tensors, so a wrong file is never half loaded.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from cnnlab.errors import DataError, ModelError
from cnnlab.files import regular_file
from cnnlab.models.contract import head_state_keys

WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")  # how training scripts nest weights
PREFIXES = ("module.", "_orig_mod.")  # DistributedDataParallel and torch.compile add these
SHOWN = 5  # tensor names listed per kind of problem
MAX_FILE_BYTES = 64 << 30  # a weight file larger than this is refused before reading


@dataclass
class TransferReport:
    source: str
    loaded: list[str]
    fresh: list[str] = field(default_factory=list)  # head tensors of another shape, kept as built

    def summary(self) -> str:
        text = f"loaded {len(self.loaded)} tensors from {self.source}"
        if self.fresh:
            text += f"; new head, trained from scratch: {', '.join(self.fresh)}"
        return text


def read_state_dict(source: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a ``.safetensors`` file or a PyTorch ``.pt``/``.pth`` file (read with
    ``weights_only=True``: no code runs). A run folder is opened with ``cnnlab.Run``."""
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: no such weight file")
    regular_file(path.resolve(), MAX_FILE_BYTES, DataError)  # a link to a device never ends
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable safetensors file ({exc})") from exc
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise DataError(
            f"{path}: not a readable PyTorch weight file (it holds Python objects other than "
            "tensors and plain values; cnnlab does not load them, since that could run code)"
        ) from None
    except (RuntimeError, EOFError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: not a readable PyTorch weight file ({reason})") from exc
    for key in WRAPPER_KEYS:
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    tensors = {}
    if isinstance(loaded, dict):
        tensors = {k: v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise DataError(
            f"{path}: expected a state dict (names to tensors), found {type(loaded).__name__}"
        )
    return {strip_prefixes(name): tensor for name, tensor in tensors.items()}


def strip_prefixes(name: str) -> str:
    for prefix in PREFIXES:
        while name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def load_pretrained(
    model: nn.Module, source: str | Path, tensors: dict[str, torch.Tensor] | None = None
) -> TransferReport:
    """Copy the weights of ``source`` (or ``tensors`` read from it) into ``model``; a
    ModelError if anything but the head does not fit (nothing is copied then)."""
    if tensors is None:
        tensors = read_state_dict(source)
    own = model.state_dict()
    head = head_state_keys(model)  # the model's declared classifier
    optional = {name for name in own if name.endswith("num_batches_tracked")}  # older files
    missing = [n for n in own if n not in tensors and n not in head | optional]
    unexpected = [n for n in tensors if n not in own]
    reshaped = [n for n in own if n in tensors and tensors[n].shape != own[n].shape]
    wrong_shape = [n for n in reshaped if n not in head]
    if missing or unexpected or wrong_shape:
        raise ModelError(
            mismatch_message(source, model, tensors, own, missing, unexpected, wrong_shape)
        )
    fresh = [n for n in own if n in head and (n not in tensors or n in reshaped)]
    loaded = [n for n in own if n in tensors and n not in fresh]
    with torch.no_grad():
        for name in loaded:
            own[name].copy_(tensors[name].to(own[name].dtype))
    return TransferReport(str(source), loaded, fresh)


def mismatch_message(source, model, tensors, own, missing, unexpected, wrong_shape) -> str:
    parts = []
    if missing:
        parts.append(f"missing from the file: {listed(missing)}")
    if unexpected:
        parts.append(f"not in the model: {listed(unexpected)}")
    if wrong_shape:
        shapes = [
            f"{n} (model {tuple(own[n].shape)}, file {tuple(tensors[n].shape)})"
            for n in wrong_shape[:SHOWN]
        ]
        more = f" and {len(wrong_shape) - SHOWN} more" if len(wrong_shape) > SHOWN else ""
        parts.append(f"other shapes: {', '.join(shapes)}{more}")
    return (
        f"{source} does not fit {type(model).__name__} ({len(own)} tensors; the file has "
        f"{len(tensors)}): " + "; ".join(parts) + ". Only the head may differ in size."
    )


def listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more
