"""Class-score maps: the convolutionized network equals the original, slid window by window."""

import pytest
import torch

from cnnlab.errors import DataError
from cnnlab.localise import class_map, on_canvas, plot_class_map, sliding_scores
from cnnlab.train import Run


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
