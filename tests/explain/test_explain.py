"""The lectures' worked examples, recomputed by ``cnnlab.explain`` and asserted exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.explain import (
    explain_backprop,
    explain_conv,
    explain_fc_to_conv,
    explain_inception,
    explain_locally_connected,
    explain_pool,
    explain_receptive,
    explain_tf_padding,
    explain_toeplitz,
    parse_matrix,
)
from cnnlab.explain.inception import Branches


def test_conv_32x32x3_with_ten_5x5_filters_has_760_parameters():
    step = explain_conv((32, 32, 3), filters=10, size=5, stride=1, pad=0)
    assert step.values["params"] == 760 == sum(p.numel() for p in nn.Conv2d(3, 10, 5).parameters())
    assert step.values["output"] == [28, 28, 10]
    assert step.values["macs"] == 28 * 28 * 10 * 75 and step.values["activations"] == 7_840
    assert "(32 - 5 + 2*0)/1 + 1 = 28" in step.text()


def test_pad_2_keeps_the_size_as_the_lecture_says():
    assert explain_conv((32, 32, 3), 10, 5, pad=2).values["output"] == [32, 32, 10]


@pytest.mark.parametrize(("stride", "size"), [(1, 5), (2, 3)])
def test_7x7_input_3x3_filter_at_strides_1_and_2(stride, size):
    assert explain_conv((7, 7, 1), 1, 3, stride=stride).values["output"] == [size, size, 1]


def test_stride_3_on_7x7_does_not_fit_and_the_paddings_that_fit_are_suggested():
    step = explain_conv((7, 7, 1), 1, 3, stride=3)
    assert step.values["fits"] is False and step.values["paddings_that_fit"] == [1, 4, 7]
    assert "output" not in step.values
    assert "(7 - 3 + 2*0)/3 + 1 = 2.33333" in step.text() and "does not fit" in step.text()
    for pad in step.values["paddings_that_fit"]:
        out = nn.Conv2d(1, 1, 3, stride=3, padding=pad)(torch.zeros(1, 1, 7, 7)).shape[-1]
        assert out == (7 - 3 + 2 * pad) // 3 + 1 and (7 - 3 + 2 * pad) % 3 == 0


def test_pooling_224x224x64_by_2_gives_112x112x64_and_no_parameters():
    step = explain_pool((224, 224, 64), 2)
    assert step.values["output"] == [112, 112, 64] and step.values["params"] == 0


def test_toeplitz_default_is_the_lectures_4x4_example():
    step = explain_toeplitz()
    assert step.values["result"] == [[122, 148], [126, 134]]
    assert step.values["product"] == [122, 148, 126, 134]
    assert step.values["matrix"][0] == [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
    assert step.values["matrix"][3] == [0, 0, 0, 0, 0, 1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1]
    assert step.values["flattened"] == [4, 5, 8, 7, 1, 8, 8, 8, 3, 6, 6, 4, 6, 5, 7, 8]
    assert step.values["torch_agrees"] is True


def test_toeplitz_of_the_users_own_matrices_matches_conv2d():
    x = parse_matrix("1,2,3;4,5,6;7,8,9;1,0,1;2,2,2", "--input")
    u = parse_matrix("1,-1;0.5,2", "--kernel")
    step = explain_toeplitz(x, u)
    expected = torch.nn.functional.conv2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(u)[None, None]
    )
    assert np.allclose(step.values["result"], expected[0, 0].numpy())
    assert np.array(step.values["matrix"]).shape == (4 * 2, 5 * 3)


def test_three_3x3_convolutions_see_7x7_with_27c2_against_49c2_weights():
    step = explain_receptive([3, 3, 3])
    assert step.values["field"] == 7 and step.values["fields"] == [3, 5, 7]
    assert step.values["stack_weights_per_c2"] == 27 and step.values["single_weights_per_c2"] == 49
    assert explain_receptive([3, 3]).values["field"] == 5  # two 3x3 see 5x5
    with_c = explain_receptive([3, 3, 3], channels=64).values
    assert with_c["stack_weights"] == 3 * sum(
        p.numel() for p in nn.Conv2d(64, 64, 3, bias=False).parameters()
    )


def test_strides_grow_the_field_by_the_jump():
    assert explain_receptive([3, 3, 3], [2, 1, 1]).values["fields"] == [3, 7, 11]


def test_vggs_fc6_is_a_7x7_convolution_with_the_same_parameter_count():
    step = explain_fc_to_conv((7, 7, 512), 4096, larger=(12, 12))
    assert step.values["weights"] == 102_760_448  # the lecture's 7*7*512*4096
    assert step.values["fc_params"] == step.values["conv_params"] == 102_760_448 + 4096
    assert step.values["larger_output"] == [6, 6, 4096]


@pytest.mark.parametrize(
    ("shape", "filters", "local", "shared"),
    [((32, 32, 1), 1, 9_000, 10), ((32, 32, 3), 1, 25_200, 28), ((32, 32, 3), 4, 100_800, 112)],
)
def test_locally_connected_against_shared_weights(shape, filters, local, shared):
    step = explain_locally_connected(shape, 3, filters)
    assert step.values["locally_connected_params"] == local
    assert step.values["conv_params"] == shared


def test_fully_connected_32x32_to_32x32_is_about_a_million():
    # the lectures' 32^2 x (32^2 + 1): a 32x32 output needs a "field" as large as the input
    assert explain_locally_connected((32, 32, 1), 32).values["fully_connected_params"] == 1025
    assert explain_locally_connected((32, 32, 1), 1).values["fully_connected_params"] == (
        32**2 * (32**2 + 1)
    )


def test_tf_padding_width_13_filter_6_stride_5():
    step = explain_tf_padding(13, 6, 5)
    assert step.values["valid"] == 2 and step.values["valid_dropped"] == [12, 13]
    assert step.values["same"] == 3 and step.values["same_padding"] == [1, 2]


def test_inception_naive_854m_against_the_papers_3b_reductions_304m():
    step = explain_inception()
    assert step.values["naive_ops"] == 854_196_224 and step.values["naive_depth"] == 672
    assert round(step.values["reduced_ops"] / 1e6) == 304  # GoogLeNet's table, inception (3b)
    assert step.values["reduced_depth"] == 480
    sixty_four = explain_inception(reduced=Branches(reduce3=64, reduce5=64, pool_proj=64))
    assert sixty_four.values["reduced_ops"] == 28 * 28 * (
        3 * 64 * 256 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64
    )


def test_backprop_delta_rule_agrees_with_autograd():
    step = explain_backprop([1.0, 0.5], [0.3, -0.2], b=0.1, t=1.0, lr=0.5)
    y = 1 / (1 + np.exp(-0.3))
    delta = y * (1 - y) * (y - 1)
    assert step.values["delta"] == pytest.approx(delta, rel=1e-15)
    assert step.values["new_w"] == pytest.approx(
        [0.3 - 0.5 * delta, -0.2 - 0.25 * delta], rel=1e-15
    )
    assert step.values["autograd_agrees"] is True


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: explain_conv((7, 7, 1), 0, 3), "--filters must be a positive integer, found 0"),
        (lambda: explain_conv((7, 7, 1), 1, 3, pad=-1), "--pad must be an integer >= 0"),
        (lambda: explain_receptive([3, 3], [1]), "--strides must give one positive stride"),
        (lambda: explain_backprop([1.0], [1.0, 2.0]), "one weight per input, found 1 and 2"),
        (lambda: explain_backprop([float("nan")], [1.0]), "must be finite numbers"),
        (lambda: parse_matrix("1,2;x,4", "--kernel"), "--kernel must be rows of numbers"),
        (lambda: explain_toeplitz(np.ones((2, 2)), np.ones((3, 3))), "must fit inside --input"),
        (lambda: explain_locally_connected((8, 8, 1), 9), "--size must be in [1, 8]"),
    ],
)
def test_bad_numbers_are_refused_in_one_line(call, message):
    with pytest.raises(ConfigError) as caught:
        call()
    assert message in str(caught.value) and "\n" not in str(caught.value)


GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("derivation", "file"),
    [
        (explain_toeplitz, "toeplitz.txt"),
        (lambda: explain_conv((32, 32, 3), 10, 5), "conv_32x32x3.txt"),
        (explain_inception, "inception.txt"),
    ],
)
def test_printed_derivation_matches_its_golden_file(derivation, file):
    assert derivation().text() == (GOLDEN / file).read_text()
