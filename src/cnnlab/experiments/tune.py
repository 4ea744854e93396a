"""Hyper-parameter search on Optuna (Akiba et al., 2019): every trial is an ordinary run
folder, the study lives in a database (an SQLite file beside the trials by default), and
the same command resumes it.

``--workers K`` starts K processes that share the study through its database; each takes
a new trial while the study holds fewer than ``--trials`` finished (complete or pruned)
and running ones, so the finished count reaches the target exactly whichever worker
finishes first. A failed trial (a NaN loss, a killed worker) never counts.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from cnnlab.atomic import atomic_write_text
from cnnlab.errors import CnnlabError, ConfigError, TrainingError
from cnnlab.experiments.space import Space, read_space, refine_space, suggest, toml_value
from cnnlab.experiments.study import (
    STUDY_NAME,
    WORKER,
    check_choices,
    fail_dead_trials,
    make_pruner,
    make_sampler,
    open_storage,
    quiet_optuna,
    storage_url,
    worker_name,
)
from cnnlab.experiments.study_plots import history_figure, importances_figure, parallel_figure
from cnnlab.experiments.trials import EPOCHS, TrialRow, read_csv, trial_rows, write_csv
from cnnlab.figure import save_figure
from cnnlab.train import fit
from cnnlab.train.callbacks import Callback

MAX_FAILURES_IN_A_ROW = 3  # a worker stops when this many of its trials fail in a row


class ReportValidation(Callback):
    """Report each epoch's validation accuracy to the trial, and stop a trial the pruner
    judges hopeless (Optuna's TrialPruned ends training). ``per_epoch`` False (k-fold
    trials, which report once per fold) only records the epochs and the last accuracy."""

    def __init__(self, trial: Any, epochs_before: int = 0, per_epoch: bool = True):
        self.trial = trial
        self.epochs_before = epochs_before  # epochs of the trial's earlier folds
        self.per_epoch = per_epoch
        self.last: float | None = None

    def on_epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        self.trial.set_user_attr(EPOCHS, self.epochs_before + row["epoch"])
        if "val_accuracy" in row:
            self.last = float(row["val_accuracy"])
            if self.per_epoch:
                prune_or_go_on(self.trial, self.last, row["epoch"])


def prune_or_go_on(trial: Any, value: float, step: int) -> None:
    import optuna

    trial.report(value, step)
    if trial.should_prune():
        raise optuna.TrialPruned(f"step {step}")


@dataclass
class Search:
    """Everything a worker process needs to run trials (picklable)."""

    space: Space
    out: Path
    url: str
    sampler: str
    pruner: str
    trials: int
    workers: int
    cv: int = 0  # k-fold cross-validation of every trial (0: the val_split hold-out)
    worker: int = 0  # this worker's index, 0..workers-1

    def study(self) -> Any:
        import numpy as np
        import optuna

        storage = open_storage(self.url)
        started = len(storage.get_all_trials(storage.get_study_id_from_name(STUDY_NAME)))
        # A resumed or parallel worker draws new points, not the first worker's again.
        seed = int(np.random.SeedSequence([self.seed, self.worker, started]).generate_state(1)[0])
        return optuna.load_study(
            study_name=STUDY_NAME,
            storage=storage,
            sampler=make_sampler(self.sampler, self.space, seed, self.workers > 1),
            pruner=make_pruner(self.pruner, self.space),
        )

    @property
    def seed(self) -> int:
        return int(self.space.fixed.get("seed", 0))


@dataclass
class TuneResult:
    best_trial: int
    best_value: float
    best_params: dict[str, Any]
    recipe: Path
    completed: int  # finished trials (complete or pruned) in the study
    rows: list[TrialRow]  # every trial of the study
    table: Path  # the rows as CSV
    pictures: list[Path]  # history, parallel coordinates, importances (PNG)
    space: Path  # the space searched, as a file beside the study
    failed_on_resume: list[int] = field(default_factory=list)  # trials a dead worker left
    notes: list[str] = field(default_factory=list)  # what was not drawn, and why


def tune(
    space: str | Path | None,
    trials: int,
    out: str | Path,
    sampler: str = "tpe",
    pruner: str = "none",
    workers: int = 1,
    storage: str | None = None,
    refine: str | Path | None = None,
    cv: int = 0,
) -> TuneResult:
    """Run trials until ``trials`` have finished in the study (``out/study.db``, or the
    database at ``storage``), maximising the last epoch's validation accuracy, with
    ``workers`` processes; write the best recipe to ``out/best.toml`` (``cnnlab train
    --config`` runs it). Rerunning the same call resumes the search. ``refine``: the
    folder of an earlier study, whose space is narrowed around its best trials (coarse to
    fine) instead of reading ``space``; the new space is written to ``out/space.toml``.
    ``cv`` K: every trial is K runs, each validated on one of K folds of the training
    split; its value is their mean validation accuracy (for small datasets: the digits)."""
    import optuna

    check_choices(sampler, pruner, trials, workers)
    if cv == 1 or not 0 <= cv <= 100:
        raise ConfigError(f"--cv must be 0 (off) or 2..100 folds, got {cv}")
    chosen = refined(Path(refine)) if refine is not None else read_space(required(space))
    if sampler == "grid":
        trials = min(trials, grid_size(chosen))
    out = Path(out)
    url = storage_url(out, storage)
    if storage is not None:
        with quiet_optuna():
            open_storage(url)  # a bad URL is refused before anything is written
    out.mkdir(parents=True, exist_ok=True)
    keep_space(chosen, out, cv)
    search = Search(chosen, out, url, sampler, pruner, trials, workers, cv)
    with quiet_optuna():
        optuna.create_study(
            study_name=STUDY_NAME, storage=open_storage(url), direction="maximize",
            load_if_exists=True,
        )  # fmt: skip
        study = search.study()
        failed = fail_dead_trials(study)
        if workers == 1:
            run_worker(search)
        else:
            run_workers(search)
        return finish(study, search, failed)


def required(space: str | Path | None) -> str | Path:
    if space is None:
        raise ConfigError("tune needs --space FILE, or --refine DIR to narrow an earlier study")
    return space


def refined(previous: Path) -> Space:
    """The space of the study in ``previous`` narrowed around its best trials."""
    source = f"--refine {previous}"
    for name in ("space.toml", "trials.csv"):
        if not (previous / name).is_file():
            raise ConfigError(f"{source}: no {name} there; give the folder of a cnnlab tune study")
    earlier = read_space(previous / "space.toml")
    return refine_space(earlier, read_csv(previous / "trials.csv"), source)


def grid_size(space: Space) -> int:
    size = 1
    for values in space.grid().values():
        size *= len(values)
    return size


def keep_space(space: Space, out: Path, cv: int) -> None:
    """Write the space (and ``--cv``, as a comment) into the study folder; refuse to resume
    a study with another space or another number of folds, whose values would not compare."""
    kept = out / "space.toml"
    text = space.text() + (f"# searched with --cv {cv}\n" if cv else "")
    if kept.exists() and kept.read_text(encoding="utf-8") != text:
        raise ConfigError(
            f"{space.source}: the study in {out} was started with another space or --cv "
            f"({kept}); give a new --out for a new search"
        )
    atomic_write_text(kept, text)


def run_workers(search: Search) -> None:
    """``search.workers`` processes, each running :func:`run_worker` on the shared study."""
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    processes = [
        context.Process(target=worker_main, args=(Search(**{**vars(search), "worker": i}), errors))
        for i in range(search.workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    if not errors.empty():
        exit_code, message = errors.get()
        raise (TrainingError if exit_code == 1 else ConfigError)(message)
    if any(p.exitcode for p in processes):
        codes = [p.exitcode for p in processes]
        raise TrainingError(f"tune --workers {search.workers}: a worker died (exit codes {codes})")


def worker_main(search: Search, errors: Any) -> None:
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // search.workers))
    try:
        with quiet_optuna():
            run_worker(search)
    except CnnlabError as exc:
        errors.put((exc.exit_code, str(exc)))


def run_worker(search: Search) -> None:
    """Take trials one at a time while the study holds fewer than ``search.trials`` finished
    or running ones."""
    import optuna

    study = search.study()
    failures: list[str] = []
    counted = (
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.PRUNED,
        optuna.trial.TrialState.RUNNING,
        optuna.trial.TrialState.WAITING,
    )
    while len(study.get_trials(deepcopy=False, states=counted)) < search.trials:
        before = len(failures)
        study.optimize(partial(objective, search, failures), n_trials=1, catch=(TrainingError,))
        if len(failures) == before:
            failures.clear()
        if len(failures) >= MAX_FAILURES_IN_A_ROW:
            raise TrainingError(
                f"tune: {len(failures)} trials in a row failed; the last: {failures[-1]}"
            )


def objective(search: Search, failures: list[str], trial: Any) -> float:
    """Train one trial's run folder; its value is the last epoch's validation accuracy.
    With ``search.cv`` K, train K run folders (``trial-NNNN/fold-k``), each validated on
    its own fold; the value is the mean of their last epochs' validation accuracies."""
    trial.set_user_attr(WORKER, worker_name())
    trial.set_user_attr(EPOCHS, 0)
    params = {name: suggest(trial, name, spec) for name, spec in search.space.searched.items()}
    folder = search.out / f"trial-{trial.number:04d}"
    if not search.cv:
        return train_trial(search, failures, trial, search.space.config(params, folder))
    accuracies: list[float] = []
    for fold in range(search.cv):
        config = search.space.config(
            {**params, "folds": search.cv, "fold": fold}, folder / f"fold-{fold}"
        )
        epochs = int(trial.user_attrs.get(EPOCHS, 0)) if fold else 0
        accuracies.append(train_trial(search, failures, trial, config, epochs))
        trial.set_user_attr("fold_accuracies", accuracies)
        prune_or_go_on(trial, sum(accuracies) / len(accuracies), fold)
    return sum(accuracies) / len(accuracies)


