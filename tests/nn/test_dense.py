import torch

from cnnlab.nn.dense import DenseBlock, DenseLayer, Transition


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_dense_layer_sees_everything_before_it_and_adds_k_channels():
    layer = DenseLayer(64 + 2 * 32, growth_rate=32, bn_size=4)
    features = [torch.randn(1, 64, 8, 8), torch.randn(1, 32, 8, 8), torch.randn(1, 32, 8, 8)]
    assert layer(features).shape == (1, 32, 8, 8)
    # BN(128) + 1x1 conv 128 -> 128 + BN(128) + 3x3 conv 128 -> 32
    assert count(layer) == 256 + 128 * 128 + 256 + 128 * 32 * 9 == 53_760


def test_dense_block_concatenates_input_and_every_layer():
    block = DenseBlock(num_layers=6, in_channels=64, growth_rate=32)
    assert block.out_channels == 64 + 6 * 32 == 256
    x = torch.randn(2, 64, 8, 8)
    y = block(x)
    assert y.shape == (2, 256, 8, 8)
    assert torch.equal(y[:, :64], x)  # the input passes through unchanged
    names = [name for name, _ in block.named_children()]
    assert names == [f"denselayer{i}" for i in range(1, 7)]
    assert [m.conv1.in_channels for m in block.values()] == [64, 96, 128, 160, 192, 224]


def test_transition_halves_channels_and_resolution():
    transition = Transition(256, 128)
    assert transition(torch.randn(1, 256, 8, 8)).shape == (1, 128, 4, 4)
    assert count(transition) == 2 * 256 + 256 * 128


def test_memory_efficient_layer_gives_the_same_values_and_gradients():
    torch.manual_seed(0)
    plain = DenseLayer(16, growth_rate=8)
    saving = DenseLayer(16, growth_rate=8, memory_efficient=True)
    saving.load_state_dict(plain.state_dict())
    grads = []
    for layer in (plain, saving):
        x = torch.randn(2, 16, 5, 5, generator=torch.Generator().manual_seed(1))
        x.requires_grad_(True)
        layer([x]).square().sum().backward()
        grads.append((x.grad, layer.conv1.weight.grad))
    torch.testing.assert_close(grads[0], grads[1])


def test_drop_rate_applies_only_in_training():
    layer = DenseLayer(8, growth_rate=8, drop_rate=0.5)
    x = [torch.randn(1, 8, 4, 4)]
    layer.eval()
    assert torch.equal(layer(x), layer(x))
    layer.train()
    assert (layer(x) == 0).float().mean() > 0.2
