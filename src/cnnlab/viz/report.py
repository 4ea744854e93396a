"""``cnnlab report RUN``: one self-contained HTML page about a trained run.

The page holds the summary, learning curves, confusion matrix, per-class accuracy,
first-layer filters, most confident mistakes, a per-layer model table and the whole
configuration. Every picture is also written to the run's ``plots/`` folder and embedded
in the page as a base64 data URI, so the file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnlab.atomic import atomic_write_text
from cnnlab.viz.activations import first_conv_name
from cnnlab.viz.filters import filter_weights, plot_filters
from cnnlab.viz.inputs import LoadedRun, open_run
from cnnlab.viz.mistakes import most_confident_mistakes, plot_mistakes, predict
from cnnlab.viz.plots import plot_confusion, plot_curves
from cnnlab.viz.report_template import PAGE

MISTAKES_SHOWN = 16


@dataclass
class LayerRow:
    name: str
    kind: str  # the module's class name
    output_shape: tuple[int, ...]  # without the batch dimension
    params: int  # parameters the module itself holds (not its children's)


def layer_table(model: nn.Module, input_shape: Sequence[int]) -> list[LayerRow]:
    """Every module that holds parameters or has no children, in the order a forward pass on
    one zero image of ``input_shape`` (C, H, W) runs them."""
    rows: list[LayerRow] = []

    def record(name: str):
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            shape = tuple(output.shape[1:]) if isinstance(output, torch.Tensor) else ()
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(LayerRow(name, type(module).__name__, shape, params))

        return hook

    handles = [
        module.register_forward_hook(record(name))
        for name, module in model.named_modules()
        if name
        and (not any(True for _ in module.children()) or any(module.parameters(recurse=False)))
    ]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape, device=device))
    finally:
        for handle in handles:
            handle.remove()
    return rows


def build_report(run: str | Path, out: str | Path | None = None, which: str = "last") -> Path:
    """Write the report of ``run`` to ``out`` (default RUN/report.html); return its path."""
    loaded = open_run(run, which)
    folder = loaded.run
    target = Path(out) if out is not None else folder.path / "report.html"
    sections = _figures(loaded)
    predictions = sections.pop("predictions")
    classes = predictions.dataset.classes
    per_class = [
        [name, str(int(total)), f"{100 * accuracy:.1f}%"]
        for name, total, accuracy in zip(
            classes,
            predictions.confusion().sum(dim=1),
            predictions.per_class_accuracy().tolist(),
            strict=True,
        )
    ]
    input_shape = predictions.dataset.image_shape
    rows = layer_table(loaded.model, input_shape)
    layers = [[r.name, r.kind, " x ".join(map(str, r.output_shape)), f"{r.params:,}"] for r in rows]
    total = sum(p.numel() for p in loaded.model.parameters())
    layers.append(["total", "", "", f"{total:,}"])
    config = [[key, json.dumps(value)] for key, value in dataclasses.asdict(loaded.config).items()]
    page = PAGE.substitute(
        title=html.escape(f"cnnlab report: {loaded.config.model} on {loaded.config.data}"),
        subtitle=html.escape(f"run folder {folder.path.resolve()}, checkpoint {which}"),
        summary=_table(["", "value"], _summary(loaded, predictions.accuracy(), total, input_shape)),
        per_class=_table(["class", "test images", "accuracy"], per_class, numeric={1, 2}),
        layers=_table(["layer", "type", "output shape", "parameters"], layers, numeric={3}),
        config=_table(["field", "value"], config),
        **sections,
    )
    return atomic_write_text(target, page)


def _figures(loaded: LoadedRun) -> dict[str, Any]:
    """Draw the run's pictures into its plots/ folder; return them as <img> elements."""
    plots, config = loaded.run.plots, loaded.config
    predictions = predict(loaded, "test")
    rows = loaded.run.metrics()
    curves = (
        _image(plot_curves(rows, plots / "curves.png"), "learning curves")
        if rows
        else "<p>No epochs recorded (metrics.jsonl is empty).</p>"
    )
    confusion = plot_confusion(
        predictions.confusion().numpy(), predictions.dataset.classes, plots / "confusion.png"
    )
    layer = first_conv_name(loaded.model)
    weights = filter_weights(loaded.model, layer)
    filters = plot_filters(
        weights, f"{config.model} {layer}: {tuple(weights.shape)}", plots / f"filters-{layer}.png"
    )
    mistakes = most_confident_mistakes(predictions, MISTAKES_SHOWN)
    wrong = int((predictions.predicted != predictions.dataset.labels).sum())
    title = f"{wrong} of {len(predictions.dataset)} test images wrong; the most confident ones"
    return {
        "predictions": predictions,
        "curves": curves,
        "confusion": _image(confusion, "confusion matrix"),
        "filters": _image(filters, f"filters of {layer}"),
        "mistakes": _image(plot_mistakes(mistakes, title, plots / "mistakes.png"), "mistakes"),
    }


def _summary(
    loaded: LoadedRun, accuracy: float, params: int, input_shape: Sequence[int]
) -> list[list[str]]:
    config, run = loaded.config, loaded.run
    rows = run.metrics()
    summary = [
        ["model", config.model],
        ["dataset", config.data],
        ["input", " x ".join(map(str, input_shape))],
        ["parameters", f"{params:,}"],
        ["epochs trained", str(rows[-1]["epoch"]) if rows else "0"],
        ["test accuracy", f"{100 * accuracy:.2f}%"],
    ]
    if run.results_path.is_file():
        results = run.read_json(run.results_path)
        summary += [
            ["test loss", f"{results['loss']:.4f}"],
            ["test top-5 accuracy", f"{100 * results['top5']:.2f}%"],
        ]
    if rows and "val_accuracy" in rows[-1]:
        best = max(rows, key=lambda row: row["val_accuracy"])
        summary.append(
            [
                "best validation accuracy",
                f"{100 * best['val_accuracy']:.2f}% (epoch {best['epoch']})",
            ]
        )
    return summary


def _image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An HTML table; every cell is escaped, columns in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(cell)}</td>'
            if i in numeric
            else f"<td>{html.escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<tr>{head}</tr>\n{body}</table>"
