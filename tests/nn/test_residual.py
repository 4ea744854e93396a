import pytest
import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.nn.residual import (
    BasicBlock,
    Bottleneck,
    PreActBasicBlock,
    ZeroPadShortcut,
    projection_shortcut,
)
from cnnlab.nn.stochastic_depth import StochasticDepth


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_basic_block_shapes_and_parameters():
    block = BasicBlock(64, 64)
    assert block(torch.randn(2, 64, 14, 14)).shape == (2, 64, 14, 14)
    assert count(block) == 2 * (64 * 64 * 9 + 2 * 64) == 73_984
    down = BasicBlock(64, 128, stride=2, downsample=projection_shortcut(64, 128, 2))
    assert down(torch.randn(2, 64, 14, 14)).shape == (2, 128, 7, 7)
    assert count(down) == 64 * 128 * 9 + 256 + 128 * 128 * 9 + 256 + 64 * 128 + 256 == 230_144


def test_bottleneck_widths_for_resnet_resnext_and_wide_resnet():
    # (groups, width_per_group) -> inner width for channels=64 (ResNet-50 stage 1)
    for groups, width_per_group, inner in [(1, 64, 64), (32, 4, 128), (1, 128, 128)]:
        block = Bottleneck(256, 64, groups=groups, width_per_group=width_per_group)
        assert block.conv2.weight.shape == (inner, inner // groups, 3, 3)
        assert block(torch.randn(1, 256, 8, 8)).shape == (1, 256, 8, 8)
    # ResNet-50's first block, as in the lectures' layer table: 4,096 + 36,864 + 16,384
    # convolution weights, 128 + 128 + 512 batch norm, 16,384 + 512 in the shortcut
    first = Bottleneck(64, 64, downsample=projection_shortcut(64, 256, 1))
    assert count(first) == 4_096 + 128 + 36_864 + 128 + 16_384 + 512 + 16_384 + 512


def test_bottleneck_puts_the_stride_on_the_3x3_convolution():
    block = Bottleneck(256, 128, stride=2, downsample=projection_shortcut(256, 512, 2))
    assert block.conv1.stride == (1, 1) and block.conv2.stride == (2, 2)
    assert block(torch.randn(1, 256, 8, 8)).shape == (1, 512, 4, 4)


def test_a_block_with_a_zero_branch_is_the_identity_and_its_plain_twin_is_zero():
    x = torch.rand(2, 16, 6, 6)  # non-negative, so the final ReLU keeps it
    residual, plain = BasicBlock(16, 16), BasicBlock(16, 16, residual=False)
    for block in (residual, plain):
        nn.init.zeros_(block.bn2.weight)
        block.eval()
    assert torch.equal(residual(x), x)
    assert torch.equal(plain(x), torch.zeros_like(x))


def test_zero_pad_shortcut_subsamples_and_pads_channels_with_zeros():
    x = torch.arange(2 * 4 * 4 * 4, dtype=torch.float32).view(2, 4, 4, 4)
    y = ZeroPadShortcut(4, 8, stride=2)(x)
    assert y.shape == (2, 8, 2, 2)
    assert torch.equal(y[:, :4], x[:, :, ::2, ::2])
    assert torch.equal(y[:, 4:], torch.zeros(2, 4, 2, 2))
    assert count(ZeroPadShortcut(4, 8, 2)) == 0
    with pytest.raises(ModelError, match="cannot reduce channels: 8 -> 4"):
        ZeroPadShortcut(8, 4, 2)


def test_options_add_squeeze_excitation_and_stochastic_depth():
    block = Bottleneck(256, 64, se_reduction=16, survival_prob=0.5)
    assert isinstance(block.stochastic_depth, StochasticDepth)
    assert count(block) == count(Bottleneck(256, 64)) + 2 * 256 * 16 + 16 + 256
    x = torch.randn(1, 256, 4, 4)
    block.eval()
    assert block(x).shape == x.shape
    with pytest.raises(ModelError, match="plain block"):
        BasicBlock(16, 32, 2, projection_shortcut(16, 32, 2), residual=False)
    with pytest.raises(ModelError, match="stochastic depth \\(got survival_prob=0.5\\)"):
        BasicBlock(16, 16, residual=False, survival_prob=0.5)


def test_a_dropped_block_is_the_shortcut_and_its_branch_is_not_computed():
    torch.manual_seed(0)
    block = BasicBlock(8, 8, survival_prob=0.5).train()
    calls = []
    block.conv1.register_forward_hook(lambda *_: calls.append(1))
    x = torch.rand(2, 8, 4, 4)
    dropped = sum(torch.equal(block(x), x) for _ in range(400))  # ReLU(x) = x for x >= 0
    assert dropped + len(calls) == 400  # the branch ran exactly on the kept passes
    assert dropped == pytest.approx(200, abs=40)  # binomial(400, 0.5): sd 10
    block.eval()
    with torch.no_grad():
        expected = torch.relu(0.5 * block.branch(x) + x)  # test time: p * F(x) + x
    assert torch.allclose(block(x), expected)


def test_preactivation_block_projects_the_activated_input_when_the_shape_changes():
    block = PreActBasicBlock(16, 32, stride=2, dropout=0.3).eval()
    x = torch.randn(1, 16, 8, 8)
    assert block(x).shape == (1, 32, 4, 4)
    with torch.no_grad():
        nn.init.zeros_(block.conv2.weight)
        expected = block.shortcut(torch.relu(block.bn1(x)))
    assert torch.allclose(block(x), expected)
    same = PreActBasicBlock(32, 32).eval()
    assert same.shortcut is None
    assert count(same) == 2 * (32 * 32 * 9 + 64)
