"""``--pretrained``: a run folder, shipped weights (cnnlab:NAME), published ImageNet weights
(torchvision:NAME, downloaded once) or a weight file, copied into a new model before training."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from cnnlab.errors import DataError
from cnnlab.train.run import checkpoint_file
from cnnlab.train.run_folder import RunFolder
from cnnlab.weights import TransferReport, read_state_dict, read_weights
from cnnlab.weights import load_pretrained as load_tensors
from cnnlab.weights.published import is_published_name, published_path
from cnnlab.weights.shipped import is_shipped_name, shipped_path


def load_pretrained(model: nn.Module, source: str | Path, which: str = "last") -> TransferReport:
    """Copy the weights of ``source`` into ``model``: a run folder's ``which`` checkpoint, a
    ``.safetensors`` file or a PyTorch state dict (see :func:`cnnlab.weights.load_pretrained`)."""
    if is_shipped_name(source):
        path = shipped_path(str(source))
    elif is_published_name(source):
        path = published_path(str(source))
    else:
        path = Path(source)
    if path.is_dir():
        tensors = read_weights(checkpoint_file(RunFolder.open(path), which))[0]
    elif not path.is_file():
        raise DataError(f"{path}: no such weight file or run folder")
    else:
        tensors = read_state_dict(path)
    return load_tensors(model, source, tensors)
