"""Pictures of weights opened by name or from a file, without training: they have no run
folder, so the PNG goes where --out says, and without --out the command says so at once."""

from __future__ import annotations

import pytest

from cnnlab.train import Run
from cnnlab.viz.run_pictures import filters_picture
from conftest import REPO, SHARED_DATA, run_cli

PNG = b"\x89PNG\r\n\x1a\n"


def test_saliency_of_the_shipped_mnist_model_on_a_test_image(tmp_path, monkeypatch):
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip("MNIST is not at hand")
    monkeypatch.setenv("CNNLAB_DATA", str(SHARED_DATA))
    out = tmp_path / "x.png"
    result = run_cli("viz", "saliency", "cnnlab:lenet5-mnist", "--index", "0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == PNG and f"wrote {out}" in result.stdout


def test_gradcam_of_shipped_weights_on_an_image_file_needs_no_data(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNLAB_DATA", raising=False)
    out, seven = tmp_path / "gradcam.png", REPO / "examples" / "seven.png"
    result = run_cli(
        "viz", "gradcam", "cnnlab:lenet5-mnist", "--image", str(seven), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == PNG


def test_filters_of_shipped_weights_say_their_initial_values_are_unknown(tmp_path):
    out = tmp_path / "filters.png"
    result = run_cli("viz", "filters", "cnnlab:smallcnn-mnist-bn", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "keeps no initial weights" in result.stdout and out.read_bytes()[:8] == PNG


@pytest.mark.parametrize("command", ["saliency", "filters", "mistakes"])
def test_without_out_a_picture_of_weights_is_a_one_line_error(command, tmp_path):
    result = run_cli("viz", command, "cnnlab:lenet5-digits", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--out: expected the PNG to write for cnnlab:lenet5-digits" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing landed in the current folder


def test_a_picture_of_weights_has_no_default_place_but_a_run_s_has(digits_run):
    picture = filters_picture(Run.open("cnnlab:lenet5-digits"))
    assert picture.default_path is None and picture.change is None
    assert filters_picture(Run.open(digits_run)).default_path == digits_run / "plots" / (
        "filters-features.0.png"
    )
