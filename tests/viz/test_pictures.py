"""The picture functions from a notebook: one call on a Run, then ``save`` writes the PNG
(into the run's plots folder, or where asked), the same file the `cnnlab viz` command writes."""

import pytest
import torch
from PIL import Image

from cnnlab import Run
from cnnlab.errors import ConfigError
from cnnlab.figure import Picture
from cnnlab.viz.attribution_pictures import gradcam_picture, occlusion_picture, saliency_picture
from cnnlab.viz.run_pictures import (
    activations_picture,
    filters_picture,
    mistakes_picture,
    top_patches_picture,
)
from cnnlab.viz.synthesis_pictures import (
    adversarial_picture,
    class_model_picture,
    fooling_picture,
    max_response_picture,
)
from conftest import run_cli_here


@pytest.fixture(scope="module")
def run(digits_run):
    return Run.open(digits_run)


def png_size(path):
    with Image.open(path) as png:
        assert png.format == "PNG"
        return png.size


def test_attribution_pictures_hold_one_map_per_pixel_and_save_where_asked(run, tmp_path):
    saliency = saliency_picture(run, index=3)
    assert saliency.image.shape == (1, 32, 32) and saliency.heat.shape == (32, 32)
    assert (saliency.heat >= 0).all() and saliency.heat.max() > 0
    assert "for test[3], true class" in saliency.title
    occlusion = occlusion_picture(run, index=3, size=8, stride=4)
    assert occlusion.grid.shape == (7, 7) and ((occlusion.grid >= 0) & (occlusion.grid <= 1)).all()
    gradcam = gradcam_picture(run, index=3)
    assert gradcam.notes == ["Grad-CAM of layer features.5"]  # LeNet-5's declared S4
    for picture, name in ((saliency, "s.png"), (occlusion, "o.png"), (gradcam, "g.png")):
        assert picture.save(tmp_path / name) == tmp_path / name
        assert png_size(tmp_path / name)[0] > 400


def test_save_without_a_path_writes_into_the_runs_plots(run, digits_run):
    path = saliency_picture(run, index=5).save()
    assert path == digits_run / "plots" / "saliency-test5.png" and png_size(path)[0] > 400


def test_synthesis_pictures_start_from_noise_and_end_elsewhere(run, tmp_path):
    class_model = class_model_picture(run, 3, steps=5)
    (start, _), (made, _) = class_model.panels
    assert start.shape == made.shape == (1, 32, 32) and not torch.equal(start, made)
    max_response = max_response_picture(run, "features.3", 2, steps=5)
    adversarial = adversarial_picture(run, index=3, epsilon=0.05)
    assert "epsilon 0.0500" in adversarial.title and len(adversarial.panels) == 3
    fooling = fooling_picture(run, 2, steps=20)
    for number, picture in enumerate((class_model, max_response, adversarial, fooling)):
        assert png_size(picture.save(tmp_path / f"{number}.png"))[0] > 400


def test_run_pictures_hold_what_they_draw(run, tmp_path):
    filters = filters_picture(run)
    assert filters.weights.shape == (6, 1, 5, 5) and filters.change.shape == (6,)
    assert (filters.change > 0).all() and "filters moved" in filters.notes[0]
    maps = activations_picture(run, "features.3", index=4)
    assert maps.maps.shape == (16, 10, 10) and maps.image.shape == (1, 32, 32)
    patches = top_patches_picture(run, "features.3", 1, count=4)
    assert len(patches.patches.indices) == 4
    mistakes = mistakes_picture(run, count=4, split="val")
    wrong = int((mistakes.predictions.predicted != mistakes.predictions.dataset.labels).sum())
    assert f"{wrong} of {len(mistakes.predictions.dataset)} val images wrong" in mistakes.title
    assert mistakes.default_path.name == "mistakes-val.png"
    for number, picture in enumerate((filters, maps, patches, mistakes)):
        assert png_size(picture.save(tmp_path / f"{number}.png"))[0] > 100
    assert (tmp_path / "confusion-val.png").is_file()  # beside the mistakes, named by split


def test_a_picture_with_no_default_place_asks_for_a_path():
    class Nowhere(Picture):
        def draw(self, path):
            raise AssertionError("drew without a path")

    with pytest.raises(ConfigError, match="no file named for 'grid': give a path"):
        Nowhere(title="grid", default_path=None).save()


def test_the_notebook_and_the_command_write_the_same_png(run, digits_run, tmp_path):
    notebook = gradcam_picture(run, index=7).save(tmp_path / "notebook.png")
    done = run_cli_here(
        "viz", "gradcam", str(digits_run), "--index", "7", "--out", str(tmp_path / "c.png")
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.png").read_bytes() == notebook.read_bytes()


def test_an_evaluation_picture_is_named_after_its_split_and_tta(run, digits_run):
    from cnnlab.train import evaluate_run
    from cnnlab.viz.run_pictures import evaluation_picture

    flipped = evaluation_picture(run, "test", tta="flip")
    assert flipped.default_path == digits_run / "plots" / "confusion-test-tta-flip.png"
    assert flipped.result.warnings and "no flips" in flipped.result.warnings[0]
    val = evaluation_picture(run, "val")
    assert val.default_path.name == "confusion-val.png" and val.result.warnings == []
    assert val.result.confusion == evaluate_run(digits_run, "val").confusion
    assert png_size(val.save())[0] > 100
