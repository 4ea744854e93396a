"""``--arch`` specs: the parser, the shapes worked out before anything runs, the model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError, ModelError
from cnnlab.models.arch import LENET5_SPEC
from cnnlab.nn.arch_spec import parse_arch


def params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_lenet5_written_as_a_spec_has_lenet5s_parameter_count():
    written = models.create_arch(LENET5_SPEC, (1, 32, 32))
    assert params(written) == 61_706 == params(models.create("lenet5"))


def test_the_lectures_pattern_with_repeats_expands_in_order():
    layers = parse_arch("[[conv3-32,relu]*2,pool2]*3,[fc256,relu,dropout0.5],fc")
    kinds = [layer.kind for layer in layers]
    assert kinds == ["conv", "relu", "conv", "relu", "maxpool"] * 3 + [
        "fc", "relu", "dropout", "fc",
    ]  # fmt: skip
    assert layers[0].width == 32 and layers[0].size == 3 and layers[-2].number == 0.5


def test_options_build_the_layers_they_name():
    spec = "conv5-8:s=1:p=2:d=1:g=1,bn,leaky0.2,maxpool3:s=2:p=1,conv3-8:p=same:s=2,maxout2,gap,fc"
    model = models.create_arch(spec, (3, 16, 16), num_classes=4)
    conv = model.features[0]
    assert (conv.kernel_size, conv.stride, conv.padding) == ((5, 5), (1, 1), (2, 2))
    assert isinstance(model.features[1], nn.BatchNorm2d)
    assert model.features[2].negative_slope == 0.2
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 4)
    # 16 -> pool3 s2 p1: 8 -> SAME s2: 4; maxout halves 8 channels to 4; gap: 4 features
    assert model.forward_head(model.forward_features(torch.randn(1, 3, 16, 16)), True).shape == (
        1,
        4,
    )


def test_every_layer_kind_of_the_vocabulary_builds_and_runs():
    spec = (
        "conv3-8:p=1,relu,lc3-4,elu,avgpool2,lrn,conv1-4:g=2,tanh,dropout,flatten,"
        "fc12,bn,sigmoid,maxout3,fc"
    )
    model = models.create_arch(spec, (2, 8, 8), num_classes=3)
    assert model(torch.randn(5, 2, 8, 8)).shape == (5, 3)
    kinds = {type(m).__name__ for m in model.modules()}
    assert {"LocallyConnected2d", "LocalResponseNorm", "Maxout", "BatchNorm1d"} <= kinds


def test_the_head_starts_where_the_network_goes_flat_and_the_classifier_resets():
    model = models.create_arch("conv3-4,relu,pool2,fc16,relu,fc", (1, 10, 10), num_classes=5)
    assert model.head_layers == ("classifier.3",) and model.cam_layer == "features.2"
    model.reset_classifier(7)
    assert model(torch.randn(1, 1, 10, 10)).shape == (1, 7)


@pytest.mark.parametrize(
    ("spec", "position", "pointer"),
    [
        ("conv3-8,cnv5,fc", 9, "conv3-8,>>cnv5<<,fc"),
        ("[conv3-8,relu*2,fc", 1, ">>[<<conv3-8"),
        ("conv3-8,,fc", 9, "conv3-8,>>,<<fc"),
        ("[conv3-8]*0,fc", 10, "[conv3-8]>>*0<<,fc"),
        ("conv3,fc", 1, ">>conv3<<,fc"),
        ("conv3-8:q=2,fc", 1, ">>conv3-8:q=2<<"),
        ("pool2:p=x,fc", 1, ">>pool2:p=x<<"),
        ("dropout1.5,fc", 1, ">>dropout1.5<<"),
        ("conv3-8]", 8, "conv3-8>>]<<"),
    ],
)
def test_a_mistake_in_the_text_is_refused_pointing_at_its_character(spec, position, pointer):
    with pytest.raises(ConfigError) as caught:
        parse_arch(spec)
    message = str(caught.value)
    assert f"at character {position} " in message and pointer in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("spec", "shape", "expected"),
    [
        (
            "conv5-6:s=2,fc",
            (1, 32, 32),
            "--arch layer 1 'conv5-6:s=2' (character 1) received 1x32x32: stride 2 does not "
            "fit: (32 - 5 + 2*0)/2 + 1 = 14.5 is not a whole number; fix: another stride, "
            "or p=same",
        ),
        (
            "conv3-8,conv5-8:s=3,fc",
            (1, 32, 32),
            "--arch layer 2 'conv5-8:s=3' (character 9) received 8x30x30: stride 3 does not "
            "fit: (30 - 5 + 2*0)/3 + 1 = 9.33333 is not a whole number; fix: p=1 or p=4 or p=7, "
            "or p=same",
        ),
        (
            "[conv5-6,pool2]*3,fc",
            (1, 28, 28),
            "--arch layer 5 'conv5-6' (character 2) received 6x4x4: the window of 5 is larger "
            "than the input padded by 0; fix: p=1 or more, a smaller window or a larger input",
        ),
        (
            "[conv5-6,pool2]*3,fc",
            (1, 32, 32),
            "--arch layer 6 'pool2' (character 10) received 6x1x1: the 2x2 window is larger "
            "than the input; fix: a smaller window or a larger input",
        ),
        (
            "fc10,conv3-4,fc",
            (1, 8, 8),
            "--arch layer 2 'conv3-4' (character 6) received a flat vector of 10: conv needs a "
            "feature map CxHxW; fix: put it before the first fc, flatten or gap",
        ),
        ("conv3-6:g=4,fc", (3, 8, 8), "g=4 does not divide 3 input and 6 output channels"),
        ("conv3-8,relu", (1, 8, 8), "--arch must end with a bare fc"),
        ("fc,fc", (1, 8, 8), "only the last fc takes its width from the number of classes"),
    ],
)
def test_a_network_that_cannot_work_is_refused_naming_layer_shape_and_fix(spec, shape, expected):
    with pytest.raises(ModelError) as caught, torch.device("meta"):
        models.create_arch(spec, shape)
    assert expected in str(caught.value)


def test_a_stride_that_fits_gives_the_formulas_size():
    model = models.create_arch("conv7-6:s=3:p=1,fc", (1, 32, 32))  # (32 - 7 + 2)/3 + 1
    assert model.forward_features(torch.zeros(1, 1, 32, 32)).shape == (1, 6, 10, 10)


def test_a_spec_file_in_toml_gives_the_same_network(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('layers = ["[conv3-8:p=1,relu]*2", "pool2", "fc"]\n')
    assert models.read_arch(str(path)) == "[conv3-8:p=1,relu]*2,pool2,fc"
    (tmp_path / "spec.toml").write_text('spec = "conv3-4,fc"\n')
    assert models.read_arch(str(tmp_path / "spec.toml")) == "conv3-4,fc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("layers = [1, 2]\n", 'expected spec = "..." or layers = ["...", ...]'),
        ("spec = \n", "expected TOML"),
    ],
)
def test_a_bad_spec_file_is_refused_naming_it(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        models.read_arch(str(path))
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_a_missing_spec_file_is_refused_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml does not exist"):
        models.read_arch(str(tmp_path / "missing.toml"))


def test_a_network_of_over_a_billion_parameters_is_refused_on_the_meta_device():
    with pytest.raises(ModelError) as caught, torch.device("meta"):
        models.create_arch("fc65536,relu,fc65536,fc", (3, 32, 32))
    total = (3 * 32 * 32 + 1) * 65536 + (65536 + 1) * 65536  # fc1 and fc2, biases too
    assert str(caught.value) == (
        "--arch layer 3 'fc65536' (character 14) received a flat vector of 65536: the network "
        f"reaches {total:,} parameters, over 1,000,000,000; fix: fewer filters or units, or "
        "pool before the first fc"
    )
