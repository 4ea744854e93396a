import pytest
import torch
from PIL import Image

from cnnlab import models
from cnnlab.errors import UnknownNameError
from cnnlab.train import Run, TrainConfig, Trainer
from cnnlab.train.callbacks import Callback
from cnnlab.viz.filters import (
    filter_change,
    filter_images,
    filter_weights,
    montage,
    plot_filters,
)


class KeepInitialWeights(Callback):
    def on_fit_start(self, trainer) -> None:
        self.state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}


def train_briefly(out, **overrides) -> dict[str, torch.Tensor]:
    """Train a few steps; return the weights the trainer started from."""
    config = TrainConfig(
        model="lenet5", data="digits", epochs=1, max_steps=8, batch_size=32, out=str(out),
        seed=7, **overrides,
    )  # fmt: skip
    keep = KeepInitialWeights()
    Trainer(config, callbacks=[keep]).fit()
    return keep.state


def test_the_initial_weights_are_saved_by_training_and_read_back(tmp_path):
    started = train_briefly(tmp_path / "run", init="xavier")
    rebuilt = Run.open(tmp_path / "run").initial_model().state_dict()
    assert rebuilt.keys() == started.keys()
    for name, tensor in started.items():
        assert torch.equal(rebuilt[name], tensor), name


def test_the_filters_of_a_trained_lenet5_differ_from_its_initial_filters(digits_run, tmp_path):
    change = filter_change(Run.open(digits_run))
    assert change.shape == (6,)
    assert (change > 0.05).all(), change  # every first-layer filter moved by more than 5 %
    deeper = filter_change(Run.open(digits_run), "features.3")
    assert deeper.shape == (16,) and (deeper > 0.01).all()
    # a run whose learning rate is almost zero barely moves its filters: the measure can fail
    train_briefly(tmp_path / "frozen", lr=1e-12)
    assert (filter_change(Run.open(tmp_path / "frozen")) < 1e-6).all()


def test_first_layer_filters_are_the_first_convolutions_weights(digits_run):
    model = Run.open(digits_run).model
    weights = filter_weights(model)
    assert torch.equal(weights, model.features[0].weight.detach())
    assert filter_weights(model, "features.6").shape == (120, 16, 5, 5)


def test_an_unknown_or_non_convolution_layer_lists_the_convolutions(digits_run):
    model = models.create("lenet5")
    with pytest.raises(UnknownNameError) as info:
        filter_weights(model, "features.9")
    message = str(info.value)
    assert "unknown convolution layer 'features.9'" in message
    assert "features.0, features.3, features.6" in message
    with pytest.raises(UnknownNameError, match="features.0, features.3, features.6"):
        filter_weights(model, "classifier.1")  # a linear layer has no filter bank


def test_filter_images_scale_colour_filters_to_their_range_and_grey_ones_around_mid_grey():
    rgb = torch.tensor([-2.0, 0.0, 2.0]).view(1, 3, 1, 1).repeat(2, 1, 2, 2)
    rgb[1] *= 10
    images = filter_images(rgb)
    assert images.shape == (2, 3, 2, 2)
    assert torch.allclose(images[:, :, 0, 0], torch.tensor([[0.0, 0.5, 1.0]] * 2))
    grey = torch.tensor([[[[-1.0, 0.0], [0.5, 1.0]]]])
    assert torch.allclose(filter_images(grey), torch.tensor([[[[0.0, 0.5], [0.75, 1.0]]]]))


def test_montage_places_images_in_rows_with_padding():
    images = torch.arange(3.0).view(3, 1, 1, 1).expand(3, 1, 2, 2)
    grid = montage(images, columns=2, pad=1, fill=-1)
    assert grid.shape == (1, 7, 7)
    assert grid[0, 1, 1] == 0 and grid[0, 1, 4] == 1 and grid[0, 4, 1] == 2
    assert grid[0, 4, 4] == -1 and grid[0, 0, 0] == -1


def test_plots_of_colour_and_deeper_filters_are_png_files(tmp_path):
    colour = plot_filters(torch.randn(96, 3, 11, 11), "alexnet conv1", tmp_path / "c.png")
    deeper = plot_filters(torch.randn(16, 6, 5, 5), "lenet5 features.3", tmp_path / "d.png")
    for path in (colour, deeper):
        with Image.open(path) as image:
            assert image.format == "PNG" and min(image.size) > 200


def test_the_initial_filters_of_a_pretrained_run_are_the_pretrained_ones(digits_run, tmp_path):
    """Replaying the seed would rebuild random filters; the saved ones are the loaded ones."""
    config = TrainConfig(
        model="lenet5", data="digits", epochs=1, max_steps=2, tensorboard=False,
        pretrained=str(digits_run), out=str(tmp_path / "run"),
    )  # fmt: skip
    Trainer(config).fit()
    initial = Run.open(tmp_path / "run").initial_model().features[0].weight
    assert torch.equal(initial, Run.open(digits_run).model.features[0].weight)
