"""The head contract (``cnnlab.models.contract``), checked for every registered model.

Real passes run on a small input: the default when it is 32x32 or less or when the model
has a fixed input size, 67x67 otherwise. One real build per model serves all the tests
that need weights (a module-scoped fixture, so pytest runs them together); the checks of
names and shapes build on the meta device.
"""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.models import head_state_keys

NAMES = [info.name for info in models.list_models()]
# The least side alexnet2012 runs at (no padding before its first pooling); every other
# model with an adaptive pool runs at 63 or less (summary_forward.smallest_working_side).
SMALL_SIDE = 67
# Builds of over 100M weights take a second or two each here; three such rows stay fast.
FAST_BIG = {"vgg16", "alexnet_fixed", "zfnet"}
SLOW = {
    info.name
    for info in models.list_models()
    if info.num_params > 100_000_000 and info.name not in FAST_BIG
}


def new_classes(name: str) -> int:
    return 361 if name == "alphago_policy" else 7  # AlphaGo's classes are the board's points


def small_input(name: str) -> tuple[int, int, int]:
    info = models.get_model_info(name)
    channels, height, _ = info.input_shape
    if height <= 32 or info.defaults.get("adaptive_pool") is False:
        return info.input_shape
    return (channels, SMALL_SIDE, SMALL_SIDE)


@pytest.fixture(
    scope="module",
    params=[pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in NAMES],
)
def built(request) -> tuple[str, nn.Module, torch.Tensor]:
    name = request.param
    torch.manual_seed(0)
    model = models.create(name).eval()
    x = torch.randn(2, *small_input(name), generator=torch.Generator().manual_seed(1))
    return name, model, x


@functools.cache
def state_shapes(name: str, **kwargs) -> dict[str, torch.Size]:
    """The state_dict shapes of a build of ``name`` with ``kwargs``, made on the meta device."""
    with torch.device("meta"):
        return {k: v.shape for k, v in models.create(name, **kwargs).state_dict().items()}


def classifier_width(layer: nn.Module) -> int:
    return layer.in_features if hasattr(layer, "in_features") else layer.in_channels


def test_forward_is_the_head_of_the_features(built):
    _, model, x = built
    with torch.no_grad():
        assert torch.equal(model(x), model.forward_head(model.forward_features(x)))


def test_pre_logits_is_the_input_of_the_final_classifier_layer(built):
    _, model, x = built
    head = model.get_submodule(model.head_layers[0])
    with torch.no_grad():
        features = model.forward_features(x)
        code = model.forward_head(features, pre_logits=True)
        logits = model.forward_head(features)
        if code.dim() == 2:  # a fully connected (or RBF) classifier: it alone makes the logits
            assert torch.equal(head(code), logits)
    assert code.shape[:2] == (2, classifier_width(head))


def test_reset_classifier_renews_the_head_and_keeps_every_other_tensor(built):
    name, model, x = built
    num_classes = new_classes(name)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    head = head_state_keys(model)
    model.reset_classifier(num_classes)
    after = model.state_dict()
    assert after.keys() == before.keys() and head
    for key in before.keys() - head:
        assert torch.equal(after[key], before[key]), key
    assert any(
        after[k].shape != before[k].shape or not torch.equal(after[k], before[k]) for k in head
    )
    assert {k: v.shape for k, v in after.items()} == state_shapes(name, num_classes=num_classes)
    assert not any(m.training for m in model.modules())  # new layers follow the model's mode
    with torch.no_grad():
        assert model(x).shape == (2, num_classes)


@pytest.mark.parametrize("name", NAMES)
def test_head_layers_and_cam_layer_name_modules(name: str):
    info = models.get_model_info(name)
    with torch.device("meta"):
        model = models.create(name).eval()
        for layer in (*model.head_layers, model.cam_layer):
            model.get_submodule(layer)  # raises AttributeError if there is none
        maps = []
        model.get_submodule(model.cam_layer).register_forward_hook(
            lambda _m, _i, out: maps.append(out.shape)
        )
        model(torch.empty(1, *info.input_shape))
    assert len(maps) == 1
    assert len(maps[0]) == 4 and maps[0][2] * maps[0][3] > 1, maps[0]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "alphago_policy"])
def test_head_tensors_are_those_whose_shape_follows_num_classes(name: str):
    with torch.device("meta"):
        model = models.create(name)
    other = state_shapes(name, num_classes=7)
    changed = {k for k, v in model.state_dict().items() if v.shape != other[k]}
    assert head_state_keys(model) == changed


def test_head_state_keys_of_googlenet_include_the_auxiliary_classifiers():
    with torch.device("meta"):
        model = models.create("googlenet_torchvision")
    assert head_state_keys(model) == {
        f"{layer}.{t}" for layer in ("fc", "aux1.fc2", "aux2.fc2") for t in ("weight", "bias")
    }


def test_alphago_takes_only_the_board_points_as_classes():
    with torch.device("meta"):
        model = models.create("alphago_policy")
    with pytest.raises(ModelError, match="361"):
        model.reset_classifier(7)


def test_reset_classifier_refuses_no_classes():
    model = models.create("lenet5")
    with pytest.raises(ModelError, match="positive"):
        model.reset_classifier(0)


def test_lenet5_1998_gets_the_fixed_prototypes_of_the_new_class_count():
    model = models.create("lenet5_1998")
    model.reset_classifier(4)
    fresh = models.create("lenet5_1998", num_classes=4)
    assert torch.equal(model.classifier[3].prototypes, fresh.classifier[3].prototypes)
