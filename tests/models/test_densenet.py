"""DenseNets (Huang et al., 2017): channel bookkeeping, parameter counts, options."""

import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.nn.dense import DenseBlock, Transition


def channels_after_blocks(k: int, blocks: tuple[int, ...], c0: int) -> list[int]:
    """Each block adds layers * k channels; each transition halves them."""
    out, c = [], c0
    for i, layers in enumerate(blocks):
        c += layers * k
        out.append(c)
        if i < len(blocks) - 1:
            c //= 2
    return out


@pytest.mark.parametrize(
    ("name", "k", "blocks", "c0", "params"),
    [
        ("densenet121", 32, (6, 12, 24, 16), 64, 7_978_856),
        ("densenet161", 48, (6, 12, 36, 24), 96, 28_681_000),
        ("densenet169", 32, (6, 12, 32, 32), 64, 14_149_480),
        ("densenet201", 32, (6, 12, 48, 32), 64, 20_013_928),
    ],
)
def test_block_widths_and_parameter_counts(name, k, blocks, c0, params):
    with torch.device("meta"):
        model = models.create(name)
    widths = [m.out_channels for m in model.modules() if isinstance(m, DenseBlock)]
    assert widths == channels_after_blocks(k, blocks, c0)
    assert sum(p.numel() for p in model.parameters()) == params
    assert model.classifier.in_features == widths[-1]


def test_densenet121_shapes_block_by_block():
    with torch.device("meta"):
        model = models.create("densenet121")
        x = torch.empty(1, 3, 224, 224)
        shapes = []
        for name, module in model.features.named_children():
            x = module(x)
            if isinstance(module, DenseBlock | Transition):
                shapes.append((name, tuple(x.shape[1:])))
    assert shapes == [
        ("denseblock1", (256, 56, 56)),
        ("transition1", (128, 28, 28)),
        ("denseblock2", (512, 28, 28)),
        ("transition2", (256, 14, 14)),
        ("denseblock3", (1024, 14, 14)),
        ("transition3", (512, 7, 7)),
        ("denseblock4", (1024, 7, 7)),
    ]


def test_small_densenet_trains_a_step_with_every_option():
    torch.manual_seed(0)
    model = models.create(
        "densenet121",
        growth_rate=8,
        block_config=(2, 2),
        num_init_features=16,
        drop_rate=0.2,
        memory_efficient=True,
        num_classes=3,
        in_channels=1,
    )
    x, y = torch.randn(4, 1, 32, 32), torch.tensor([0, 1, 2, 0])
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    with torch.no_grad():
        features = model.forward_features(x)
    # 16 stem channels + 2 * 8 = 32, halved to 16, + 2 * 8 = 32; 32 -> 16 -> 8 -> 4 pixels
    assert features.shape == (4, 32, 4, 4)
    assert torch.equal(model(x), model.forward_head(features))


def test_empty_block_configuration_is_refused():
    with pytest.raises(ModelError, match="at least one layer, got \\(6, 0\\)"):
        models.create("densenet121", block_config=(6, 0))
