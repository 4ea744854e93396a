"""Fitting an image to a run's training images: size policy, polarity, training's padding."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cnnlab.data.fitting import FitSpec, fit_file, fit_image, fit_picture, should_invert


def test_pad_keeps_the_aspect_ratio_and_fills_with_the_border_colour():
    wide = np.full((10, 40), 200, np.uint8)
    wide[:, 10:30] = 50  # a dark block, half the width, on a light background
    fitted = np.asarray(fit_picture(Image.fromarray(wide), (20, 20), "pad"))
    assert fitted.shape == (20, 20)
    assert (fitted[:7] == 200).all() and (fitted[13:] == 200).all()  # 5 rows of image, centred
    assert (fitted[8:12, 6:14] == 50).all()
    cropped = np.asarray(fit_picture(Image.fromarray(wide), (20, 20), "crop"))
    assert (cropped == 50).all()  # the centre half, scaled by 2
    stretched = np.asarray(fit_picture(Image.fromarray(wide), (20, 20), "stretch"))
    assert (stretched[:, 7:13] == 50).all() and (stretched[:, 0] == 200).all()


@pytest.mark.parametrize(
    ("image_border", "training_border", "inverted"),
    [(250.0, 0.0, True), (5.0, 0.0, False), (10.0, 240.0, True), (200.0, 240.0, False),
     (250.0, 120.0, False), (250.0, None, False)],
)  # fmt: skip
def test_auto_inverts_only_against_a_plain_training_background(
    image_border, training_border, inverted
):
    assert should_invert(image_border, training_border, "auto") is inverted
    assert should_invert(image_border, training_border, "yes") is True
    assert should_invert(image_border, training_border, "no") is False


def test_an_image_at_the_unpadded_size_is_padded_as_training_padded(tmp_path):
    digit = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(digit).save(tmp_path / "28.png")
    spec = FitSpec("L", (28, 28), 2, "pad", "no", None)  # MNIST: 28x28, padded to 32x32
    fitted = fit_file(tmp_path / "28.png", spec)
    assert fitted.pixels.shape == (1, 32, 32)
    assert (fitted.pixels[0, 2:30, 2:30] == digit).all()
    assert fitted.pixels[0, :2].sum() == fitted.pixels[0, :, :2].sum() == 0


def test_a_decoded_image_fits_as_its_file_does(tmp_path):
    """fit_image (a picture already decoded, as the web lab receives it) and fit_file agree."""
    light = np.full((40, 30, 3), 230, np.uint8)
    light[10:30, 12:18] = (20, 30, 40)  # a dark stroke on white, in colour
    Image.fromarray(light).save(tmp_path / "stroke.png")
    spec = FitSpec.for_images((1, 32, 32), 2, "pad", "auto", 10.0)  # MNIST-like: dark border
    assert spec == FitSpec("L", (28, 28), 2, "pad", "auto", 10.0)
    from_file = fit_file(tmp_path / "stroke.png", spec)
    decoded = fit_image(Image.fromarray(light), spec)
    assert decoded.inverted and from_file.inverted
    assert decoded.pixels.shape == (1, 32, 32)
    assert (decoded.pixels == from_file.pixels).all()
    assert decoded.pixels[0, 2:30, 2:30].mean() < 128  # white paper became the dark border
