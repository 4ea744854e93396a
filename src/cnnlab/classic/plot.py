"""The cross-validation curve: mean accuracy (and its spread over folds) against a knob."""

from __future__ import annotations

from pathlib import Path

from cnnlab.classic.fit import ClassicResult
from cnnlab.figure import save_figure, subplots


def plot_cross_validation(result: ClassicResult, path: str | Path) -> Path:
    """One line per combination of the other knobs, against the knob with most values."""
    rows = result.cross_validation
    knobs = list(rows[0].params)
    x_knob = max(knobs, key=lambda name: len({str(row.params[name]) for row in rows}))
    others = [name for name in knobs if name != x_knob]
    lines: dict[str, list] = {}
    for row in rows:
        label = ", ".join(f"{name}={row.params[name]}" for name in others) or result.method
        lines.setdefault(label, []).append(row)
    fig, ax = subplots(figsize=(6, 4))
    numeric = all(isinstance(row.params[x_knob], int | float) for row in rows)
    for label, line in lines.items():
        xs = [row.params[x_knob] if numeric else str(row.params[x_knob]) for row in line]
        means = [row.mean for row in line]
        ax.errorbar(
            xs, means, yerr=[row.std for row in line], fmt="-o", ms=4, capsize=3, label=label
        )
        for row in line:  # every fold's accuracy, as in the lectures' cross-validation plot
            x = row.params[x_knob] if numeric else str(row.params[x_knob])
            ax.scatter([x] * len(row.folds), row.folds, s=8, alpha=0.4, color="grey")
    if numeric and x_knob in ("C", "gamma"):
        ax.set_xscale("log")
    elif numeric:
        ax.set_xticks(sorted({row.params[x_knob] for row in rows}))
    best = ", ".join(f"{k}={v}" for k, v in result.best.items())
    ax.set(
        xlabel=x_knob,
        ylabel=f"accuracy ({result.folds}-fold cross-validation)",
        title=f"{result.method} on {result.data}, features: {result.features}\n"
        f"best {best}: test accuracy {result.test_accuracy:.4f}",
    )
    ax.title.set_fontsize(9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
