"""Mistakes a new user makes end in one line, exit status 2, and leave no run folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, run_cli_here


def one_line(result, status: int = 2) -> str:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


CASES = {
    "a model too big for the images": (
        ["alexnet", "--data", "digits"],
        "smallest input that works is 1x63x63",
    ),
    "a default scale jitter that blows 32x32 up to 224": (
        ["lenet5", "--data", "digits", "--augment", "scale_jitter"],
        "cannot train on digits images of 1x224x224 (after --augment scale_jitter)",
    ),
    "a CUDA device on a machine without one": (
        ["lenet5", "--device", "cuda"],
        "this machine has no CUDA device",
    ),
    "a parse error": (["lenet5", "--lr", "abc"], "Invalid value for '--lr'"),
    "an unknown option": (["lenet5", "--bogus", "1"], "No such option: --bogus"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_train_mistakes_are_one_line_and_write_nothing(case, tmp_path):
    args, words = CASES[case]
    line = one_line(run_cli_here("train", *args, "--epochs", "1", "--out", str(tmp_path / "run")))
    assert words in line
    assert not (tmp_path / "run").exists()


def test_doctor_on_a_missing_cuda_device_is_one_line():
    line = one_line(run_cli_here("doctor", "lenet5", "--data", "digits", "--device", "cuda"))
    assert "no CUDA device" in line


def test_the_imagenet_recipe_without_the_images_says_which_folder(tmp_path):
    recipe = REPO / "recipes" / "alexnet-imagenet.toml"
    line = one_line(run_cli_here("train", "--config", str(recipe), "--out", str(tmp_path / "run")))
    assert "imagenet" in line and "no such folder" in line


def test_out_over_another_tools_folder_is_refused_and_its_files_kept(tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "checkpoints").mkdir(parents=True)
    (theirs / "metrics.jsonl").write_text("their numbers\n")
    line = one_line(run_cli_here("train", "lenet5", "--epochs", "1", "--out", str(theirs)))
    assert "holds other files and is not a cnnlab run folder" in line
    assert (theirs / "metrics.jsonl").read_text() == "their numbers\n"
    assert sorted(p.name for p in theirs.iterdir()) == ["checkpoints", "metrics.jsonl"]


def test_a_file_name_cannot_forge_an_error_line(tmp_path):
    folder = tmp_path / "folder"
    for name in ("a", "b"):
        (folder / name).mkdir(parents=True)
        for i in range(3):
            pixels = np.full((8, 8), 40 * i, dtype=np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{i}.png")
    (folder / "a" / "bad\nerror: injected.png").write_bytes(b"not an image")
    line = one_line(run_cli_here("train", "lenet5", "--data", f"folder:{folder}", "--epochs", "1",
                            "--out", str(tmp_path / "run")))  # fmt: skip
    assert "bad\\nerror: injected.png" in line


def test_a_missing_run_folder_is_one_line_for_each_reading_command(tmp_path):
    missing = str(tmp_path / "nope")
    for args in (["eval", missing], ["report", missing], ["viz", "filters", missing],
                 ["summary", missing], ["train", "--resume", missing]):  # fmt: skip
        assert "does not exist" in one_line(run_cli_here(*args)), args
    assert not Path(missing).exists()
