"""``cnnlab tune``'s samplers, pruners, storage and pictures: real Optuna studies on tiny
digits runs, and the refusals that start nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.errors import ConfigError
from cnnlab.experiments.space import read_space
from cnnlab.experiments.study_plots import history_figure, importances_figure, parallel_figure
from cnnlab.experiments.trials import TrialRow, read_csv
from cnnlab.experiments.tune import tune
from conftest import run_cli_here

FIXED = """model = "lenet5"
data = "digits"
per_class = 10
epochs = 2
tensorboard = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(FIXED + text)
    return path


@pytest.mark.slow  # two tiny trials
def test_grid_tries_every_point_once_and_stops(tmp_path: Path) -> None:
    space = write(tmp_path, "lr = 0.005\n[batch_size]\nlow = 50\nhigh = 100\nstep = 50\n")
    result = tune(space, 5, tmp_path / "study", sampler="grid")
    assert result.completed == 2  # the grid holds two points, not the five asked for
    assert sorted(row.params["batch_size"] for row in result.rows) == [50, 100]
    rows = read_csv(tmp_path / "study" / "trials.csv")
    assert [r["state"] for r in rows] == ["COMPLETE", "COMPLETE"]
    assert sorted(r["batch_size"] for r in rows) == ["100", "50"]
    assert [p.name for p in result.pictures] == ["history.png", "parallel.png", "importances.png"]
    for picture in result.pictures:
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # two tiny trials
def test_gp_sampler_with_hyperband_pruner(tmp_path: Path) -> None:
    space = write(tmp_path, "batch_size = 50\n[lr]\nlow = 1e-3\nhigh = 1e-2\nlog = true\n")
    result = tune(space, 2, tmp_path / "study", sampler="gp", pruner="hyperband")
    assert result.completed == 2
    assert all(1e-3 <= row.params["lr"] <= 1e-2 for row in result.rows)
    assert all(row.epochs >= 1 for row in result.rows)


def test_grid_refuses_a_range_without_step(tmp_path: Path) -> None:
    space = write(tmp_path, "[lr]\nlow = 1e-3\nhigh = 1e-2\nlog = true\n")
    with pytest.raises(ConfigError) as caught:
        tune(space, 3, tmp_path / "study", sampler="grid")
    message = str(caught.value)
    assert "--sampler grid needs a finite space" in message and "'lr'" in message
    assert "\n" not in message
    assert not (tmp_path / "study").exists()


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ("study.db", "--storage must be a database URL"),
        ("postgresql://user:pass@127.0.0.1:1/cnnlab", "cannot open the database"),
    ],
)
def test_bad_storage_is_refused_before_anything_is_written(
    tmp_path: Path, storage: str, expected: str
) -> None:
    space = write(tmp_path, "[lr]\nlow = 1e-3\nhigh = 1e-2\n")
    with pytest.raises(ConfigError, match=expected) as caught:
        tune(space, 1, tmp_path / "study", storage=storage)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "study").exists()


def test_resuming_with_another_space_is_refused(tmp_path: Path) -> None:
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "space.toml").write_text(FIXED + "[lr]\nlow = 1e-4\nhigh = 1e-3\n")
    space = write(tmp_path, "[lr]\nlow = 1e-3\nhigh = 1e-2\n")
    with pytest.raises(ConfigError, match="was started with another space or --cv"):
        tune(space, 1, tmp_path / "study")
    (tmp_path / "study" / "space.toml").write_text(read_space(space).text())
    with pytest.raises(ConfigError, match="was started with another space or --cv"):
        tune(space, 1, tmp_path / "study", cv=2)  # the same space, now with folds
    assert not (tmp_path / "study" / "study.db").exists()


@pytest.mark.slow  # the message lists every model with dropout: each is built
def test_dropout_on_a_model_without_dropout_is_refused_up_front(tmp_path: Path) -> None:
    space = write(tmp_path, "[dropout]\nlow = 0.0\nhigh = 0.5\n")
    with pytest.raises(ConfigError, match=r"\[dropout\] 0.0: .*lenet5 has no dropout layer"):
        tune(space, 1, tmp_path / "study")


