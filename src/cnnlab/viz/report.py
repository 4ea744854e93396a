"""``cnnlab report RUN``: one self-contained HTML page about a trained run.

The page holds the summary, learning curves, confusion matrix, per-class accuracy,
first-layer filters, most confident mistakes, the model's per-layer table, totals and memory
estimate (:func:`cnnlab.summary`, as ``cnnlab summary`` prints it) and the whole
configuration. Every picture is also written to the run's ``plots/`` folder and embedded
in the page as a base64 data URI, so the file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import tempfile
from pathlib import Path
from typing import Any

from cnnlab.atomic import atomic_write_text
from cnnlab.inspect.summary import ModelSummary, summary
from cnnlab.inspect.summary_render import format_macs, shape_text, totals_lines
from cnnlab.train.run import Run
from cnnlab.viz.activations import first_conv_name
from cnnlab.viz.filters import filter_weights, plot_filters
from cnnlab.viz.mistakes import most_confident_mistakes, plot_mistakes, predict
from cnnlab.viz.plots import plot_confusion, plot_curves
from cnnlab.viz.report_template import PAGE

MISTAKES_SHOWN = 16


def build_report(run: str | Path, out: str | Path | None = None, which: str = "last") -> Path:
    """Write the report of ``run`` to ``out`` (default RUN/report.html); return its path.

    Without ``out`` the pictures are also kept in RUN/plots/; with ``out`` nothing is
    written into the run folder (the pictures live only inside the page)."""
    loaded = Run.open(run, which)
    if out is None:
        return _write(loaded, loaded.path / "report.html", loaded.folder.plots, which)
    with tempfile.TemporaryDirectory(prefix="cnnlab-report-") as plots:
        return _write(loaded, Path(out), Path(plots), which)


def _write(loaded: Run, target: Path, plots: Path, which: str) -> Path:
    sections = _figures(loaded, plots)
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
    layers = summary(loaded.model, loaded.input_shape)
    config = [[key, json.dumps(value)] for key, value in dataclasses.asdict(loaded.config).items()]
    page = PAGE.substitute(
        title=html.escape(f"cnnlab report: {loaded.config.model} on {loaded.config.data}"),
        subtitle=html.escape(f"run folder {loaded.path.resolve()}, checkpoint {which}"),
        summary=_table(["", "value"], _summary(loaded, predictions.accuracy(), layers)),
        per_class=_table(["class", "test images", "accuracy"], per_class, numeric={1, 2}),
        layers=_model_section(layers),
        config=_table(["field", "value"], config),
        **sections,
    )
    return atomic_write_text(target, page)


def _figures(loaded: Run, plots: Path) -> dict[str, Any]:
    """Draw the run's pictures into ``plots``; return them as <img> elements."""
    config = loaded.config
    predictions = predict(loaded, "test")
    rows = loaded.metrics()
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


def _model_section(model: ModelSummary) -> str:
    """The summary's layer table (as ``cnnlab summary`` prints it), then its totals and
    memory estimate side by side."""
    indent = "\u00a0\u00a0"  # children under their parent, as in the printed table
    layers = [
        [indent * (row.depth - 1) + row.label, row.name, shape_text(row)]
        + [f"{row.params:,}", f"{row.macs:,}"]
        for row in model.visible_rows()
    ]
    lines = totals_lines(model)
    blank = lines.index("")
    totals, memory = (
        [line.rsplit(": ", 1) for line in part] for part in (lines[:blank], lines[blank + 1 :])
    )
    header = ["layer (type)", "name", "output shape", "parameters", "MACs"]
    return (
        _table(header, layers, numeric={3, 4})
        + '\n<div class="columns">\n<div>'
        + _table(["totals", ""], totals, numeric={1})
        + "</div>\n<div>"
        + _table(["memory estimate (float32)", ""], memory, numeric={1})
        + "</div>\n</div>"
    )


def _summary(loaded: Run, accuracy: float, model: ModelSummary) -> list[list[str]]:
    config = loaded.config
    rows = loaded.metrics()
    facts = [
        ["model", config.model],
        ["dataset", config.data],
        ["input", " x ".join(map(str, model.input_shape))],
        ["parameters", f"{model.total_params:,}"],
        ["multiply-adds per image", format_macs(model.total_macs)],
        ["epochs trained", str(rows[-1]["epoch"]) if rows else "0"],
        ["test accuracy", f"{100 * accuracy:.2f}%"],
    ]
    results = loaded.results()
    if results is not None:
        facts += [
            ["test loss", f"{results['loss']:.4f}"],
        ]
        if results.get("top5") is not None:  # a multi-digit reader has none
            facts.append(["test top-5 accuracy", f"{100 * results['top5']:.2f}%"])
    if rows and "val_accuracy" in rows[-1]:
        best = max(rows, key=lambda row: row["val_accuracy"])
        facts.append(
            [
                "best validation accuracy",
                f"{100 * best['val_accuracy']:.2f}% (epoch {best['epoch']})",
            ]
        )
    return facts


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
