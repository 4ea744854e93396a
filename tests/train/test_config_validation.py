"""Every TrainConfig field refuses values outside its declared range, in one line, when the
config is built: in process, from the command line (before any run folder exists), and for
random dicts of field values."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.errors import ConfigError
from cnnlab.fields import Maybe, Real
from cnnlab.train import TrainConfig
from conftest import run_cli_here

NAN, INF = math.nan, math.inf

# (fields, words the one-line message must hold)
BAD_VALUES = [
    ({"lr": NAN}, "lr must be a finite number > 0, found nan"),
    ({"lr": INF}, "lr must be a finite number > 0, found inf"),
    ({"lr": 0}, "lr must be a finite number > 0, found 0"),
    ({"momentum": -1.0}, "momentum must be in [0, 1), found -1.0"),
    ({"momentum": 1.0}, "momentum must be in [0, 1), found 1.0"),
    ({"betas": [2.0, 3.0]}, "betas must be 2 values, each in [0, 1), found [2.0, 3.0]"),
    ({"betas": [0.9]}, "betas must be 2 values, each in [0, 1), found [0.9]"),
    ({"betas": [0.9, NAN]}, "betas must be 2 values, each in [0, 1), found [0.9, nan]"),
    ({"seed": -1}, "seed must be an integer in [0, 2**32 - 1], found -1"),
    ({"seed": 1099511627776}, "seed must be an integer in [0, 2**32 - 1], found 1099511627776"),
    ({"pad": 100000}, "pad must be an integer in [0, 1024], found 100000"),
    ({"device": "banana"}, "device must be cpu, cuda, cuda:N, mps or another device"),
    ({"device": "cuda:1000"}, "found 'cuda:1000'"),
    ({"device": ""}, "device must be cpu, cuda"),
    ({"model_args": [1]}, "model_args must be a JSON object"),
    (
        {"model_args": {"num_classes": 1e11}},
        "model_args num_classes must be an integer in [1, 100000], found 100000000000.0",
    ),
    ({"model_args": {"num_classes": 0}}, "num_classes must be an integer in [1, 100000]"),
    ({"model_args": {"in_channels": 65}}, "model_args in_channels must be an integer in [1, 64]"),
    ({"model_args": {"width": NAN}}, "model_args must hold only JSON values"),
    ({"weight_decay": -1.0}, "weight_decay must be a finite number >= 0, found -1.0"),
    ({"clip_grad": -1.0}, "clip_grad must be a finite number >= 0, found -1.0"),
    ({"gamma": NAN}, "gamma must be in (0, 1], found nan"),
    ({"gamma": 0.0}, "gamma must be in (0, 1], found 0.0"),
    ({"gamma": 10.0}, "gamma must be in (0, 1], found 10.0"),
    ({"decay_k": -0.1}, "decay_k must be a finite number >= 0, found -0.1"),
    ({"min_lr": -1e-5}, "min_lr must be a finite number >= 0, found -1e-05"),
    ({"l1": -1.0}, "l1 must be a finite number >= 0, found -1.0"),
    ({"label_smoothing": 1.0}, "label_smoothing must be in [0, 1), found 1.0"),
    ({"label_smoothing": -0.1}, "label_smoothing must be in [0, 1), found -0.1"),
    ({"warmup": -1}, "warmup must be an integer in [0, 10**9], found -1"),
    ({"batch_size": 0}, "batch_size must be an integer in [1, 65536], found 0"),
    ({"batch_size": 65537}, "batch_size must be an integer in [1, 65536], found 65537"),
    ({"epochs": 0}, "epochs must be an integer in [1, 100000], found 0"),
    ({"epochs": 100001}, "epochs must be an integer in [1, 100000], found 100001"),
    ({"epochs": 2.5}, "epochs must be an integer in [1, 100000], found 2.5"),
    ({"image_size": 4097}, "image_size must be an integer in [0, 4096], found 4097"),
    ({"milestones": [3, 2], "schedule": "step"}, "milestones must be increasing values"),
    ({"milestones": [0]}, "each an integer in [1, 10**9], found [0]"),
    ({"milestones": [1.5]}, "found [1.5]"),
    ({"val_split": 1.0}, "val_split must be in [0, 1), found 1.0"),
    ({"ema": 1.0}, "ema must be in [0, 1), found 1.0"),
    ({"dropout": 1.0}, "dropout must be None (the model's own) or in [0, 1), found 1.0"),
    ({"workers": -2}, "workers must be an integer in [-1, 256], found -2"),
    ({"per_class": -1}, "per_class must be an integer in [0, 1000000], found -1"),
    ({"keep_checkpoints": 0}, "keep_checkpoints must be an integer in [1, 1000], found 0"),
    ({"early_stopping": -1}, "early_stopping must be an integer in [0, 100000], found -1"),
    ({"plateau_patience": -1}, "plateau_patience must be an integer in [0, 100000], found -1"),
    ({"accumulate": 0}, "accumulate must be an integer in [1, 4096], found 0"),
    ({"tensorboard": "yes"}, "tensorboard must be true or false, found 'yes'"),
    ({"optimizer": "adamax"}, "unknown optimizer 'adamax': expected one of sgd, momentum"),
    ({"out": ""}, "out must be a non-empty string, found ''"),
    ({"freeze": [""]}, "freeze must be a list of values, each a non-empty string, found ['']"),
    ({"data": "digitz"}, "unknown dataset 'digitz'. Did you mean: digits?"),
    ({"data": "folder"}, "data 'folder' needs a path"),
    ({"model": "lenet"}, "unknown model 'lenet'. Did you mean: lenet5"),
    ({"augment": "flip:p=0.5:p=0.7"}, "p given twice in 'flip:p=0.5:p=0.7'"),
    ({"preprocess": "zca:eps=nan"}, "eps=nan"),
]


def message_of(**fields) -> str:
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**fields)
    return str(caught.value)


@pytest.mark.parametrize(("fields", "words"), BAD_VALUES, ids=lambda v: repr(v)[:40])
def test_a_bad_value_is_refused_in_one_line_naming_field_range_and_value(fields, words):
    message = message_of(**fields)
    assert words in message
    assert len(message.splitlines()) == 1


FLOAT_FIELDS = [
    f.name
    for f in dataclasses.fields(TrainConfig)
    if isinstance(f.metadata["check"], Real)
    or (isinstance(f.metadata["check"], Maybe) and isinstance(f.metadata["check"].inner, Real))
]


@pytest.mark.parametrize("name", FLOAT_FIELDS)
@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_every_float_field_refuses_nan_and_infinities(name, value):
    message = message_of(**{name: value})
    assert message.startswith(f"{name} must be ") and message.endswith(f"found {value!r}")


def test_float_fields_hold_floats_and_lists_hold_lists():
    config = TrainConfig(lr=1, betas=(0, 0.5), milestones=(2, 4), schedule="step")
    assert (type(config.lr), config.betas, config.milestones) == (float, [0.0, 0.5], [2, 4])
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config


def test_edges_of_the_ranges_are_accepted():
    TrainConfig(
        momentum=0, gamma=1, seed=2**32 - 1, pad=1024, image_size=4096, batch_size=65536,
        epochs=100_000, workers=-1, device="cuda:3", model_args={"num_classes": 100_000},
        dropout=0.0, data="folder:/nowhere", stream=True,
    )  # fmt: skip


def test_a_recipe_error_names_the_recipe(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text("lr = nan\n")
    with pytest.raises(ConfigError, match=r"recipe .*r.toml: lr must be a finite number > 0"):
        TrainConfig.from_dict({"lr": math.nan}, source=f"recipe {recipe}")


def test_the_parsed_augmentation_is_handed_out_and_follows_the_field():
    config = TrainConfig(augment="flip,crop:4")
    assert config.augmentation is config.augmentation
    assert [type(op).__name__ for op in config.augmentation.operations] == ["Flip", "Crop"]
    config.augment = "cutout:8"
    assert [type(op).__name__ for op in config.augmentation.operations] == ["Cutout"]


# -- the command line: a handful of flags, each in a real process -------------------------

CLI_CASES = [
    ("--lr", "nan", "lr must be a finite number > 0, found nan"),
    ("--momentum", "-1", "momentum must be in [0, 1), found -1.0"),
    ("--betas", "2,3", "betas must be 2 values, each in [0, 1), found [2.0, 3.0]"),
    ("--seed", "1099511627776", "seed must be an integer in [0, 2**32 - 1]"),
    ("--pad", "100000", "pad must be an integer in [0, 1024], found 100000"),
    ("--device", "banana", "device must be cpu, cuda, cuda:N, mps"),
    ("--model-args", '{"num_classes": 1e11}', "model_args num_classes must be an integer"),
    ("--augment", "crop:pad=100000", "pad in 'crop:pad=100000' must be an integer in [0, 1024]"),
]


@pytest.mark.parametrize(("flag", "value", "words"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_a_bad_flag_in_one_line_before_any_run_folder(tmp_path, flag, value, words):
    result = run_cli_here(
        "train", "lenet5", flag, value, "--out", str(tmp_path / "run"), cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert words in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no run folder, no runs/


# -- random dicts of field values ----------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-5, 5), st.floats(), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=12), st.one_of(st.integers(), st.floats()), max_size=2),
)
PLAUSIBLE = {
    "model": st.sampled_from(["lenet5", "resnet20", "lenet"]),
    "data": st.sampled_from(["digits", "mnist", "folder:/x", "folder", "digitz"]),
    "model_args": st.dictionaries(
        st.sampled_from(["num_classes", "in_channels", "width"]),
        st.one_of(st.integers(-2, 200_000), st.floats()),
        max_size=2,
    ),
    "augment": st.sampled_from(["", "flip", "crop:pad=4,flip", "crop:pad=99999", "flip:p=2"]),
    "preprocess": st.sampled_from(["none", "zca:eps=0.1", "zca:eps=nan", "pca:eps=inf"]),
    "device": st.sampled_from(["cpu", "cuda", "cuda:1", "mps", "banana", "cuda:-1"]),
    "betas": st.lists(st.floats(-1, 2), min_size=1, max_size=3),
    "milestones": st.lists(st.integers(-1, 100), max_size=3),
    "schedule": st.sampled_from(["step", "cosine", "warp"]),
}
FIELDS = [f.name for f in dataclasses.fields(TrainConfig)]


@st.composite
def config_dicts(draw) -> dict:
    names = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=8))
    return {
        name: draw(st.one_of(PLAUSIBLE[name], JUNK) if name in PLAUSIBLE else JUNK)
        for name in names
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config_dicts())
def test_random_field_values_are_accepted_or_refused_in_one_line(values):
    try:
        config = TrainConfig.from_dict(values)
    except ConfigError as exc:
        message = str(exc)
        assert message and len(message.splitlines()) == 1, message
        assert "\n" not in message and "\r" not in message
        return
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config  # stored as it was
