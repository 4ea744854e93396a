"""`cnnlab viz fooling --search evolution`: the gradient-free fooling image of a run, as a
picture, from the shell and from Python."""

import torch
from PIL import Image

from cnnlab.attack.fooling_picture import fooling_search_picture
from cnnlab.train.run import Run
from conftest import run_cli


def test_the_evolved_image_is_called_the_target_with_the_asked_confidence():
    run = Run.open("cnnlab:lenet5-digits")
    picture = fooling_search_picture(run, 3, "evolution", confidence=0.95, population=32)
    ((image, caption),) = picture.panels
    with torch.no_grad():
        probabilities = run.pixel_model()(image[None]).softmax(1)[0]
    assert probabilities.argmax().item() == 3 and probabilities[3].item() >= 0.95
    assert caption == f"evolved: predicted '3' (p {probabilities[3].item():.3f})"
    assert "no gradients" in picture.title
    assert picture.default_path == run.folder.plots / "fooling-evolved-3.png"


def test_the_cli_writes_the_evolved_picture_where_asked(tmp_path):
    out = tmp_path / "fooling.png"
    result = run_cli("viz", "fooling", "cnnlab:lenet5-digits", "--target", "7", "--search",
                     "evolution", "--population", "32", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    with Image.open(out) as png:
        assert png.format == "PNG"


def test_an_unknown_search_is_one_line_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "fooling.png"
    result = run_cli("viz", "fooling", "cnnlab:lenet5-digits", "--target", "7", "--search",
                     "genetic", "--out", str(out))  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --search: expected one of gradient, evolution, found 'genetic'"
    )
    assert not out.exists()
