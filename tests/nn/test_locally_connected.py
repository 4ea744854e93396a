import pytest
import torch

from cnnlab.errors import ModelError
from cnnlab.nn import LocallyConnected2d


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_counts_of_the_lecture():
    # 32x32 input, 3x3 receptive fields, one output map: 30^2 x (3^2 + 1)
    assert count(LocallyConnected2d(1, 1, (32, 32), 3)) == 9_000
    # three input channels: 30^2 x (3 x 3^2 + 1)
    assert count(LocallyConnected2d(3, 1, (32, 32), 3)) == 25_200


def per_position_loop(layer: LocallyConnected2d, x: torch.Tensor) -> torch.Tensor:
    k, s, p = layer.kernel_size, layer.stride, layer.padding
    x = torch.nn.functional.pad(x, [p] * 4)
    out_h, out_w = layer.output_size
    out = torch.zeros(x.shape[0], layer.out_channels, out_h, out_w, dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, :, i * s : i * s + k, j * s : j * s + k].reshape(x.shape[0], -1)
            weight = layer.weight[i * out_w + j]  # (out, in * k * k)
            out[:, :, i, j] = patch @ weight.T + layer.bias[:, i, j]
    return out


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1)])
def test_equals_a_loop_over_positions(stride, padding):
    torch.manual_seed(0)
    layer = LocallyConnected2d(2, 3, (5, 6), 3, stride=stride, padding=padding).double()
    x = torch.randn(2, 2, 5, 6, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), per_position_loop(layer, x))


def test_weights_are_not_shared():
    layer = LocallyConnected2d(1, 1, (4, 4), 3, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0].fill_(1.0)  # only the top-left position sees anything
        out = layer(torch.ones(1, 1, 4, 4))
    assert out[0, 0].tolist() == [[9.0, 0.0], [0.0, 0.0]]


def test_wrong_input_size_says_what_it_expected():
    layer = LocallyConnected2d(3, 1, (32, 32), 3)
    with pytest.raises(ModelError, match=r"expects input \(N, 3, 32, 32\), got \(1, 3, 28, 28\)"):
        layer(torch.zeros(1, 3, 28, 28))


def test_field_larger_than_input_is_an_error():
    with pytest.raises(ModelError, match="5x5 field does not fit an input of 3x3"):
        LocallyConnected2d(1, 1, (3, 3), 5)
