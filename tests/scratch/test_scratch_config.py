"""`cnnlab scratch`'s options checked against their declared ranges before any data is read,
in process and from a user's shell; the engine's fit and mlp check their arguments too."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cnnlab.errors import ConfigError
from cnnlab.fields import Check
from cnnlab.scratch import fit, mlp
from cnnlab.scratch.config import ScratchConfig
from conftest import run_cli_here


def test_every_option_declares_its_help_and_valid_values():
    for f in dataclasses.fields(ScratchConfig):
        assert f.metadata["help"] and isinstance(f.metadata["check"], Check), f.name


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"batch_size": 0}, "batch_size must be an integer in [1, 65536], found 0"),
        ({"hidden": 0}, "hidden must be an integer in [1, 65536], found 0"),
        ({"lr": math.nan}, "lr must be a finite number > 0, found nan"),
        ({"lr": -0.1}, "lr must be a finite number > 0, found -0.1"),
        ({"epochs": 0}, "epochs must be an integer in [1, 100000], found 0"),
        ({"seed": -1}, "seed must be an integer in [0, 2**32 - 1], found -1"),
        ({"net": "rnn"}, "unknown scratch network 'rnn': expected one of mlp, cnn"),
        ({"activation": "elu"}, "unknown activation 'elu': expected one of sigmoid, tanh, relu"),
        ({"loss": "mse"}, "unknown loss 'mse': expected one of"),
        ({"data": "digitz"}, "unknown dataset 'digitz'. Did you mean: digits?"),
    ],
)
def test_bad_options_are_refused_in_one_line(fields, words):
    with pytest.raises(ConfigError) as caught:
        ScratchConfig(**fields)
    assert words in str(caught.value) and len(str(caught.value).splitlines()) == 1


def test_fit_and_mlp_check_their_arguments_before_any_step():
    xy = (np.zeros((2, 4)), np.zeros(2, int))
    with pytest.raises(ConfigError, match=r"batch_size must be an integer in \[1, 65536\]"):
        fit(mlp([4, 2]), xy, xy, batch_size=0)
    with pytest.raises(ConfigError, match="lr must be a finite number > 0, found inf"):
        fit(mlp([4, 2]), xy, xy, lr=math.inf)
    with pytest.raises(ConfigError, match=r"mlp sizes must be a list of values, each an integer"):
        mlp([4, 0, 2])


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--batch-size", "0", "batch_size must be an integer in [1, 65536], found 0"),
        ("--hidden", "0", "hidden must be an integer in [1, 65536], found 0"),
    ],
)
def test_cli_refuses_bad_options_in_one_line(flag, value, words):
    result = run_cli_here("scratch", flag, value)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0] == f"error: {words}"
    assert "Traceback" not in result.stderr


def test_cli_help_shows_the_declared_ranges():
    result = run_cli_here("scratch", "--help")
    assert result.returncode == 0, result.stderr
    assert "mlp: hidden units; an integer in [1, 65536]" in result.stdout
