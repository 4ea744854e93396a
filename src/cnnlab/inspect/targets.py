"""What the inspect commands look at: a registered model name or a run folder (MODEL|RUN),
and the input shape they run it on (``CxHxW``); the summary and receptive fields of one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rich.table import Table
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError
from cnnlab.inspect.receptive import FieldRow, receptive_field
from cnnlab.inspect.receptive_render import field_table
from cnnlab.inspect.setup import Prepared, is_run_folder, prepare, prepare_run
from cnnlab.inspect.summary import ModelSummary, summary
from cnnlab.train.config import TrainConfig
from cnnlab.train.run import Run


def parse_shape(text: str) -> tuple[int, int, int]:
    """``"3x224x224"`` -> ``(3, 224, 224)``; a ConfigError saying what was given when it is
    not three positive integers."""
    parts = text.lower().replace(",", "x").split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ConfigError(f"--input expects CxHxW such as 3x224x224, found {text!r}")
    return shape  # type: ignore[return-value]


def torch_device(name: str) -> str:
    """``name`` if it names a torch device (meta, cpu, cuda); a ConfigError otherwise."""
    try:
        torch.device(name)
    except RuntimeError:
        raise ConfigError(
            f"--device must name a torch device (meta, cpu, cuda), got {name!r}"
        ) from None
    return name


def model_target(target: str, device: str = "meta") -> tuple[nn.Module, str, tuple[int, int, int]]:
    """The model a NAME or RUN names, on ``device``, its title and its default input shape.

    A registered name is built on the meta device (no weights allocated) unless a real
    device is asked for; a path is opened as a run folder and its model rebuilt from
    the checkpoint.
    """
    device = torch_device(device)
    if Path(target).exists() or "/" in target:
        run = Run.open(target)  # any run: a task head or an ensemble has no registry row
        title = f"{target} ({run.model_meta()['model']})"
        model = run.model if device == "meta" else run.model.to(device)
        return model, title, run.input_shape
    info = models.get_model_info(target)  # an unknown name: the closest names, exit 2
    with torch.device(device):
        model = models.create(target)
    return model, target, info.input_shape


def prepared_target(
    target: str, data: str | None = None, data_dir: str | None = None, **fields: Any
) -> tuple[Prepared, bool]:
    """A run folder's trained model and data, or a fresh model ``target`` prepared as
    ``cnnlab train`` would on ``data`` (``fields``: more TrainConfig fields); and whether it
    came from a run folder."""
    if is_run_folder(target):
        return prepare_run(target), True
    if data is None:
        raise ConfigError(f"{target!r} is a model name, so --data is needed (or give a run folder)")
    return prepare(TrainConfig(model=target, data=data, data_dir=data_dir, **fields)), False


def summarise(
    target: str, input_shape: str | None = None, *, depth: int = 3, device: str = "meta"
) -> ModelSummary:
    """The summary of model NAME or RUN ``target`` on ``input_shape`` (``CxHxW``; default:
    the model's own input), titled with what it is."""
    model, title, default = model_target(target, device)
    shape = parse_shape(input_shape) if input_shape else default
    result = summary(model, shape, depth=depth, device=device)
    result.title = title
    return result


def summarise_arch(
    spec: str, input_shape: str | None = None, *, depth: int = 3, device: str = "meta"
) -> ModelSummary:
    """The summary of the network written as layer ``spec`` (see :mod:`cnnlab.nn.arch_spec`)
    on ``input_shape`` (default: the ``arch`` row's input)."""
    shape = parse_shape(input_shape) if input_shape else models.get_model_info("arch").input_shape
    with torch.device(torch_device(device)):
        model = models.create_arch(spec, shape)
    result = summary(model, shape, depth=depth, device=device)
    result.title = f"arch {spec}"
    return result


@dataclass
class ReceptiveFields:
    rows: list[FieldRow]  # every layer's receptive field, jump and start, in input pixels
    title: str  # what was measured, on which input

    def table(self, depth: int = 3) -> Table:
        """The rows down to ``depth`` as a rich table."""
        return field_table(self.rows, self.title, depth)


def receptive_fields(target: str, input_shape: str | None = None) -> ReceptiveFields:
    """Receptive field, jump and start of every layer of model NAME or RUN ``target``."""
    model, title, default = model_target(target)
    shape = parse_shape(input_shape) if input_shape else default
    size = "x".join(str(d) for d in shape)
    return ReceptiveFields(receptive_field(model, shape), f"{title} on {size}: receptive fields")
