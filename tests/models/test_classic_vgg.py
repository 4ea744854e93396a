import pytest
import torch

from cnnlab import models
from cnnlab.nn import LocalResponseNorm

# name, weight layers, the paper's Table 2 (millions of parameters)
ROWS = [("vgg11", 11, 133), ("vgg11_lrn", 11, 133), ("vgg13", 13, 133),
        ("vgg16_c", 16, 134), ("vgg16", 16, 138), ("vgg19", 19, 144)]  # fmt: skip


def weight_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    return [m for m in model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]


@pytest.mark.parametrize(("name", "depth", "millions"), ROWS)
def test_depth_and_parameter_count_are_the_papers(name, depth, millions):
    with torch.device("meta"):
        model = models.create(name)
    assert len(weight_layers(model)) == depth
    assert round(sum(p.numel() for p in model.parameters()) / 1e6) == millions


def test_config_c_has_1x1_convolutions_closing_blocks_3_to_5():
    with torch.device("meta"):
        model = models.create("vgg16_c")
    kernels = [m.kernel_size[0] for m in model.features if isinstance(m, torch.nn.Conv2d)]
    assert kernels == [3] * 6 + [1] + [3, 3, 1] + [3, 3, 1]
    assert models.get_model_info("vgg16_c").num_params == 133_638_952


def test_a_lrn_normalises_after_the_first_layer_only():
    with torch.device("meta"):
        model = models.create("vgg11_lrn")
    kinds = [type(m).__name__ for m in model.features[:4]]
    assert kinds == ["Conv2d", "ReLU", "LocalResponseNorm", "MaxPool2d"]
    assert sum(isinstance(m, LocalResponseNorm) for m in model.modules()) == 1


def test_batch_norm_follows_every_convolution():
    with torch.device("meta"):
        model = models.create("vgg16_bn")
    layers = list(model.features)
    for i, layer in enumerate(layers):
        if isinstance(layer, torch.nn.Conv2d):
            assert isinstance(layers[i + 1], torch.nn.BatchNorm2d)
