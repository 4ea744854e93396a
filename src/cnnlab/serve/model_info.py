"""About the model: its name and source, classes, input, summary table, the layers the page
shows, and for a trained run its learning curves. Computed once, at start-up."""

from __future__ import annotations

from typing import Any

from torch import nn

from cnnlab.inspect.summary import summary
from cnnlab.serve.lab import Lab
from cnnlab.train.run import Run
from cnnlab.weights.shipped import FILES, PREFIX

# The page's names for the columns of metrics.jsonl.
CURVES = {
    "train_loss": "train_loss",
    "val_loss": "val_loss",
    "train_acc": "train_accuracy",
    "val_acc": "val_accuracy",
}


def source_name(run: Run) -> str:
    """``cnnlab:NAME`` for shipped weights, else the run folder's (or file's) name."""
    path = run.path
    if path.is_file() and path.parent.resolve() == FILES.resolve():
        return PREFIX + path.stem
    return path.name


def summary_rows(lab: Lab) -> dict[str, Any]:
    table = summary(lab.run.model, lab.run.input_shape, depth=None)
    rows = [
        {
            "layer": row.name,
            "type": row.kind,
            "depth": row.depth,
            "output_shape": list(row.output_shapes[0][1:]) if row.output_shapes else [],
            "params": row.params,
            "macs": row.macs,
        }
        for row in table.rows
    ]
    return {"rows": rows, "total_params": table.total_params, "total_macs": table.total_macs}


def convolution(module: nn.Module) -> dict[str, Any] | None:
    if not isinstance(module, nn.Conv2d):
        return None
    padding = module.padding  # a pair, or TensorFlow's "same" / "valid"
    return {
        "kernel": list(module.kernel_size),
        "stride": list(module.stride),
        "padding": padding if isinstance(padding, str) else list(padding),
        "in_channels": module.in_channels,
    }


def curves(lab: Lab) -> dict[str, list] | None:
    """Per-epoch losses and accuracies from the run's metrics; None without any."""
    rows = lab.run.metrics() if lab.run.path.is_dir() else []
    if not rows:
        return None
    return {"epoch": [row["epoch"] for row in rows]} | {
        name: [row.get(column) for row in rows] for name, column in CURVES.items()
    }


def model_info(lab: Lab) -> dict[str, Any]:
    """The JSON of ``GET /api/model``."""
    channels, height, width = lab.run.input_shape
    return {
        "name": lab.run.meta.get("model", lab.run.config.model),
        "source": source_name(lab.run),
        "classes": lab.run.classes,
        "input": {
            "channels": channels,
            "height": height,
            "width": width,
            "background": lab.background,
        },
        "summary": summary_rows(lab),
        "layers": [
            {
                "name": layer.name,
                "type": layer.kind,
                "shape": list(layer.shape),
                "convolution": convolution(layer.module),
            }
            for layer in lab.layers
        ],
        "curves": curves(lab),
    }
