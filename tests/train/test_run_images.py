import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab.errors import DataError
from cnnlab.train import Run


def test_a_test_image_and_the_same_image_from_a_file_give_the_same_batch(digits_run, tmp_path):
    loaded = Run.open(digits_run)
    picked = loaded.pick(None, 5)
    assert picked.pixels.shape == (1, 1, 32, 32) and picked.label is not None
    path = tmp_path / "digit.png"
    Image.fromarray(picked.pixels[0, 0].numpy()).save(path)
    from_file = loaded.pick(path, 0)
    assert torch.equal(from_file.pixels, picked.pixels)
    batch = loaded.prepare(picked.pixels)
    assert torch.allclose(loaded.denormalise(batch), picked.pixels.float() / 255, atol=1e-6)


def test_a_colour_file_of_another_size_is_converted_to_the_runs_input(digits_run, tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.full((64, 48, 3), 200, dtype=np.uint8)).save(path)
    pixels = Run.open(digits_run).image_file(path)
    assert pixels.shape == (1, 1, 32, 32) and pixels.dtype == torch.uint8


def test_bad_images_name_the_file_and_the_fault(digits_run, tmp_path):
    loaded = Run.open(digits_run)
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    with pytest.raises(DataError, match="notes.png: not a readable image"):
        loaded.image_file(not_image)
    with pytest.raises(DataError, match="missing.png: image file not found"):
        loaded.image_file(tmp_path / "missing.png")
    with pytest.raises(DataError, match="index 100000 is out of range: the test split"):
        loaded.pick(None, 100000)
