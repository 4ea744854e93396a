"""The Optuna study behind ``cnnlab tune``: its storage, sampler and pruner, and the trials a
killed worker left running.

A worker killed in the middle of a trial (SIGKILL, a power cut) cannot tell the database;
Optuna leaves such a trial RUNNING for ever. Each trial therefore records the host and
process running it, and every worker sends a heartbeat while it trains: when a search
starts, a RUNNING trial whose process on this host is gone, or whose heartbeat is older
than :data:`GRACE_SECONDS` (a worker on another machine), is marked FAIL, and its
parameters are queued once more as a new trial (Optuna's RetryFailedTrialCallback), so the
point is retried and the failed attempt never counts toward ``--trials``.
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cnnlab.errors import ConfigError
from cnnlab.experiments.space import Space

SAMPLERS = ("tpe", "random", "grid", "gp")
PRUNERS = ("none", "median", "hyperband")
STUDY_NAME = "cnnlab"
HEARTBEAT_SECONDS = 10  # how often a training worker tells the database it is alive
GRACE_SECONDS = 60  # a RUNNING trial silent this long belongs to a dead worker
WORKER = "worker"  # the user attribute naming a trial's host and process: "host:pid"


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna without its log lines (a failed trial's traceback among them: the trials
    table says which failed) and its warnings about experimental features (the heartbeat
    cnnlab relies on)."""
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed trials show in the table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            yield
        finally:
            optuna.logging.set_verbosity(verbosity)


def storage_url(out: Path, storage: str | None) -> str:
    """``--storage`` when given, else the SQLite file ``out/study.db``."""
    if storage is None:
        return f"sqlite:///{out / 'study.db'}"
    if "://" not in storage:
        raise ConfigError(
            f"--storage must be a database URL such as postgresql://user:pass@host/db or "
            f"sqlite:///path/study.db, found {storage!r}"
        )
    return storage


def open_storage(url: str) -> Any:
    """Optuna's RDBStorage on ``url``, with heartbeats and one retry of a failed trial."""
    import optuna
    import sqlalchemy.exc

    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        return optuna.storages.RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=HEARTBEAT_SECONDS,
            grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=1
            ),
        )
    except (sqlalchemy.exc.SQLAlchemyError, ImportError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"--storage {url}: cannot open the database: {first}") from None


def make_sampler(name: str, space: Space, seed: int, parallel: bool) -> Any:
    import optuna

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=parallel)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=seed)
    return optuna.samplers.GPSampler(seed=seed)


def make_pruner(name: str, space: Space) -> Any:
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner()
    if name == "hyperband":
        epochs = space.fixed.get("epochs")
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs or "auto")
    return optuna.pruners.NopPruner()


def check_choices(sampler: str, pruner: str, trials: int, workers: int) -> None:
    if sampler not in SAMPLERS:
        raise ConfigError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if pruner not in PRUNERS:
        raise ConfigError(f"--pruner must be one of {', '.join(PRUNERS)}, got {pruner!r}")
    if trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {trials}")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def fail_dead_trials(study: Any) -> list[int]:
    """Mark FAIL the RUNNING trials whose worker process on this host has died, queue each
    one's parameters again, and return their numbers; then let Optuna fail the trials whose
    heartbeat went silent (workers on other machines)."""
    import optuna

    storage = study._storage
    callback = storage.get_heartbeat_stale_trial_callback()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        host, _, pid = str(trial.user_attrs.get(WORKER, "")).partition(":")
        if host != socket.gethostname() or not pid.isdigit() or process_alive(int(pid)):
            continue
        try:
            storage.set_trial_state_values(trial._trial_id, state=optuna.trial.TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker got there first
        failed.append(trial.number)
        callback(study, storage.get_trial(trial._trial_id))
    optuna.storages.fail_stale_trials(study)
    return failed


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process holds that id
    return True
