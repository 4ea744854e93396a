"""The printed summary (golden files) and the `cnnlab summary` and `cnnlab models` commands."""

import csv
import io
import json
from pathlib import Path

import pytest
import torch

from cnnlab import models
from cnnlab.experiments import ensemble
from cnnlab.inspect import summary
from cnnlab.inspect.summary_render import render_csv, render_json, render_text
from conftest import run_cli_here

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def stripped(text: str) -> str:
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


@pytest.mark.parametrize(
    ("name", "shape", "depth", "file"),
    [
        ("lenet5", (1, 32, 32), 3, "lenet5.txt"),
        ("vgg16_fixed", (3, 224, 224), 3, "vgg16_fixed.txt"),  # the lecture's VGG-16 table
        ("googlenet", (3, 224, 224), 1, "googlenet_depth1.txt"),
    ],
)
def test_table_matches_its_golden_file(name, shape, depth, file):
    with torch.device("meta"):
        model = models.create(name)
    result = summary(model, shape, depth=depth)
    assert render_text(result) == golden(file)


def test_csv_and_json_match_their_golden_files():
    result = summary(models.create("lenet5"), (1, 32, 32))
    assert render_csv(result) == golden("lenet5.csv")
    assert render_json(result) == golden("lenet5.json")


def test_summary_command_prints_the_table():
    result = run_cli_here("summary", "lenet5", "--input", "1x32x32")
    assert result.returncode == 0, result.stderr
    assert stripped(result.stdout) == golden("lenet5.txt")


def test_summary_command_json_and_csv():
    result = run_cli_here("summary", "vgg16", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total_params"] == 138_357_544 and report["total_macs"] == 15_470_264_320
    assert report["memory_mb"] == {
        "input": 0.57, "forward_backward": 218.78, "params": 527.79, "total": 747.15
    }  # fmt: skip
    printed = run_cli_here("summary", "resnet18", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(printed)))
    assert rows[0]["layer"] == "Conv2d-1" and rows[0]["output_shape"] == "1x64x112x112"
    assert sum(int(r["macs"]) for r in rows if r["depth"] == "1") == 1_814_073_344


def test_summary_of_a_run_folder(digits_run):
    result = run_cli_here("summary", str(digits_run), "--depth", "1")
    assert result.returncode == 0, result.stderr
    assert "(lenet5)" in result.stdout and "Total params: 61,706" in result.stdout
    assert "Conv2d-1" in result.stdout


def test_summary_of_a_task_run_and_of_a_saved_ensemble_at_their_own_input(
    task_runs, digits_run, tmp_path
):
    """Neither a task head nor a committee is a registry row: the run gives the input."""
    result = run_cli_here("summary", str(task_runs["multi-mnist"]), "--depth", "1")
    assert result.returncode == 0, result.stderr
    assert "(smallcnn_bn) on" in result.stdout and "1x28x28" in result.stdout  # image_size 28
    committee = tmp_path / "committee.safetensors"
    ensemble([digits_run, digits_run], save=committee)
    result = run_cli_here("summary", str(committee), "--depth", "1")
    assert result.returncode == 0, result.stderr
    assert "(ensemble) on" in result.stdout and "1x32x32" in result.stdout
    assert f"Total params: {2 * 61_706:,}" in result.stdout  # two LeNet-5s


def test_unknown_model_gives_the_closest_names_and_exit_2():
    result = run_cli_here("summary", "resnet51")
    assert result.returncode == 2
    assert "unknown model 'resnet51'" in result.stderr and "resnet50" in result.stderr
    assert "Traceback" not in result.stderr


def test_too_small_input_names_the_layer_and_exit_2():
    result = run_cli_here("summary", "alexnet", "--input", "3x16x16")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "spatial size reaches zero in MaxPool2d 'features.5'" in message
    assert "the smallest input that works is 3x63x63" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--input", "3x224"), "--input expects CxHxW such as 3x224x224, found '3x224'"),
        (("--format", "xml"), "--format must be one of table, csv, json, got 'xml'"),
        (("--device", "gpu0"), "--device must name a torch device (meta, cpu, cuda), got 'gpu0'"),
    ],
)  # fmt: skip
def test_bad_options_say_what_was_given(args, expected):
    result = run_cli_here("summary", "lenet5", *args)
    assert result.returncode == 2
    assert expected in " ".join(result.stderr.split())


def test_missing_run_folder_is_named(tmp_path):
    result = run_cli_here("summary", str(tmp_path / "no-run"))
    assert result.returncode == 2 and f"{tmp_path / 'no-run'} does not exist" in result.stderr


def test_models_command_shows_macs_at_the_default_input():
    result = run_cli_here("models", "--family", "resnet")
    assert result.returncode == 0, result.stderr
    assert "MACs" in result.stdout
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert lines["resnet18"].rstrip(" │").endswith("1.81G")
    assert lines["resnet50"].rstrip(" │").endswith("4.09G")
