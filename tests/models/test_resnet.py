"""The ImageNet ResNets: the lectures' ResNet-50 layer table, options and errors."""

import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.nn.residual import Bottleneck
from cnnlab.nn.stochastic_depth import StochasticDepth


def layer_table(model: nn.Module, input_shape: tuple[int, ...]) -> list[tuple[str, tuple, int]]:
    """(type, output shape, own parameters) per module call, in the order a summary lists
    them: every module but containers and the model itself, recorded when it returns."""
    rows, hooks = [], []

    def record(module, _inputs, output):
        params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append((type(module).__name__, tuple(output.shape[1:]), params))

    for module in model.modules():
        if module is not model and not isinstance(module, nn.Sequential):
            hooks.append(module.register_forward_hook(record))
    with torch.device("meta"):
        model(torch.empty(1, *input_shape))
    for hook in hooks:
        hook.remove()
    return rows


def test_resnet50_matches_the_lecture_layer_table():
    with torch.device("meta"):
        model = models.create("resnet50")
    rows = layer_table(model, (3, 224, 224))
    assert len(rows) == 174  # "Linear-174" ends the table
    assert rows[:16] == [
        ("Conv2d", (64, 112, 112), 9_408),
        ("BatchNorm2d", (64, 112, 112), 128),
        ("ReLU", (64, 112, 112), 0),
        ("MaxPool2d", (64, 56, 56), 0),
        ("Conv2d", (64, 56, 56), 4_096),
        ("BatchNorm2d", (64, 56, 56), 128),
        ("ReLU", (64, 56, 56), 0),
        ("Conv2d", (64, 56, 56), 36_864),
        ("BatchNorm2d", (64, 56, 56), 128),
        ("ReLU", (64, 56, 56), 0),
        ("Conv2d", (256, 56, 56), 16_384),
        ("BatchNorm2d", (256, 56, 56), 512),
        ("Conv2d", (256, 56, 56), 16_384),  # the projection shortcut
        ("BatchNorm2d", (256, 56, 56), 512),
        ("ReLU", (256, 56, 56), 0),
        ("Bottleneck", (256, 56, 56), 0),
    ]
    # Conv2d-37 .. BatchNorm2d-46: the first block of stage 2 downsamples on its 3x3
    assert [(t, s, p) for t, s, p in rows[36:46] if t != "ReLU"] == [
        ("Conv2d", (128, 56, 56), 32_768),
        ("BatchNorm2d", (128, 56, 56), 256),
        ("Conv2d", (128, 28, 28), 147_456),
        ("BatchNorm2d", (128, 28, 28), 256),
        ("Conv2d", (512, 28, 28), 65_536),
        ("BatchNorm2d", (512, 28, 28), 1_024),
        ("Conv2d", (512, 28, 28), 131_072),
        ("BatchNorm2d", (512, 28, 28), 1_024),
    ]
    assert rows[-3:] == [
        ("Bottleneck", (2048, 7, 7), 0),
        ("AdaptiveAvgPool2d", (2048, 1, 1), 0),
        ("Linear", (1000,), 2_049_000),
    ]
    assert sum(p for _, _, p in rows) == 25_557_032


def test_forward_is_features_then_head():
    torch.manual_seed(0)
    model = models.create("resnet18", num_classes=5).eval()
    x = torch.randn(2, 3, 64, 64)
    features = model.forward_features(x)
    assert features.shape == (2, 512, 2, 2)
    assert torch.equal(model(x), model.forward_head(features))


def test_num_classes_and_in_channels_change_only_the_ends():
    model = models.create("resnet18", num_classes=10, in_channels=1)
    assert model.conv1.weight.shape == (64, 1, 7, 7)
    assert model.fc.weight.shape == (10, 512)
    assert sum(p.numel() for p in model.parameters()) == 11_689_512 - 64 * 2 * 49 - 990 * 513


def test_stochastic_depth_option_decays_over_all_blocks():
    model = models.create("resnet50", survival_prob_last=0.5)
    probs = [m.survival_prob for m in model.modules() if isinstance(m, StochasticDepth)]
    assert len(probs) == 16
    assert probs[0] == pytest.approx(1 - 0.5 / 16) and probs[-1] == pytest.approx(0.5)
    assert sum(p.numel() for p in model.parameters()) == 25_557_032  # no new parameters


def test_zero_init_residual_starts_every_block_as_identity():
    model = models.create("resnet50", zero_init_residual=True)
    blocks = [m for m in model.modules() if isinstance(m, Bottleneck)]
    assert all(torch.equal(b.bn3.weight, torch.zeros_like(b.bn3.weight)) for b in blocks)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"block": "triple"}, "block must be one of \\['basic', 'bottleneck'\\], got 'triple'"),
        ({"layers": (2, 2, 2)}, "4 stages of at least one block, got layers=\\(2, 2, 2\\)"),
        ({"groups": 32}, "grouped convolutions \\(ResNeXt\\) need block='bottleneck'"),
    ],
)
def test_bad_configurations_say_what_was_given(kwargs, message):
    with pytest.raises(ModelError, match=message):
        models.create("resnet18", **kwargs)
