"""The `cnnlab viz` commands of attribution and synthesis, run as a user would."""

import pytest
from PIL import Image

from conftest import run_cli_here

COMMANDS = {
    "saliency": (["--index", "3"], "saliency-test3.png"),
    "occlusion": (["--index", "3", "--size", "6", "--stride", "3"], "occlusion-test3.png"),
    "gradcam": (["--index", "3"], "gradcam-test3.png"),
    "adversarial": (["--index", "3"], "adversarial-test3.png"),
    "class-model": (["--target", "3", "--steps", "20"], "class-model-3.png"),
    "max-response": (["--layer", "features.3", "--unit", "2", "--steps", "10"],
                     "max-response-features.3-2.png"),
    "deepdream": (["--photo", "flower", "--octaves", "2", "--steps", "3", "--max-side", "64"],
                  "deepdream-flower-features.5.png"),
    "fooling": (["--target", "2", "--steps", "50"], "fooling-2.png"),
}  # fmt: skip


@pytest.mark.parametrize("kind", COMMANDS)
def test_each_command_writes_its_png_into_the_runs_plots(digits_run, kind):
    args, name = COMMANDS[kind]
    result = run_cli_here("viz", kind, str(digits_run), *args)
    assert result.returncode == 0, result.stderr
    path = digits_run / "plots" / name
    assert f"wrote {path}" in result.stdout
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size[0] > 400
    if kind in ("gradcam", "deepdream"):  # LeNet-5's declared cam_layer, S4
        assert "layer features.5" in result.stdout


def test_out_puts_the_png_where_asked(digits_run, tmp_path):
    out = tmp_path / "figures" / "fgsm.png"
    result = run_cli_here(
        "viz", "adversarial", str(digits_run), "--epsilon", "0.05", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "epsilon 0.0500" in result.stdout and out.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gradcam", "--layer", "conv9"],
         "unknown layer 'conv9'. Known layers: classifier, classifier.0, classifier.1,"),
        (["max-response", "--layer", "features.3", "--unit", "16"],
         "unit 16 is out of range: layer 'features.3' has 16 units (0..15)"),
        (["saliency", "--target", "10"],
         "target class 10 is out of range: the model has 10 classes (0..9)"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(digits_run, args, message):
    kind, *options = args
    result = run_cli_here("viz", kind, str(digits_run), *options)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
