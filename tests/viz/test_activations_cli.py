"""The viz commands end to end, as a user runs them on a trained run."""

from pathlib import Path

import pytest
from PIL import Image

from conftest import run_cli_here


@pytest.mark.slow  # four commands, each a fresh process
def test_viz_commands_write_their_pngs_into_the_runs_plots_folder(digits_run):
    plots = Path(digits_run) / "plots"
    commands = [
        (["filters"], "filters-features.0.png", "filters moved"),
        (
            ["activations", "--layer", "features.3", "--index", "4"],
            "activations-features.3.png",
            "",
        ),
        (
            ["top-patches", "--layer", "features.3", "--unit", "1"],
            "top-patches-features.3-1.png",
            "",
        ),
        (["mistakes", "--count", "8"], "mistakes.png", "of 360 test images wrong"),
    ]
    for args, name, said in commands:
        done = run_cli_here("viz", args[0], str(digits_run), *args[1:])
        assert done.returncode == 0, done.stderr
        assert str(plots / name) in done.stdout and said in done.stdout
        with Image.open(plots / name) as png:
            assert png.format == "PNG"
    assert (plots / "confusion.png").is_file()


def test_an_image_file_and_an_explicit_output(digits_run, tmp_path):
    Image.new("L", (20, 20), 128).save(tmp_path / "grey.png")
    out = tmp_path / "maps.png"
    done = run_cli_here("viz", "activations", str(digits_run), "--image",
                        str(tmp_path / "grey.png"), "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.is_file()


def test_unknown_layer_names_are_one_line_errors_with_exit_2(digits_run):
    cases = [
        (["activations", "--layer", "conv9"], "error: unknown layer 'conv9'."),
        (["filters", "--layer", "classifier.1"],
         "error: unknown convolution layer 'classifier.1'. Known convolution layers: "
         "features.0, features.3, features.6."),
    ]  # fmt: skip
    for args, message in cases:
        done = run_cli_here("viz", args[0], str(digits_run), *args[1:])
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith(message), done.stderr
        assert "features.0, features.1" in done.stderr or "features.0, features.3" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
