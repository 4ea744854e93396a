import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.errors import ConfigError
from cnnlab.fields import Check
from cnnlab.train import TrainConfig, load_recipe
from cnnlab.train.config import field_help
from conftest import REPO, cli_env, run_cli_here

RECIPES = sorted((REPO / "recipes").glob("*.toml"))


def test_every_field_declares_its_help_and_its_valid_values():
    for f in dataclasses.fields(TrainConfig):
        assert f.metadata["help"], f.name
        assert isinstance(f.metadata["check"], Check), f.name
    assert field_help()["pad"].startswith("zero pixels added on every side")
    assert field_help()["pad"].endswith("an integer in [0, 1024]")
    assert field_help()["lr"] == "base learning rate; a finite number > 0"


def test_config_round_trips_through_json():
    config = TrainConfig(milestones=[3, 6], schedule="step", model_args={"num_classes": 4})
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_every_shipped_recipe_is_a_valid_config(recipe):
    config = TrainConfig.from_dict(load_recipe(recipe))
    assert config.out.startswith("runs/")


def test_the_resnet_recipes_follow_he_et_al():
    config = TrainConfig.from_dict(load_recipe(REPO / "recipes" / "resnet20-cifar10.toml"))
    assert (config.optimizer, config.momentum, config.lr, config.weight_decay) == (
        "momentum", 0.9, 0.1, 1e-4
    )  # fmt: skip
    assert (config.batch_size, config.max_steps, config.milestones) == (128, 64000, [32000, 48000])
    assert config.schedule_unit == "step"


def test_unknown_recipe_field_is_named(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text('model = "lenet5"\nlearning_rate = 0.1\n')
    with pytest.raises(ConfigError, match=r"recipe .*r.toml: unknown fields \['learning_rate'\]"):
        load_recipe(recipe)


def test_bad_toml_and_bad_value_name_the_recipe(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("epochs = = 3")
    with pytest.raises(ConfigError, match="broken.toml is not valid TOML"):
        load_recipe(broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('optimizer = "adamax"')
    with pytest.raises(ConfigError, match="unknown optimizer 'adamax': expected one of sgd"):
        load_recipe(wrong)


def test_help_shows_every_fields_declared_help_and_range():
    env = {**cli_env(), "COLUMNS": "400"}  # one line per flag: no help text is wrapped
    result = subprocess.run(
        [sys.executable, "-m", "cnnlab", "train", "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.replace("\u2502", " ").split())  # without the panel borders
    for name, text in field_help().items():
        assert " ".join(text.split()) in shown, name
    for flag in ("--checkpoint-every", "--label-smoothing", "--channels-last", "--resume"):
        assert flag in result.stdout
    assert "momentum of momentum and nesterov (rmsprop's alpha is 0.99); in [0, 1)" in shown


def test_flags_override_the_recipe(tmp_path: Path):
    recipe = tmp_path / "quick.toml"
    out = tmp_path / "run"
    recipe.write_text(
        'model = "lenet5"\ndata = "digits"\nepochs = 5\nlr = 0.002\nbatch_size = 64\n'
        f'augment = "hflip"\nmilestones = [1]\nschedule = "step"\nout = "{out}"\n'
    )
    result = run_cli_here("train", "--config", str(recipe), "--epochs", "1", "--milestones", "2,3")
    assert result.returncode == 0, result.stderr
    stored = json.loads((out / "config.json").read_text())
    assert (stored["epochs"], stored["lr"], stored["milestones"]) == (1, 0.002, [2, 3])
    assert stored["augment"] == "hflip"


def test_bad_flag_values_exit_2_with_a_message(tmp_path):
    result = run_cli_here("train", "lenet5", "--optimizer", "adamax", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "unknown optimizer 'adamax'" in result.stderr
    result = run_cli_here("train", "lenet5", "--milestones", "a,b", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "--milestones expects comma-separated" in result.stderr
    assert "Traceback" not in result.stderr
