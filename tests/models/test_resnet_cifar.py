"""The CIFAR-10 ResNets of He et al. (section 4.2), their plain twins and stochastic depth."""

import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.nn.residual import ZeroPadShortcut
from cnnlab.nn.stochastic_depth import StochasticDepth
from conftest import run_cli_here


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def by_hand(n: int) -> int:
    """Option A / plain parameter count for depth 6n + 2, layer by layer."""
    stem = 3 * 16 * 9 + 2 * 16
    stage1 = n * 2 * (16 * 16 * 9 + 2 * 16)
    stage2 = (16 * 32 * 9 + 64) + (32 * 32 * 9 + 64) + (n - 1) * 2 * (32 * 32 * 9 + 64)
    stage3 = (32 * 64 * 9 + 128) + (64 * 64 * 9 + 128) + (n - 1) * 2 * (64 * 64 * 9 + 128)
    return stem + stage1 + stage2 + stage3 + 64 * 10 + 10


@pytest.mark.parametrize(
    ("depth", "params", "paper"),
    [(20, 269_722, 0.27), (32, 464_154, 0.46), (44, 658_586, 0.66), (56, 853_018, 0.85),
     (110, 1_727_962, 1.7)],
)  # fmt: skip
def test_resnets_and_plain_twins_have_the_papers_parameter_counts(depth, params, paper):
    n = (depth - 2) // 6
    assert by_hand(n) == 97_216 * n - 21_926 == params
    assert round(params / 1e6, 2 if depth < 110 else 1) == paper  # the paper's table 6
    for prefix in ("resnet", "plain"):
        assert count(models.create(f"{prefix}{depth}")) == params
        assert models.get_model_info(f"{prefix}{depth}").num_params == params


def test_option_b_projection_shortcuts_add_2752_parameters():
    model = models.create("resnet20", shortcut="B")
    assert count(model) == 269_722 + (16 * 32 + 64) + (32 * 64 + 128) == 272_474


def test_shapes_through_the_three_stages():
    model = models.create("resnet20").eval()
    x = torch.randn(2, 3, 32, 32)
    x = model.relu(model.bn1(model.conv1(x)))
    shapes = []
    for stage in (model.layer1, model.layer2, model.layer3):
        x = stage(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]
    assert model.forward_head(x).shape == (2, 10)


def test_resnet_uses_zero_padding_shortcuts_and_plain_has_none():
    resnet, plain = models.create("resnet56"), models.create("plain56")
    pads = [m for m in resnet.modules() if isinstance(m, ZeroPadShortcut)]
    assert len(pads) == 2  # entering stage 2 and stage 3
    assert all(b.residual for b in resnet.layer1) and not any(b.residual for b in plain.layer1)
    assert all(b.downsample is None for b in [*plain.layer1, *plain.layer2, *plain.layer3])
    assert [k for k in resnet.state_dict()] == [k for k in plain.state_dict()]


def test_the_same_weights_give_different_functions_with_and_without_shortcuts():
    torch.manual_seed(0)
    resnet, plain = models.create("resnet20").eval(), models.create("plain20").eval()
    plain.load_state_dict(resnet.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(resnet(x), plain(x))


def test_resnet110_with_stochastic_depth_follows_huang_et_al():
    model = models.create("resnet110_stochastic_depth")
    probs = [m.survival_prob for m in model.modules() if isinstance(m, StochasticDepth)]
    assert len(probs) == 54
    assert probs[-1] == pytest.approx(0.5) and probs[0] == pytest.approx(1 - 0.5 / 54)
    info = models.get_model_info("resnet110_stochastic_depth")
    assert info.year == 2016 and "Stochastic Depth" in info.paper
    assert count(model) == 1_727_962
    x = torch.randn(2, 3, 32, 32)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))  # the full network, deterministic at test time
        model.train()
        torch.manual_seed(0)
        first = model(x)
        assert not torch.equal(first, model(x))  # a different short network each pass


def test_stochastic_depth_network_trains_whether_blocks_drop_or_not():
    torch.manual_seed(0)
    model = models.create("resnet20", survival_prob_last=0.2).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 3])
    for _ in range(6):  # with p_L = 0.2 some blocks drop on every pass
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        assert model.conv1.weight.grad is not None
        opt.step()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 21}, "depth 6n \\+ 2 \\(20, 32, 44, ...\\), got 21"),
        ({"shortcut": "C"}, "shortcut must be one of \\('A', 'B', 'none'\\), got 'C'"),
        ({"survival_prob_last": 0.0}, "survival probability must be in \\(0, 1\\], got 0.0"),
    ],
)
def test_bad_options_say_what_was_given(kwargs, message):
    with pytest.raises(ModelError, match=message):
        models.create("resnet20", **kwargs)


def test_cli_lists_each_resnet_beside_its_plain_twin():
    result = run_cli_here("models", "--family", "resnet_cifar")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "resnet_cifar" in line]
    names = [row.split("│")[1].strip() for row in rows]
    assert names[:2] == ["resnet20", "plain20"] and "resnet110_stochastic_depth" in names
    assert all("269,722" in row for row in rows[:2])
    assert "Stochastic Depth" in rows[-1] and "1,727,962" in rows[-1]
