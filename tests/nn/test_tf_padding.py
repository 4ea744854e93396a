import pytest
import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.nn import TFAvgPool2d, TFConv2d, TFMaxPool2d, same_padding, tf_output_size


def row_sums(padding: str) -> list[float]:
    """Width 13, filter 6, stride 5 (the lecture's TF padding example) on the inputs 1..13 with an
    all-ones filter."""
    conv = TFConv2d(1, 1, (1, 6), stride=(1, 5), padding=padding, bias=False)
    nn.init.ones_(conv.weight)
    x = torch.arange(1.0, 14.0).reshape(1, 1, 1, 13)
    with torch.no_grad():
        return conv(x).flatten().tolist()


def test_lecture_example_valid_drops_the_last_columns():
    assert tf_output_size(13, 6, 5, "VALID") == 2
    assert row_sums("VALID") == [1 + 2 + 3 + 4 + 5 + 6, 6 + 7 + 8 + 9 + 10 + 11]  # 12, 13 dropped


def test_lecture_example_same_pads_one_left_two_right():
    assert same_padding(13, 6, 5) == (1, 2)
    assert tf_output_size(13, 6, 5, "SAME") == 3
    assert row_sums("same") == [15.0, 5 + 6 + 7 + 8 + 9 + 10, 10 + 11 + 12 + 13]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [
        (4, 3, 2, (0, 1)),
        (5, 2, 1, (0, 1)),
        (5, 3, 1, (1, 1)),
        (7, 1, 3, (0, 0)),
        (224, 7, 2, (2, 3)),
    ],  # fmt: skip
)
def test_same_padding_by_hand(size, kernel, stride, expected):
    assert same_padding(size, kernel, stride) == expected


def test_same_with_even_padding_equals_torch_symmetric_padding():
    torch.manual_seed(0)
    tf_conv = TFConv2d(3, 4, 3, stride=2, padding="SAME")
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
    conv.load_state_dict(tf_conv.state_dict())
    x = torch.randn(2, 3, 9, 9)  # (9 - 1) // 2 * 2 + 3 - 9 = 2: one each side
    torch.testing.assert_close(tf_conv(x), conv(x))


def test_odd_padding_goes_right_and_bottom():
    tf_conv = TFConv2d(1, 1, 2, stride=1, padding="SAME", bias=False)
    nn.init.ones_(tf_conv.weight)
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    with torch.no_grad():
        out = tf_conv(x)[0, 0]
    assert out.tolist() == [[8.0, 12.0, 7.0], [20.0, 24.0, 13.0], [13.0, 15.0, 8.0]]


def test_same_max_pool_never_picks_the_padding():
    x = -torch.ones(1, 2, 3, 3)
    out = TFMaxPool2d(2, 2, padding="SAME")(x)
    assert out.shape == (1, 2, 2, 2) and (out == -1).all()


def test_same_avg_pool_averages_real_inputs_only():
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    out = TFAvgPool2d(2, 2, padding="SAME")(x)[0, 0]
    assert out.tolist() == [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8.0]]


def test_valid_pool_drops_what_does_not_fit():
    x = torch.arange(25.0).reshape(1, 1, 5, 5)
    assert TFMaxPool2d(2, 2, padding="VALID")(x)[0, 0].tolist() == [[6.0, 8.0], [16.0, 18.0]]


def test_unknown_padding_mode_is_named():
    with pytest.raises(ModelError, match="'SAME' or 'VALID', got 'FULL'"):
        TFConv2d(1, 1, 3, padding="FULL")


def test_valid_window_larger_than_input_is_an_error():
    with pytest.raises(ModelError, match="input size 4 is smaller than the window 6"):
        tf_output_size(4, 6, 1, "VALID")
