"""Commands that read one class score per image refuse a multi-digit run in one line."""

from __future__ import annotations

import pytest
import torch

from cnnlab.train import Run
from conftest import run_cli_here

COMMANDS = [  # (the command's words, its options beside the run)
    (["viz", "saliency"], []),
    (["viz", "gradcam"], []),
    (["viz", "occlusion"], []),
    (["viz", "adversarial"], []),
    (["viz", "class-model"], ["--target", "3"]),
    (["viz", "fooling"], ["--target", "3"]),
    (["attack"], ["--n", "4"]),
]


@pytest.mark.parametrize(("words", "options"), COMMANDS, ids=lambda c: " ".join(c))
def test_a_multidigit_run_is_refused_with_what_to_use_instead(words, options, task_runs, tmp_path):
    run = task_runs["multi-mnist"]
    done = run_cli_here(*words, str(run), *options, "--out", str(tmp_path / "x"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"error: run {run} reads digit sequences, not one class per image: "
        "use cnnlab predict, which prints the sequences"
    )
    assert not (tmp_path / "x").exists()


def test_a_box_run_is_explained_and_attacked_through_its_class_scores_alone(task_runs, tmp_path):
    run = Run.open(task_runs["cluttered-mnist"])
    images = run.view(run.dataset("test").images[:3])
    with torch.no_grad():
        scores = run.scoring_model()(images)
        assert torch.equal(scores, run.pixel_model()(images)[:, : len(run.classes)])
    for number, (words, options) in enumerate(COMMANDS):
        out = tmp_path / f"out{number}"
        done = run_cli_here(*words, str(run.path), *options, "--out", str(out))
        assert done.returncode == 0, (words, done.stderr)
