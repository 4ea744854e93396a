"""Compare runs: overlaid learning curves and a table of final metrics and costs.

Each run is labelled by the config fields in which the runs differ (``lr=0.1`` against
``lr=0.001``), so the legend says what the comparison is about.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.errors import ConfigError
from cnnlab.figure import subplots
from cnnlab.inspect import summary
from cnnlab.train import Run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

IGNORED_FIELDS = {"out", "device", "data_dir", "workers", "tensorboard"}  # not the recipe


@dataclass
class RunRow:
    """One run's final figures."""

    label: str
    path: Path
    epochs: int
    val_accuracy: float | None
    test_accuracy: float | None
    params: int
    macs: int
    seconds: float


def run_labels(runs: list[Run]) -> list[str]:
    """``field=value`` for every config field that differs between ``runs``; the folder
    name when the configs agree."""
    configs = [dataclasses.asdict(run.config) for run in runs]
    differing = [
        name
        for name in configs[0]
        if name not in IGNORED_FIELDS and any(c[name] != configs[0][name] for c in configs)
    ]
    if not differing:
        return [run.path.name for run in runs]
    return [" ".join(f"{name}={c[name]}" for name in differing) for c in configs]


def final_row(run: Run, label: str) -> RunRow:
    metrics = run.metrics()
    results = run.results() or {}
    cost = summary(run.model, run.input_shape, device="meta")
    last = metrics[-1] if metrics else {}
    return RunRow(
        label=label,
        path=run.path,
        epochs=len(metrics),
        val_accuracy=last.get("val_accuracy"),
        test_accuracy=results.get("accuracy"),
        params=cost.total_params,
        macs=cost.total_macs,
        seconds=round(sum(float(m.get("seconds", 0.0)) for m in metrics), 3),
    )


def compare(paths: list[str | Path]) -> tuple[Figure, list[RunRow]]:
    """Open each run folder in ``paths``; return the figure of their training and
    validation curves (loss and accuracy per epoch) and one :class:`RunRow` per run."""
    if len(paths) < 2:
        raise ConfigError(f"compare needs at least two run folders, got {len(paths)}")
    runs = [Run.open(path, device="cpu") for path in paths]
    labels = run_labels(runs)
    fig, (loss_axes, accuracy_axes) = subplots(1, 2, figsize=(11, 4.5))
    for run, label in zip(runs, labels, strict=True):
        metrics = run.metrics()
        epochs = [m["epoch"] for m in metrics]
        for axes, key in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
            (line,) = axes.plot(epochs, [m.get(f"train_{key}") for m in metrics], label=label)
            if any(f"val_{key}" in m for m in metrics):
                axes.plot(
                    epochs,
                    [m.get(f"val_{key}") for m in metrics],
                    linestyle="--",
                    color=line.get_color(),
                )
    for axes, key in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        axes.set_xlabel("epoch")
        axes.set_ylabel(key)
        axes.set_title(f"{key}: training (solid), validation (dashed)")
        axes.legend(fontsize="small")
    fig.tight_layout()
    return fig, [final_row(run, label) for run, label in zip(runs, labels, strict=True)]
