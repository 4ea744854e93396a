"""``cnnlab report RUN``: one self-contained HTML page about a trained run.

The page holds the summary, learning curves, confusion matrix, per-class accuracy,
first-layer filters, most confident mistakes (a multi-digit reader: its digit confusion
and misread sequences), the model's per-layer table, totals and memory
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.atomic import atomic_write_text
from cnnlab.inspect.summary import ModelSummary, summary
from cnnlab.inspect.summary_render import format_macs, shape_text, totals_lines
from cnnlab.train.evaluate import evaluate_run_outputs
from cnnlab.train.readings import readings_of_outputs
from cnnlab.train.run import Run
from cnnlab.viz.activations import first_conv_name
from cnnlab.viz.filters import filter_weights, plot_filters
from cnnlab.viz.mistakes import (
    misread_sequences,
    most_confident_mistakes,
    plot_misread,
    plot_mistakes,
    predict,
)
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
    verdict = _verdict(loaded, plots)
    per_class = [
        [name, str(total), f"{100 * accuracy:.1f}%"]
        for name, total, accuracy in zip(
            verdict.classes,
            verdict.confusion.sum(axis=1).tolist(),
            verdict.per_class,
            strict=True,
        )  # fmt: skip
    ]
    confusion = plot_confusion(verdict.confusion, verdict.classes, plots / "confusion.png")
    layers = summary(loaded.model, loaded.input_shape)
    config = [[key, json.dumps(value)] for key, value in dataclasses.asdict(loaded.config).items()]
    page = PAGE.substitute(
        title=html.escape(f"cnnlab report: {loaded.config.model} on {loaded.config.data}"),
        subtitle=html.escape(f"run folder {loaded.path.resolve()}, checkpoint {which}"),
        summary=_table(["", "value"], _summary(loaded, verdict, layers)),
        curves=_curves(loaded, plots),
        confusion_heading=html.escape(verdict.confusion_heading),
        confusion=_image(confusion, "confusion matrix"),
        per_class=_table([verdict.row_name, "test images", "accuracy"], per_class, {1, 2}),
        filters=_filters(loaded, plots),
        mistakes_heading=html.escape(verdict.mistakes_heading),
        mistakes=_image(verdict.mistakes, "mistakes"),
        layers=_model_section(layers),
        config=_table(["field", "value"], config),
    )
    return atomic_write_text(target, page)


@dataclass
class Verdict:
    """How the run does on its test split, whatever its head: a classifier's (or a
    localisation run's) classes, or a multi-digit reader's digits at their positions."""

    accuracy: float  # top-1; whole-sequence accuracy for a multi-digit reader
    accuracy_name: str
    confusion: np.ndarray  # (classes, classes) counts, rows true
    classes: list[str]
    per_class: list[float]  # accuracy of each class (recall)
    row_name: str  # what a row of the confusion matrix is
    confusion_heading: str
    mistakes: Path  # their picture
    mistakes_heading: str


def _verdict(loaded: Run, plots: Path) -> Verdict:
    path = plots / "mistakes.png"
    if loaded.task == "sequence":
        result, outputs = evaluate_run_outputs(loaded, "test")  # one pass for both
        readings = readings_of_outputs(loaded, outputs)
        misread = misread_sequences(loaded, "test", MISTAKES_SHOWN, readings)
        title = f"{misread.wrong} of {misread.count} test sequences misread; the first ones"
        return Verdict(
            accuracy=result.accuracy,
            accuracy_name="test sequence accuracy (the length and every digit right)",
            confusion=np.array(result.confusion),
            classes=result.classes,
            per_class=result.per_class,
            row_name="digit",
            confusion_heading="Digits read at their positions: confusion and per-digit accuracy",
            mistakes=plot_misread(misread, title, path),
            mistakes_heading="Misread sequences",
        )
    predictions = predict(loaded, "test")
    mistakes = most_confident_mistakes(predictions, MISTAKES_SHOWN)
    wrong = int((predictions.predicted != predictions.dataset.labels).sum())
    title = f"{wrong} of {len(predictions.dataset)} test images wrong; the most confident ones"
    return Verdict(
        accuracy=predictions.accuracy(),
        accuracy_name="test accuracy",
        confusion=predictions.confusion().numpy(),
        classes=predictions.dataset.classes,
        per_class=predictions.per_class_accuracy().tolist(),
        row_name="class",
        confusion_heading="Confusion matrix and per-class accuracy",
        mistakes=plot_mistakes(mistakes, title, path),
        mistakes_heading="Most confident mistakes",
    )


def _curves(loaded: Run, plots: Path) -> str:
    rows = loaded.metrics()
    if not rows:
        return "<p>No epochs recorded (metrics.jsonl is empty).</p>"
    return _image(plot_curves(rows, plots / "curves.png"), "learning curves")


def _filters(loaded: Run, plots: Path) -> str:
    layer = first_conv_name(loaded.model)
    weights = filter_weights(loaded.model, layer)
    title = f"{loaded.config.model} {layer}: {tuple(weights.shape)}"
    picture = plot_filters(weights, title, plots / f"filters-{layer}.png")
    return _image(picture, f"filters of {layer}")


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


TASK_FIGURES = {  # a task head's figures in results.json, as the summary names them
    "mean_iou": ("test mean IoU (predicted against true box)", "{:.4f}"),
    "iou_50": ("test boxes with IoU >= 0.5", "{:.2%}"),
    "digit_accuracy": ("test digit accuracy (each digit at its position)", "{:.2%}"),
    "length_accuracy": ("test length accuracy", "{:.2%}"),
}


def _summary(loaded: Run, verdict: Verdict, model: ModelSummary) -> list[list[str]]:
    config = loaded.config
    rows = loaded.metrics()
    facts = [
        ["model", config.model],
        ["dataset", config.data],
        ["task", loaded.task],
        ["input", " x ".join(map(str, model.input_shape))],
        ["parameters", f"{model.total_params:,}"],
        ["multiply-adds per image", format_macs(model.total_macs)],
        ["epochs trained", str(rows[-1]["epoch"]) if rows else "0"],
        [verdict.accuracy_name, f"{100 * verdict.accuracy:.2f}%"],
    ]
    results = loaded.results()
    if results is not None:
        facts.append(["test loss", f"{results['loss']:.4f}"])
        if results.get("top5") is not None:  # a multi-digit reader has none
            facts.append(["test top-5 accuracy", f"{100 * results['top5']:.2f}%"])
        for key, value in results.get("extra", {}).items():
            if key in TASK_FIGURES:
                name, form = TASK_FIGURES[key]
                facts.append([name, form.format(value)])
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
