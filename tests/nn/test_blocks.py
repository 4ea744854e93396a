import torch

from cnnlab.nn import Fire, Inception, InceptionAux


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_inception_3a_output_and_weights():
    block = Inception(192, 64, 96, 128, 16, 32, 32).eval()
    assert block(torch.zeros(1, 192, 28, 28)).shape == (1, 256, 28, 28)
    weights = 192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32
    biases = 64 + 96 + 128 + 16 + 32 + 32
    assert count(block) == weights + biases == 163_328 + 368
    assert block.branch3[1].conv.kernel_size == (5, 5)


def test_inception_torchvision_variant_has_batch_norm_and_a_3x3_third_branch():
    block = Inception(192, 64, 96, 128, 16, 32, 32, branch3_kernel=3, batch_norm=True)
    assert block.branch3[1].conv.kernel_size == (3, 3)
    assert block.branch1.conv.bias is None and block.branch1.bn.eps == 0.001


def test_inception_branches_are_concatenated_in_order():
    block = Inception(4, 1, 1, 2, 1, 3, 4).eval()
    x = torch.randn(1, 4, 5, 5)
    with torch.no_grad():
        out = block(x)
        torch.testing.assert_close(out[:, :1], block.branch1(x))
        torch.testing.assert_close(out[:, 6:], block.branch4(x))


def test_aux_classifier_shape():
    aux = InceptionAux(512, 10).eval()
    assert aux(torch.zeros(2, 512, 14, 14)).shape == (2, 10)


def test_fire_module_channels_and_parameters():
    fire = Fire(96, 16, 64, 64)
    assert fire(torch.zeros(1, 96, 55, 55)).shape == (1, 128, 55, 55)
    assert count(fire) == (96 * 16 + 16) + (16 * 64 + 64) + (16 * 64 * 9 + 64)
