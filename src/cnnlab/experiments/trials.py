"""The trials of a study as a table: one row per trial, written as CSV beside the study."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.atomic import atomic_write_text

EPOCHS = "epochs"  # the user attribute holding the epochs a trial has run


@dataclass
class TrialRow:
    number: int
    state: str  # COMPLETE, PRUNED, FAIL, RUNNING or WAITING
    params: dict[str, Any]
    value: float | None  # the last epoch's validation accuracy (None: no value)
    epochs: int  # epochs the trial trained
    retry_of: int | None  # the failed trial whose parameters this one tries again


def trial_rows(study: Any) -> list[TrialRow]:
    return [
        TrialRow(
            number=trial.number,
            state=trial.state.name,
            params=dict(trial.params),
            value=trial.value,
            epochs=int(trial.user_attrs.get(EPOCHS, 0)),
            retry_of=trial.system_attrs.get("failed_trial"),
        )
        for trial in study.get_trials(deepcopy=False)
    ]


def write_csv(rows: list[TrialRow], names: list[str], path: Path) -> Path:
    """``number, state, value, epochs, retry_of`` and one column per searched field."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["number", "state", "value", "epochs", "retry_of", *names])
    for row in rows:
        writer.writerow(
            [
                row.number,
                row.state,
                "" if row.value is None else row.value,
                row.epochs,
                "" if row.retry_of is None else row.retry_of,
                *(row.params.get(name, "") for name in names),
            ]
        )
    return atomic_write_text(path, text.getvalue())


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a trials CSV as strings, keyed by column."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))
