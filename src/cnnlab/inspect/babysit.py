"""The babysitting tools on a MODEL|RUN target, one call each (what ``cnnlab inspect``
runs): activation and gradient statistics, the gradient check, the LR range test and the
initialisation table. Plots are pictures (:class:`~cnnlab.figure.Picture`): a run's go into
its ``plots/`` folder; a fresh model's only where ``save`` is told."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab import models
from cnnlab.errors import ConfigError, ModelError
from cnnlab.figure import Picture
from cnnlab.inspect.activations import LayerStats, activation_stats, plot_activation_stats
from cnnlab.inspect.gradcheck import GradcheckResult, gradcheck
from cnnlab.inspect.gradients import GradientReport, gradient_stats
from cnnlab.inspect.init_table import InitRun, init_table, plot_init_table
from cnnlab.inspect.lr_finder import LRFinderResult, lr_find, plot_lr_find
from cnnlab.inspect.setup import endless, is_run_folder, prepare_run
from cnnlab.inspect.targets import parse_shape, prepared_target
from cnnlab.train.losses import build_loss


def _plot_path(target: str, from_run: bool, name: str) -> Path | None:
    return Path(target) / "plots" / name if from_run else None


@dataclass(kw_only=True)
class ActivationsPicture(Picture):
    rows: list[LayerStats]  # one per layer, in forward order
    images: int  # the batch measured

    def draw(self, path: Path) -> Path:
        return plot_activation_stats(self.rows, path, title=self.title)


def activations_of(
    target: str,
    data: str | None = None,
    data_dir: str | None = None,
    *,
    batch_size: int = 64,
    init: str = "default",
    seed: int = 0,
) -> ActivationsPicture:
    """Every layer's output statistics on one batch: a fresh model in training mode (as
    training first sees it), a run's in eval mode."""
    prepared, from_run = prepared_target(target, data, data_dir, init=init, seed=seed)
    x, _ = prepared.batch(batch_size)
    prepared.model.train(not from_run)
    return ActivationsPicture(
        title=str(target),
        default_path=_plot_path(target, from_run, "activations.png"),
        rows=activation_stats(prepared.model, x),
        images=len(x),
    )


def gradients_of(
    target: str,
    data: str | None = None,
    data_dir: str | None = None,
    *,
    batch_size: int = 64,
    init: str = "default",
    seed: int = 0,
    lr: float | None = None,
) -> GradientReport:
    """Per-layer and per-parameter gradient sizes of the configured loss on one batch."""
    prepared, _ = prepared_target(target, data, data_dir, init=init, seed=seed)
    x, y = prepared.batch(batch_size)
    prepared.model.train()
    return gradient_stats(prepared.model, x, y, build_loss(prepared.config), lr=lr)


def gradcheck_of(
    target: str,
    input_shape: str | None = None,
    *,
    batch: int = 2,
    samples: int = 10,
    num_classes: int = 10,
    seed: int = 0,
) -> tuple[GradcheckResult, str]:
    """The float64 gradient check of a run's model or a fresh model on ``batch`` random
    images of ``input_shape`` (default: the model's own); and the shape checked."""
    if is_run_folder(target):
        loaded = prepare_run(target)
        model, shape = loaded.model, input_shape or "x".join(map(str, loaded.train.image_shape))
    else:
        info = models.get_model_info(target)
        shape = input_shape or "x".join(map(str, info.input_shape))
        torch.manual_seed(seed)
        model = models.create(target, num_classes=num_classes, in_channels=parse_shape(shape)[0])
    x = torch.randn(batch, *parse_shape(shape), generator=torch.Generator().manual_seed(seed))
    try:
        return gradcheck(model.cpu().eval(), x, samples=samples, seed=seed), shape
    except RuntimeError as exc:
        raise ModelError(f"{target} cannot run on input {shape}: {exc}") from exc


@dataclass(kw_only=True)
class LRFindPicture(Picture):
    result: LRFinderResult

    def draw(self, path: Path) -> Path:
        return plot_lr_find(self.result, path)


def lr_find_of(
    target: str,
    data: str | None = None,
    data_dir: str | None = None,
    *,
    optimizer: str = "adam",
    batch_size: int = 64,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    steps: int = 200,
    init: str = "default",
    seed: int = 0,
) -> LRFindPicture:
    """The LR range test (Smith, 2017) on a copy of the model, with its suggestion."""
    prepared, from_run = prepared_target(
        target, data, data_dir, optimizer=optimizer, batch_size=batch_size, init=init, seed=seed
    )
    config = prepared.config
    if from_run:
        config = dataclasses.replace(config, optimizer=optimizer)
    batches = endless(prepared.loader(batch_size))
    result = lr_find(prepared.model, batches, config, start_lr=start_lr, end_lr=end_lr, steps=steps)
    return LRFindPicture(
        title=f"LR range test of {target}",
        default_path=_plot_path(target, from_run, "lr_find.png"),
        result=result,
    )


@dataclass(kw_only=True)
class InitTablePicture(Picture):
    runs: list[InitRun]  # one per (scheme, activation)

    def draw(self, path: Path) -> Path:
        return plot_init_table(self.runs, path)


def init_table_picture(
    depth: int = 10, width: int = 500, examples: int = 1000, seed: int = 0
) -> InitTablePicture:
    """Activation statistics per layer of a deep tanh/ReLU net under small random, Xavier
    and He initialisation (the lectures' table); its histograms have no default file."""
    if min(depth, width, examples) < 1 or examples < 2:
        raise ConfigError("depth and width must be at least 1 and examples at least 2")
    return InitTablePicture(
        title=f"{depth} layers of {width} units, {examples} unit-Gaussian inputs",
        default_path=None,
        runs=init_table(depth=depth, width=width, examples=examples, seed=seed),
    )
