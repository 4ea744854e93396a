"""Predictions as text: a table for people, CSV or JSON for programs."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from cnnlab.errors import shown
from cnnlab.predict.predict import Predictions, SplitPredictions

FORMATS = ("table", "csv", "json")


def render(predictions: Predictions, format: str = "table") -> str:
    """``predictions`` in ``format`` (one of :data:`FORMATS`)."""
    if format == "json":
        return json.dumps(as_dict(predictions), indent=2) + "\n"
    if format == "csv":
        return as_csv(predictions)
    return as_table(predictions)


def as_dict(predictions: Predictions) -> dict[str, Any]:
    values: dict[str, Any] = {
        "fit": predictions.fit,
        "invert": predictions.invert,
        "training_border": predictions.training_border,
        "tta": predictions.tta,
        "predictions": [
            {
                "file": row.source,
                "top": [{"class": name, "probability": p} for name, p in row.top],
                "inverted": row.inverted,
                **({"label": row.label} if row.label is not None else {}),
                **({"box": row.box} if row.box is not None else {}),
                **({"sequence": row.sequence} if row.sequence is not None else {}),
                **({"error": row.error} if row.error else {}),
            }
            for row in predictions.rows
        ],
    }
    if isinstance(predictions, SplitPredictions):
        values.update(split=predictions.split, accuracy=predictions.accuracy)
        values.update(count=predictions.count)
    return values


def as_csv(predictions: Predictions) -> str:
    """One row per image: file, label, inverted, error, then class and probability pairs."""
    top = max((len(row.top) for row in predictions.rows), default=0)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    ranks = [f"{field}{k}" for k in range(1, top + 1) for field in ("class", "p")]
    tasks = task_fields(predictions)
    writer.writerow(["file", "label", "inverted", "error", *tasks, *ranks])
    for row in predictions.rows:
        pairs = [v for name, p in row.top for v in (name, f"{p:.6f}")]
        values = {"box": " ".join(map(str, row.box or [])), "sequence": row.sequence or ""}
        firsts = [row.source, row.label or "", int(row.inverted), row.error or ""]
        writer.writerow([*firsts, *(values[field] for field in tasks), *pairs])
    return text.getvalue()


def as_table(predictions: Predictions) -> str:
    """A table: each image's classes with probabilities, and why a file was not used."""
    table = Table(show_edge=False)
    for name in ("file", "prediction", "note"):
        table.add_column(name)
    rows = predictions.rows
    if isinstance(predictions, SplitPredictions):  # a split's table lists its mistakes
        rows = [row for row in rows if (row.sequence or row.top[0][0]) != row.label]
    for row in rows:
        best = "  ".join(f"{name} {p:.3f}" for name, p in row.top)
        if row.box is not None:
            best += "  box x,y,w,h " + ",".join(f"{v:g}" for v in row.box)
        if row.sequence is not None:
            best = f"reads {row.sequence or '(no digits)'}"
        note = row.error or ("inverted (background opposite to training)" if row.inverted else "")
        if row.label is not None:
            note = f"true: {row.label}"
        table.add_row(shown(row.source), best, shown(note) if note else "")
    text = io.StringIO()
    Console(file=text, width=200, no_color=True, highlight=False).print(table)
    return text.getvalue() + summary_line(predictions) + "\n"


def task_fields(predictions: Predictions) -> list[str]:
    """The CSV columns of a task head's readings: box, sequence, when any row has one."""
    rows = predictions.rows
    return [
        name
        for name, present in (
            ("box", any(row.box is not None for row in rows)),
            ("sequence", any(row.sequence is not None for row in rows)),
        )
        if present
    ]


def summary_line(predictions: Predictions) -> str:
    if isinstance(predictions, SplitPredictions):
        views = (
            "" if predictions.tta == "none" else f"  (test-time augmentation: {predictions.tta})"
        )
        whole = "sequence " if any(row.sequence is not None for row in predictions.rows) else ""
        return (
            f"{predictions.split} {whole}accuracy {predictions.accuracy:.4f} "
            f"({predictions.count} images){views}; the table lists the mistakes"
        )
    done = len(predictions.rows) - len(predictions.errors)
    inverted = sum(row.inverted for row in predictions.rows)
    border = predictions.training_border
    polarity = (
        f"training border {border:.0f}/255"
        if border is not None
        else "the training images are not at hand"
    )
    return (
        f"{done} images predicted, {len(predictions.errors)} not usable; fit {predictions.fit}, "
        f"invert {predictions.invert} ({polarity}; {inverted} inverted)"
    )
