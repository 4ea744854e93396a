"""Receptive fields, jumps and starts: by hand, against known figures, and `cnnlab receptive`."""

import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.inspect import receptive_field
from cnnlab.inspect.receptive import Axis, union
from cnnlab.nn.locally_connected import LocallyConnected2d
from cnnlab.nn.tf_padding import TFConv2d
from conftest import run_cli_here


def square(row) -> tuple:
    """(field, jump, start) of a row whose two axes agree."""
    height, width = row.field
    assert height == width, row.label
    return height.field, height.jump, height.start


def by_name(name: str, shape=(3, 224, 224)) -> dict:
    with torch.device("meta"):
        model = models.create(name)
    return {row.name: row for row in receptive_field(model, shape)}


def test_two_stacked_3x3_convolutions_see_5x5():
    rows = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)), (1, 9, 9))
    assert [square(r) for r in rows] == [(3, 1, 1.5), (5, 1, 2.5)]


def test_stride_padding_and_dilation_by_hand():
    model = nn.Sequential(
        nn.Conv2d(1, 1, 3, stride=2, padding=1),  # r 3, j 2, start 0.5 + (1 - 1) = 0.5
        nn.Conv2d(1, 1, 3, dilation=2),  # span 4: r 3 + 4*2 = 11, start 0.5 + 2*2 = 4.5
        nn.MaxPool2d(2),  # r 11 + 2 = 13, j 4, start 4.5 + 0.5*2 = 5.5
    )
    assert [square(r) for r in receptive_field(model, (1, 32, 32))] == [
        (3, 2, 0.5), (11, 2, 4.5), (13, 4, 5.5)
    ]  # fmt: skip


def test_tf_same_padding_and_locally_connected_layer():
    model = nn.Sequential(
        TFConv2d(1, 2, 3, stride=2, padding="SAME"),  # 9 -> 5, pads 1 before: start 0.5
        LocallyConnected2d(2, 2, (5, 5), kernel_size=3),  # through its kernel_size attribute
    )
    rows = receptive_field(model, (1, 9, 9))
    assert [square(r) for r in rows] == [(3, 2, 0.5), (7, 2, 2.5)]


@pytest.mark.parametrize(
    ("layer", "field", "jump"),
    [
        ("features.0", 5, 1),  # C1: one 5x5 kernel
        ("features.2", 6, 2),  # S2: 5 + (2-1)*1
        ("features.3", 14, 2),  # C3: 6 + (5-1)*2
        ("features.5", 16, 4),  # S4: 14 + (2-1)*2
        ("features.6", 32, 4),  # C5: 16 + (5-1)*4, the whole 32x32 input
    ],
)
def test_lenet5_fields_match_the_hand_computed_ones(layer, field, jump):
    rows = by_name("lenet5", (1, 32, 32))
    assert square(rows[layer]) == (field, jump, field / 2)  # no padding: from pixel 0


def test_padding_and_ceil_mode_pooling_are_counted():
    # AlexNet: conv 11/4 pad 2 -> 11, jump 4, from -2; pool 3/2 -> 19, jump 8;
    # conv 5 pad 2 -> 51 from -18: centre -18 + 51/2
    assert square(by_name("alexnet")["features.3"]) == (51, 8, 7.5)
    # ZFNet: conv 7/2 pad 1 -> 7, jump 2, from -1; pool 3/2 (ceil) -> 11, jump 4;
    # conv 5/2 -> 27, jump 8, from -1: centre -1 + 27/2
    assert square(by_name("zfnet")["features.5"]) == (27, 8, 12.5)


def test_vgg16_and_alexnet_final_pooling_fields():
    vgg, alexnet = by_name("vgg16"), by_name("alexnet")
    assert square(vgg["features.30"]) == (212, 32, 16)  # pool5
    assert square(vgg["features.28"])[0] == 196  # conv5_3
    assert square(alexnet["features.12"]) == (195, 32, 31.5)
    field, jump, start = square(vgg["classifier.0"])  # every position merged
    assert (field, jump, start) == (212 + 6 * 32, None, 112)


def test_branches_take_the_union_of_their_fields():
    rows = by_name("resnet18")
    # layer1.0: two 3x3 convolutions on the main path, identity shortcut: 11 + 2*8 = 27
    assert square(rows["maxpool"])[0] == 11
    assert square(rows["layer1.0"]) == (27, 4, 0.5)
    assert square(rows["layer1.0.conv2"]) == square(rows["layer1.0"])
    inception = by_name("googlenet")
    # the 5x5 branch is the widest: 27 + 4*8 = 59
    assert square(inception["inception3a"])[0] == 59


def test_union_of_misaligned_fields_spans_both():
    merged = Axis.through(Axis(1, 1, 0.5), 3, 1, 0)
    assert merged == Axis(3, 1, 1.5)
    assert union([Axis(3, 1, 1.5), Axis(1, 1, 0.5)]) == Axis(3, 1, 1.5)
    assert union([Axis(3, 1, 1.5), Axis(3, 1, 3.5)]) == Axis(5, 1, 2.5)


def test_wrong_input_shape_is_refused():
    with pytest.raises(ModelError, match=r"\(C, H, W\) input shape, got \(32, 32\)"):
        receptive_field(nn.Conv2d(1, 1, 3), (32, 32))


def test_receptive_command_prints_field_jump_and_start():
    result = run_cli_here("receptive", "vgg16")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if "MaxPool2d-31" in ln)
    assert [cell.strip() for cell in line.split("│")[4:7]] == ["212", "32", "16"]


def test_receptive_command_unknown_name_exits_2():
    result = run_cli_here("receptive", "vgg61")
    assert result.returncode == 2 and "vgg16" in result.stderr and "Traceback" not in result.stderr
