"""`cnnlab classic` from a user's shell: the table, the test accuracy, the plot and JSON."""

from __future__ import annotations

import json

from PIL import Image

from conftest import run_cli_here


def test_knn_on_pixels_writes_the_cross_validation_plot_and_json(tmp_path):
    plot, result_file = tmp_path / "cv.png", tmp_path / "knn.json"
    done = run_cli_here(
        "classic",
        "knn",
        "--grid",
        "k=1,3",
        "--grid",
        "metric=l1,l2",
        "--folds",
        "3",
        "--plot",
        str(plot),
        "--json",
        str(result_file),
    )
    assert done.returncode == 0, done.stderr
    assert "knn on digits: 4 setting(s) x 3 folds of 1437 training images, 1024 values each" in (
        done.stdout
    )
    assert "features: pixels" in done.stdout
    result = json.loads(result_file.read_text())
    assert len(result["cross_validation"]) == 4 and result["test_images"] == 360
    assert f"test accuracy {result['test_accuracy']:.4f} (360 images)" in done.stdout
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width > 300


def test_softmax_on_a_runs_features(digits_run, tmp_path):
    done = run_cli_here(
        "classic",
        "softmax",
        "--features",
        str(digits_run),
        "--grid",
        "C=0.1",
        "--folds",
        "3",
        "--per-class",
        "40",
    )
    assert done.returncode == 0, done.stderr
    assert "400 training images, 84 values each" in done.stdout
    assert "input of classifier.3" in done.stdout


def test_bad_input_exits_2_with_a_message():
    unknown = run_cli_here("classic", "nearest")
    assert unknown.returncode == 2 and "unknown classic method 'nearest'" in unknown.stderr
    pixels_layer = run_cli_here("classic", "knn", "--layer", "features.0")
    assert pixels_layer.returncode == 2 and "give the run as --features" in pixels_layer.stderr
