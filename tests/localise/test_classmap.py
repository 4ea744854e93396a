"""Class-score maps: the convolutionized network equals the original, slid window by window."""

import pytest
import torch
from PIL import Image

from cnnlab.errors import DataError
from cnnlab.localise import class_map, on_canvas, plot_class_map, sliding_scores
from cnnlab.train import Run
from conftest import run_cli


def test_at_the_training_size_the_map_is_one_window_with_the_original_logits(digits_run):
    loaded = Run.open(digits_run)
    picked = loaded.pick(None, 3)
    found = class_map(loaded, picked.pixels)
    with torch.no_grad():
        logits = loaded.model.eval()(loaded.prepare(picked.pixels))[0]
    assert found.scores.shape == (len(loaded.classes), 1, 1)
    assert torch.allclose(found.scores[:, 0, 0], logits, atol=1e-5)


def test_on_a_larger_image_the_map_equals_sliding_the_network(digits_run):
    loaded = Run.open(digits_run)
    _, height, width = loaded.input_shape
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (1, 1, height + 12, width + 8), generator=generator)
    found = class_map(loaded, pixels.to(torch.uint8))
    slid = sliding_scores(loaded, pixels.to(torch.uint8), found.stride)
    assert found.stride == (4, 4)  # LeNet-5: two 2x2 subsamplings
    assert found.scores.shape == slid.shape == (len(loaded.classes), 4, 3)
    assert torch.allclose(found.scores, slid, atol=1e-5)


def test_a_digit_on_a_canvas_is_found_where_it_was_put(digits_run, tmp_path):
    loaded = Run.open(digits_run)
    picked = loaded.pick(None, 0)
    _, height, _ = loaded.input_shape
    canvas = on_canvas(picked.pixels, 2 * height, height, 8)
    found = class_map(loaded, canvas)
    row, column = height // found.stride[0], 8 // found.stride[1]
    with torch.no_grad():
        alone = loaded.model.eval()(loaded.prepare(picked.pixels))[0]
    assert torch.allclose(found.scores[:, row, column], alone, atol=1e-5)
    path = plot_class_map(found, canvas, loaded.classes, "digit on a canvas", tmp_path / "m.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_images_smaller_than_the_training_size_and_canvases_too_small_are_refused(digits_run):
    loaded = Run.open(digits_run)
    with pytest.raises(DataError, match="at least the training size"):
        class_map(loaded, torch.zeros(1, 1, 10, 10, dtype=torch.uint8))
    with pytest.raises(DataError, match="must fit"):
        on_canvas(loaded.pick(None, 0).pixels, 40, 20, 0)


def test_the_classmap_command_maps_an_image_file_and_a_placed_dataset_image(digits_run, tmp_path):
    Image.new("L", (48, 40), 0).save(tmp_path / "big.png")
    out = tmp_path / "file-map.png"
    done = run_cli("viz", "classmap", str(digits_run), "--image", str(tmp_path / "big.png"),
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "windows" in done.stdout and str(out) in done.stdout
    assert out.read_bytes()[:4] == b"\x89PNG"
    placed = tmp_path / "placed.png"
    done = run_cli("viz", "classmap", str(digits_run), "--index", "2", "--canvas", "48",
                   "--top", "8", "--left", "12", "--out", str(placed))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "test[2] on 48x48" in done.stdout and placed.is_file()


def test_the_classmap_command_refuses_a_canvas_too_small_in_one_line(digits_run, tmp_path):
    done = run_cli("viz", "classmap", str(digits_run), "--canvas", "20", "--out",
                   str(tmp_path / "never.png"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: --canvas 20") and "must fit" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "never.png").exists()


def test_the_classmap_command_names_an_image_file_smaller_than_the_training_size(
    digits_run, tmp_path
):
    Image.new("L", (12, 12), 0).save(tmp_path / "small.png")
    done = run_cli("viz", "classmap", str(digits_run), "--image", str(tmp_path / "small.png"),
                   "--out", str(tmp_path / "never.png"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: image {tmp_path / 'small.png'}: expected at least")
    assert "found 12x12" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "never.png").exists()
