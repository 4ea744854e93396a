"""Hyper-parameter search on Optuna (Akiba et al., 2019): every trial is an ordinary run
folder, the study lives in an SQLite file beside them, and the same command resumes it.

The space is a TOML file: a plain value fixes a config field (``model = "lenet5"``); a
table searches one, ``{low, high, log}`` for numbers or ``{choices = [...]}``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.errors import ConfigError
from cnnlab.train import Run, TrainConfig, fit
from cnnlab.train.callbacks import Callback

SAMPLERS = ("tpe", "random")
PRUNERS = ("none", "median")


class ReportValidation(Callback):
    """Report each epoch's validation accuracy to the trial, and stop a trial the pruner
    judges hopeless (Optuna's TrialPruned ends training)."""

    def __init__(self, trial: Any):
        self.trial = trial

    def on_epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        import optuna

        if "val_accuracy" in row:
            self.trial.report(float(row["val_accuracy"]), row["epoch"])
            if self.trial.should_prune():
                raise optuna.TrialPruned(f"epoch {row['epoch']}")


@dataclass
class TuneResult:
    best_trial: int
    best_value: float
    best_params: dict[str, Any]
    recipe: Path
    completed: int


def read_space(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``(fixed fields, searched fields)`` of a space file; names checked against TrainConfig."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--space {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--space {path} is not valid TOML: {exc}") from None
    fixed = {k: v for k, v in values.items() if not isinstance(v, dict)}
    searched = {k: v for k, v in values.items() if isinstance(v, dict)}
    for name, spec in searched.items():
        if not ({"low", "high"} <= spec.keys() or "choices" in spec):
            raise ConfigError(
                f"--space {path}: field {name!r} needs low and high or choices, "
                f"found {sorted(spec)}"
            )
    TrainConfig.from_dict(fixed, source=f"--space {path}")
    return fixed, searched


def suggest(trial: Any, name: str, spec: dict[str, Any]) -> Any:
    if "choices" in spec:
        return trial.suggest_categorical(name, spec["choices"])
    if isinstance(spec["low"], int) and isinstance(spec["high"], int):
        return trial.suggest_int(name, spec["low"], spec["high"], log=spec.get("log", False))
    return trial.suggest_float(name, spec["low"], spec["high"], log=spec.get("log", False))


def tune(
    space: str | Path, trials: int, out: str | Path, sampler: str = "tpe", pruner: str = "none"
) -> TuneResult:
    """Run trials until ``trials`` have completed in the study at ``out/study.db``,
    maximising the last epoch's validation accuracy; write the best recipe to
    ``out/best.toml`` (``cnnlab train --config`` runs it)."""
    import optuna

    if sampler not in SAMPLERS:
        raise ConfigError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if pruner not in PRUNERS:
        raise ConfigError(f"--pruner must be one of {', '.join(PRUNERS)}, got {pruner!r}")
    if trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {trials}")
    fixed, searched = read_space(Path(space))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed = int(fixed.get("seed", 0))
    chosen = (
        optuna.samplers.TPESampler(seed=seed)
        if sampler == "tpe"
        else optuna.samplers.RandomSampler(seed=seed)
    )
    study = optuna.create_study(
        study_name="cnnlab",
        storage=f"sqlite:///{out / 'study.db'}",
        sampler=chosen,
        direction="maximize",
        pruner=optuna.pruners.MedianPruner() if pruner == "median" else optuna.pruners.NopPruner(),
        load_if_exists=True,
    )

    def objective(trial: optuna.Trial) -> float:
        values = {**fixed, **{name: suggest(trial, name, spec) for name, spec in searched.items()}}
        folder = out / f"trial-{trial.number:04d}"
        fit(
            TrainConfig.from_dict({**values, "out": str(folder)}),
            callbacks=[ReportValidation(trial)],
        )
        return float(Run.open(folder, device="cpu").metrics()[-1]["val_accuracy"])

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    done = len(study.get_trials(states=finished))
    if done < trials:
        study.optimize(objective, n_trials=trials - done)
    best = study.best_trial
    recipe = out / "best.toml"
    lines = [f"{k} = {toml_value(v)}" for k, v in {**fixed, **best.params}.items()]
    recipe.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TuneResult(best.number, float(best.value), best.params, recipe, max(done, trials))


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)
