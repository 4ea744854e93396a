"""viz boxes and predict on runs with a task head: boxes drawn and printed, sequences read."""

import json

import numpy as np
import pytest
from PIL import Image

from cnnlab.errors import ConfigError, RunError
from cnnlab.localise.box_picture import box_grid
from cnnlab.predict import predict_split, render
from cnnlab.train.run import Run
from conftest import run_cli


def pixels_of(path, test) -> int:
    with Image.open(path) as png:
        rgb = np.asarray(png.convert("RGB")).astype(int)
    return int(test(rgb[..., 0], rgb[..., 1], rgb[..., 2]).sum())


def magenta(r, g, b):
    return (r > 200) & (g < 60) & (b > 200)


def lime(r, g, b):
    return (r < 60) & (g > 200) & (b < 60)


def test_viz_boxes_draws_predicted_against_true_boxes(task_runs, tmp_path):
    out = tmp_path / "boxes.png"
    result = run_cli("viz", "boxes", str(task_runs["cluttered-mnist"]), "--count", "4",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mean IoU" in result.stdout
    assert pixels_of(out, magenta) > 0 and pixels_of(out, lime) > 0


def test_the_grid_of_a_multidigit_run_shows_each_digits_box_and_the_reading(task_runs):
    run = Run.open(task_runs["multi-mnist"])
    grid = box_grid(run, count=3)
    test = run.dataset("test")
    assert grid.predicted_boxes is None and grid.true_boxes.equal(test.digit_boxes[:3])
    first = "".join(str(int(d)) for d in test.sequences[0] if d >= 0)
    assert grid.captions[0].startswith(f"{first} read ")


def test_a_classifier_run_has_no_boxes_to_draw(digits_run):
    with pytest.raises(RunError, match="is a classifier: it predicts no boxes"):
        box_grid(Run.open(digits_run))


def test_predict_prints_a_box_per_image(task_runs, tmp_path):
    result = run_cli("predict", str(task_runs["cluttered-mnist"]), "--split", "test",
                     "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["predictions"]
    assert len(rows) == 20 and all(len(row["box"]) == 4 for row in rows)
    assert all(0 <= row["box"][0] < 28 and row["box"][2] > 0 for row in rows)


def test_predict_reads_each_sequence_and_scores_whole_sequences(task_runs):
    run = Run.open(task_runs["multi-mnist"])
    predictions = predict_split(run, "test")
    test = run.dataset("test")
    truth = ["".join(str(int(d)) for d in row if d >= 0) for row in test.sequences]
    assert [row.label for row in predictions.rows] == truth
    read = [row.sequence for row in predictions.rows]
    assert predictions.accuracy == sum(r == t for r, t in zip(read, truth, strict=True)) / 40
    assert "test sequence accuracy" in render(predictions)
    with pytest.raises(ConfigError, match="a sequence run needs --tta none"):
        predict_split(run, "test", tta="flip")
