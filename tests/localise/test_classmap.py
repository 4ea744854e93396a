"""Class-score maps: the convolutionized network against the original, window by window."""

import pytest
import torch

from cnnlab import models
from cnnlab.data.preprocess import Preprocess
from cnnlab.errors import ConfigError, DataError
from cnnlab.localise import class_map, sliding_scores
from cnnlab.train.run import Run


@pytest.fixture(scope="module")
def trained(digits_run):
    return Run.open(digits_run)


def test_at_the_training_size_the_map_is_one_window_with_the_original_logits(trained):
    images = trained.dataset("test").images[:5]
    for one in images.split(1):
        pixels = trained.view(one)
        scores = class_map(trained.model, trained.input_shape, pixels, trained.preprocess)
        assert scores.scores.shape == (10, 1, 1)
        with torch.no_grad():
            logits = trained.model(trained.preprocess(pixels))[0]
        torch.testing.assert_close(scores.scores[:, 0, 0], logits, atol=1e-5, rtol=0)


def test_on_a_larger_image_the_map_equals_sliding_the_original_network(trained):
    pixels = torch.rand(1, 1, 56, 68, generator=torch.Generator().manual_seed(0))
    scores = class_map(trained.model, trained.input_shape, pixels, trained.preprocess)
    # LeNet-5: two 2x2 poolings, so a window every 4 pixels; (56 - 32)/4 + 1 = 7 rows, 10 columns
    assert scores.stride == 4 and scores.scores.shape == (10, 7, 10)
    slid = sliding_scores(trained.model, trained.preprocess(pixels), (32, 32), 4)
    torch.testing.assert_close(scores.scores, slid, atol=1e-5, rtol=0)
    assert scores.window_origin(6, 9) == (24, 36)
    assert torch.equal(scores.best, slid.argmax(0))


def test_a_digit_placed_on_a_canvas_is_found_in_the_window_that_holds_it(trained):
    test = trained.dataset("test")
    index = int((trained.predict(test.images[:20]).argmax(1) == test.labels[:20]).nonzero()[0])
    canvas = torch.zeros(1, 1, 64, 64)
    canvas[..., 16:48, 8:40] = test.images[index : index + 1].float() / 255
    scores = class_map(trained.model, trained.input_shape, canvas, trained.preprocess)
    assert scores.scores.shape == (10, 9, 9)
    assert int(scores.best[4, 2]) == int(test.labels[index])  # the window at (16, 8)


def test_an_image_smaller_than_the_training_size_is_refused():
    net = models.create("lenet5").eval()
    with pytest.raises(DataError, match=r"H >= 32 and W >= 32.*found \(1, 1, 28, 40\)"):
        class_map(net, (1, 32, 32), torch.zeros(1, 1, 28, 40))


def test_whitening_fitted_on_whole_images_cannot_slide():
    net = models.create("lenet5").eval()
    zca = Preprocess("zca", [0.5], [0.2])
    with pytest.raises(ConfigError, match="zca whitening is fitted on whole 1x32x32 images"):
        class_map(net, (1, 32, 32), torch.zeros(1, 1, 64, 64), zca)