def test_space_file_round_trips_with_model_arguments(tmp_path: Path) -> None:
    path = tmp_path / "space.toml"
    path.write_text(
        'model = "smallcnn_bn"\ndata = "digits"\n[model_args]\nnum_classes = 10\n'
        "[lr]\nlow = 1e-4\nhigh = 1e-2\nlog = true\n[batch_size]\nchoices = [32, 64]\n"
    )
    space = read_space(path)
    again = tmp_path / "again.toml"
    again.write_text(space.text())
    assert (
        read_space(again).fixed
        == space.fixed
        == {
            "model": "smallcnn_bn",
            "data": "digits",
            "model_args": {"num_classes": 10},
        }
    )
    assert read_space(again).searched == space.searched
    config = space.config({"lr": 0.001, "batch_size": 64}, tmp_path / "t")
    assert (config.lr, config.batch_size, config.model_args) == (0.001, 64, {"num_classes": 10})


def test_pictures_of_a_study(tmp_path: Path) -> None:
    space = read_space(write(tmp_path, "[lr]\nlow = 1e-4\nhigh = 1e-2\nlog = true\n"))
    rows = [
        TrialRow(0, "COMPLETE", {"lr": 1e-4}, 0.5, 2, None),
        TrialRow(1, "FAIL", {"lr": 1e-2}, None, 1, None),
        TrialRow(2, "COMPLETE", {"lr": 1e-2}, 0.9, 2, 1),
        TrialRow(3, "PRUNED", {"lr": 1e-3}, 0.2, 1, None),
    ]
    (history,) = history_figure(rows).axes
    best = history.lines[0]
    assert list(best.get_xdata()) == [0, 2] and list(best.get_ydata()) == [0.5, 0.9]
    assert [t.get_text() for t in history.get_legend().get_texts()] == [
        "complete (2)",
        "pruned (1)",
        "best so far",
    ]
    parallel = parallel_figure(rows, space).axes[0]
    # three finished trials; lr on a log axis: 1e-4 at the bottom, 1e-3 half-way, 1e-2 on top
    heights = sorted(line.get_ydata()[0] for line in parallel.lines if len(line.get_ydata()) == 1)
    assert heights == pytest.approx([0.0, 0.5, 1.0])
    bars = importances_figure({"lr": 0.7, "weight_decay": 0.3}).axes[0].patches
    assert [round(bar.get_width(), 2) for bar in bars] == [0.3, 0.7]


@pytest.mark.slow  # one trial of two tiny folds
def test_cv_trial_is_the_mean_of_its_folds_each_a_run_folder(tmp_path: Path) -> None:
    from cnnlab.train import Run

    space = write(tmp_path, "batch_size = 50\n[lr]\nlow = 1e-3\nhigh = 1e-2\nlog = true\n")
    result = tune(space, 1, tmp_path / "study", sampler="random", cv=2)
    folds = [Run.open(tmp_path / "study" / "trial-0000" / f"fold-{k}") for k in range(2)]
    last = [run.metrics()[-1]["val_accuracy"] for run in folds]
    assert result.best_value == pytest.approx(sum(last) / 2)
    assert [run.config.fold for run in folds] == [0, 1]
    assert all(run.config.folds == 2 for run in folds)
    assert result.rows[0].epochs == 4  # two epochs in each fold
    vals = [run.dataset("val") for run in folds]
    assert len(vals[0]) + len(vals[1]) == 1437  # the two folds: the digits' training split
    assert "folds" not in (tmp_path / "study" / "best.toml").read_text()
    # one trial is too few for Optuna to rank the parameters: no picture, and a note why
    assert [p.name for p in result.pictures] == ["history.png", "parallel.png"]
    assert result.notes[0].startswith("no parameter importances: ")
    with pytest.raises(ConfigError, match="--cv must be 0"):
        tune(space, 1, tmp_path / "other", cv=1)


def test_the_shipped_spaces_read() -> None:
    from conftest import REPO

    spaces = sorted((REPO / "recipes" / "spaces").glob("*.toml"))
    assert spaces
    for path in spaces:
        space = read_space(path)
        assert space.searched and space.config({}, "runs/check").model


def test_a_missing_or_broken_space_file_is_named_in_one_line(tmp_path):
    missing = run_cli_here("tune", "--space", str(tmp_path / "none.toml"), "--out", str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: --space {tmp_path / 'none.toml'} does not exist"
    broken = tmp_path / "broken.toml"
    broken.write_text("lr = [\n")
    done = run_cli_here("tune", "--space", str(broken), "--out", str(tmp_path / "study"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: --space {broken} is not valid TOML: ")
    assert not (tmp_path / "study").exists()  # nothing started
