import pytest
import torch

from cnnlab.errors import ModelError
from cnnlab.nn.squeeze_excitation import SqueezeExcitation


def test_parameters_are_two_fully_connected_layers_with_bias():
    se = SqueezeExcitation(256, reduction=16)
    assert sum(p.numel() for p in se.parameters()) == 256 * 16 + 16 + 16 * 256 + 256 == 8_464
    assert se.fc1.weight.shape == (16, 256, 1, 1) and se.fc2.weight.shape == (256, 16, 1, 1)


def test_output_is_the_input_scaled_per_channel_by_a_gate_in_0_1():
    torch.manual_seed(0)
    se = SqueezeExcitation(32, reduction=4)
    x = torch.randn(3, 32, 5, 5)
    y = se(x)
    assert y.shape == x.shape
    gate = y / x  # one value per (sample, channel), the same at every position
    assert torch.allclose(gate, gate[:, :, :1, :1].expand_as(gate), atol=1e-5)
    assert gate.min() > 0 and gate.max() < 1


def test_gate_is_computed_from_the_channel_means():
    se = SqueezeExcitation(4, reduction=2)
    with torch.no_grad():
        se.fc1.weight.copy_(torch.eye(2, 4).view(2, 4, 1, 1))  # hidden = means of channels 0, 1
        se.fc1.bias.zero_()
        se.fc2.weight.zero_()
        se.fc2.weight[0, 0] = 1.0  # gate of channel 0 = sigmoid(mean of channel 0)
        se.fc2.bias.zero_()
    x = torch.full((1, 4, 2, 2), 2.0)
    y = se(x)
    assert torch.allclose(y[0, 0], torch.full((2, 2), 2.0 * torch.sigmoid(torch.tensor(2.0))))
    assert torch.allclose(y[0, 1:], torch.full((3, 2, 2), 1.0))  # sigmoid(0) = 0.5, times 2


def test_channels_must_divide_by_the_reduction():
    with pytest.raises(ModelError, match="channels=30, reduction=16"):
        SqueezeExcitation(30, reduction=16)
