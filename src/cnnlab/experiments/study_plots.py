"""Pictures of a study, drawn on matplotlib Figures: the optimisation history, the
parallel coordinates of the searched fields, and the fields' importances."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cnnlab.experiments.space import Space
from cnnlab.experiments.trials import TrialRow
from cnnlab.figure import subplots

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def history_figure(rows: list[TrialRow]) -> Figure:
    """Each trial's value against its number, and the best value so far."""
    fig, axes = subplots(figsize=(7, 4.2))
    for state, marker, color in (("COMPLETE", "o", "tab:blue"), ("PRUNED", "x", "tab:gray")):
        chosen = [r for r in rows if r.state == state and r.value is not None]
        if chosen:
            axes.scatter(
                [r.number for r in chosen],
                [r.value for r in chosen],
                marker=marker,
                color=color,
                label=f"{state.lower()} ({len(chosen)})",
            )
    complete = [r for r in rows if r.state == "COMPLETE" and r.value is not None]
    best, steps = -math.inf, []
    for row in complete:
        best = max(best, row.value)
        steps.append(best)
    if complete:
        axes.step(
            [r.number for r in complete], steps, where="post", color="tab:red", label="best so far"
        )
    for row in rows:
        if row.state == "FAIL":
            axes.axvline(row.number, color="tab:orange", alpha=0.4, linewidth=1)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("trial")
    axes.set_ylabel("validation accuracy (last epoch)")
    failed = sum(r.state == "FAIL" for r in rows)
    axes.set_title(f"optimisation history ({failed} failed: orange lines)")
    axes.legend(loc="best", fontsize="small")
    axes.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def axis_position(space: Space, name: str, value: Any) -> float:
    """``value`` of field ``name`` placed on 0..1 along its axis (log axes for log fields)."""
    spec = space.searched[name]
    if "choices" in spec:
        choices = spec["choices"]
        return choices.index(value) / max(1, len(choices) - 1) if value in choices else 0.5
    low, high = spec["low"], spec["high"]
    if spec.get("log"):
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def axis_ticks(space: Space, name: str) -> list[tuple[str, float]]:
    """``(label, height)`` on a field's axis: every choice, or the range's two ends."""
    spec = space.searched[name]
    if "choices" in spec:
        return [(str(c), axis_position(space, name, c)) for c in spec["choices"]]
    return [(f"{spec['low']:g}", 0.0), (f"{spec['high']:g}", 1.0)]


def parallel_figure(rows: list[TrialRow], space: Space) -> Figure:
    """One vertical axis per searched field (its range bottom to top), one line per finished
    trial, coloured by its value."""
    from matplotlib import cm, colors

    names = list(space.searched)
    fig, axes = subplots(figsize=(max(6, 2.2 * len(names) + 2), 4.8))
    finished = [r for r in rows if r.value is not None and all(n in r.params for n in names)]
    values = [r.value for r in finished]
    norm = colors.Normalize(min(values, default=0), max(values, default=1))
    for row in sorted(finished, key=lambda r: r.value):
        ys = [axis_position(space, n, row.params[n]) for n in names]
        axes.plot(
            range(len(names)), ys, "o-", markersize=4, color=cm.viridis(norm(row.value)), alpha=0.8
        )
    for i, name in enumerate(names):
        axes.axvline(i, color="black", linewidth=1)
        for text, height in axis_ticks(space, name):
            axes.text(
                i + 0.02, height, text, ha="left", va="center", fontsize="small",
                bbox={"color": "white", "alpha": 0.8, "pad": 1},
            )  # fmt: skip
    axes.set_xticks(range(len(names)), [f"{n}\n(log)" if is_log(space, n) else n for n in names])
    axes.set_ylim(-0.05, 1.05)
    axes.set_yticks([])
    axes.set_xlim(-0.3, len(names) - 0.5)
    axes.set_title(f"parallel coordinates of {len(finished)} finished trials")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap="viridis"), ax=axes, label="val accuracy")
    fig.tight_layout()
    return fig


def is_log(space: Space, name: str) -> bool:
    return "choices" not in space.searched[name] and space.is_log(name)


def importances_figure(importances: dict[str, float]) -> Figure:
    """A horizontal bar per searched field: its importance as Optuna's default evaluator
    (PED-ANOVA, Watanabe et al. 2023) measures it, normalised to sum to one."""
    names = list(importances)[::-1]
    fig, axes = subplots(figsize=(6.5, 0.5 * len(names) + 1.6))
    bars = axes.barh(names, [importances[n] for n in names], color="tab:blue")
    axes.bar_label(bars, fmt="%.2f", padding=3)
    axes.set_xlim(0, 1.1)
    axes.set_xlabel("importance for the validation accuracy (sums to 1)")
    axes.set_title("parameter importances (Optuna's PED-ANOVA)")
    fig.tight_layout()
    return fig