def train_trial(
    search: Search, failures: list[str], trial: Any, config: Any, epochs_before: int = 0
) -> float:
    """Train one run folder of ``trial``; its last epoch's validation accuracy."""
    report = ReportValidation(trial, epochs_before, per_epoch=not search.cv)
    try:
        fit(config, callbacks=[report])
    except TrainingError as exc:
        failures.append(f"trial {trial.number}: {exc}")
        raise
    if report.last is None:
        raise ConfigError(f"{search.space.source}: trials need a validation split (val_split > 0)")
    return report.last


def finish(study: Any, search: Search, failed: list[int]) -> TuneResult:
    """Write best.toml, trials.csv and the study's pictures; the result."""
    import optuna

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    completed = len(study.get_trials(deepcopy=False, states=finished))
    try:
        best = study.best_trial
    except ValueError:
        raise TrainingError(f"tune: no trial of the study in {search.out} completed") from None
    recipe = write_recipe(search.space, best.params, search.out / "best.toml")
    rows = trial_rows(study)
    table = write_csv(rows, list(search.space.searched), search.out / "trials.csv")
    pictures = [
        save_figure(history_figure(rows), search.out / "history.png"),
        save_figure(parallel_figure(rows, search.space), search.out / "parallel.png"),
    ]
    notes = []
    importances, why_not = param_importances(study)
    if importances:
        pictures.append(
            save_figure(importances_figure(importances), search.out / "importances.png")
        )
    else:
        notes.append(f"no parameter importances: {why_not}")
    return TuneResult(
        best.number, float(best.value), best.params, recipe, completed, rows, table, pictures,
        search.out / "space.toml", failed, notes,
    )  # fmt: skip


def param_importances(study: Any) -> tuple[dict[str, float], str]:
    """Optuna's parameter importances, or nothing and why (too few trials, say)."""
    import optuna

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importances = optuna.importance.get_param_importances(study)
        except (ValueError, RuntimeError) as exc:
            return {}, str(exc)
    doubts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return ({}, doubts[0]) if doubts else (importances, "")


def write_recipe(space: Space, params: dict[str, Any], path: Path) -> Path:
    """The fixed fields and ``params`` as a recipe ``cnnlab train --config`` runs."""
    model_args = space.config(params, path.parent).model_args
    fields = {**space.fixed, "model_args": model_args, **params}
    fields = {k: v for k, v in fields.items() if "." not in k and v != {}}
    return atomic_write_text(path, "".join(f"{k} = {toml_value(v)}\n" for k, v in fields.items()))
