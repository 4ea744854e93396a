"""Hyper-parameter search: real Optuna trials on tiny digits runs, resumed by rerunning."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.errors import ConfigError
from cnnlab.experiments.tune import tune
from cnnlab.train import Run, TrainConfig
from cnnlab.train.config import load_recipe
from conftest import run_cli

SPACE = """model = "lenet5"
data = "digits"
per_class = 10
epochs = 1
batch_size = 32

[lr]
low = 1e-4
high = 1e-1
log = true
"""


@pytest.mark.slow  # trains three tiny runs
def test_trials_are_runs_and_rerun_resumes(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    first = tune(space, 2, tmp_path / "study", sampler="random")
    assert sorted(p.name for p in (tmp_path / "study").glob("trial-*")) == [
        "trial-0000",
        "trial-0001",
    ]
    lrs = [Run.open(tmp_path / "study" / f"trial-000{i}").config.lr for i in range(2)]
    assert first.best_params["lr"] in lrs
    recipe = load_recipe(first.recipe)
    assert TrainConfig.from_dict(recipe).lr == first.best_params["lr"]
    again = tune(space, 3, tmp_path / "study", sampler="random")  # one more, none repeated
    assert again.completed == 3
    assert len(list((tmp_path / "study").glob("trial-*"))) == 3


@pytest.mark.slow  # trains two tiny two-epoch runs
def test_every_epoch_is_reported_for_pruning(tmp_path: Path) -> None:
    import optuna

    space = tmp_path / "space.toml"
    space.write_text(SPACE.replace("epochs = 1", "epochs = 2"))
    tune(space, 2, tmp_path / "study", sampler="random", pruner="median")
    study = optuna.load_study(
        study_name="cnnlab", storage=f"sqlite:///{tmp_path / 'study' / 'study.db'}"
    )
    for trial in study.trials:
        accuracies = [
            row["val_accuracy"]
            for row in Run.open(tmp_path / "study" / f"trial-{trial.number:04d}").metrics()
        ]
        assert (
            list(trial.intermediate_values.values()) == accuracies[: len(trial.intermediate_values)]
        )
        assert len(trial.intermediate_values) >= 1


def test_bad_space_is_one_line(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text('model = "lenet5"\n[lr]\nlog = true\n')
    with pytest.raises(ConfigError, match="field 'lr' needs low and high or choices"):
        tune(space, 1, tmp_path / "study")
    assert not (tmp_path / "study").exists()


def test_cli_refuses_unknown_sampler(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    result = run_cli(
        "tune", "--space", str(space), "--sampler", "anneal", "--out", str(tmp_path / "s")
    )
    assert (
        result.returncode == 2 and "--sampler must be one of tpe, random, grid, gp" in result.stderr
    )
