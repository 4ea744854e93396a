"""``cnnlab explain``, run as a user runs it."""

from __future__ import annotations

import json

import pytest

from cnnlab.cli import command
from conftest import run_cli_here


def test_explain_conv_prints_the_formula_with_the_numbers_and_760_parameters():
    result = run_cli_here("explain", "conv", "--input", "32x32x3", "--filters", "10", "--size", "5",
                     "--stride", "1", "--pad", "0")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "(32 - 5 + 2*0)/1 + 1 = 28" in result.stdout and "= 760" in result.stdout


def test_explain_toeplitz_json_gives_the_lectures_result():
    result = run_cli_here("explain", "toeplitz", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == [[122, 148], [126, 134]]


def test_explain_toeplitz_with_the_users_matrices():
    result = run_cli_here(
        "explain", "toeplitz", "--input", "1,2,3;4,5,6;7,8,9", "--kernel", "1,0;0,1"
    )
    assert result.returncode == 0, result.stderr
    assert "x * u = [[6, 8], [12, 14]]" in result.stdout


def test_explain_a_stride_that_does_not_fit_says_so():
    result = run_cli_here("explain", "conv", "--input", "7x7x1", "--size", "3", "--stride", "3")
    assert result.returncode == 0, result.stderr
    assert (
        "stride 3 does not fit" in result.stdout and "paddings that fit: 1, 4, 7" in result.stdout
    )


def test_explain_bad_input_exits_2_in_one_line():
    result = run_cli_here("explain", "fc-to-conv", "--input", "7x7")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--input must be HxWxC" in result.stderr


@pytest.mark.parametrize(
    ("args", "key", "value"),
    [
        (["pool", "--input", "224x224x64", "--size", "2"], "output", [112, 112, 64]),
        (["receptive", "--kernels", "3,3,3"], "single_weights_per_c2", 49),
        (["fc-to-conv"], "conv_params", 102_764_544),
        (["locally-connected", "--input", "32x32x3"], "locally_connected_params", 25_200),
        (["tf-padding", "--width", "13", "--size", "6", "--stride", "5"], "same_padding", [1, 2]),
        (["inception"], "naive_ops", 854_196_224),
        (["backprop", "--x", "1", "--w", "0", "--b", "0", "--t", "1"], "delta", -0.125),
    ],
)
def test_every_topic_prints_its_numbers_as_json(args, key, value, capsys):
    """In-process (the same command line the shell runs), so the sweep stays fast."""
    command().main(["explain", *args, "--json"], prog_name="cnnlab", standalone_mode=False)
    assert json.loads(capsys.readouterr().out)[key] == value
