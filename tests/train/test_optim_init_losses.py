import pytest
import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig, fit
from cnnlab.train.ema import EMA
from cnnlab.train.init import init_weights, set_dropout
from cnnlab.train.losses import build_loss, multiclass_hinge
from cnnlab.train.optim import build_optimizer, l1_penalty, split_decay


def small_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Dropout(0.2),
        nn.Linear(4 * 6 * 6, 8), nn.ReLU(), nn.Linear(8, 3),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cls", "extra"),
    [
        ("sgd", torch.optim.SGD, {"momentum": 0.0, "nesterov": False}),
        ("momentum", torch.optim.SGD, {"momentum": 0.9, "nesterov": False}),
        ("nesterov", torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
        ("adagrad", torch.optim.Adagrad, {}),
        ("rmsprop", torch.optim.RMSprop, {"alpha": 0.99}),
        ("adam", torch.optim.Adam, {"betas": (0.9, 0.999)}),
        ("adamw", torch.optim.AdamW, {"betas": (0.9, 0.999)}),
    ],
)
def test_each_optimizer_is_built_with_its_hyperparameters(name, cls, extra):
    opt = build_optimizer(TrainConfig(optimizer=name, lr=0.3, weight_decay=1e-4), small_net())
    assert type(opt) is cls
    for key, value in {"lr": 0.3, **extra}.items():
        assert opt.param_groups[0][key] == value


def test_biases_and_batch_norm_are_not_decayed_unless_asked():
    net = small_net()
    opt = build_optimizer(TrainConfig(optimizer="momentum", weight_decay=5e-4), net)
    decayed, kept = opt.param_groups
    assert decayed["weight_decay"] == 5e-4 and kept["weight_decay"] == 0.0
    names = {id(p): n for n, p in net.named_parameters()}
    assert sorted(names[id(p)] for p in decayed["params"]) == ["0.weight", "5.weight", "7.weight"]
    assert "1.weight" in {names[id(p)] for p in kept["params"]}  # batch-norm scale
    everything = build_optimizer(TrainConfig(weight_decay=5e-4, decay_all=True), net)
    assert len(everything.param_groups) == 1


def test_l1_penalty_is_the_sum_of_absolute_weights():
    net = small_net()
    decayed, _ = split_decay(net, decay_all=False)
    expected = sum(p.abs().sum() for p in decayed)
    assert l1_penalty(decayed).item() == pytest.approx(expected.item())


def test_hinge_loss_reproduces_the_lecture_worked_example():
    # the lecture's hinge-loss example: cat, car and frog images, scores per class
    scores = torch.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    labels = torch.tensor([0, 1, 2])
    per_image = [multiclass_hinge(scores[i : i + 1], labels[i : i + 1]).item() for i in range(3)]
    assert per_image == [pytest.approx(2.9), pytest.approx(0.0), pytest.approx(12.9)]
    assert multiclass_hinge(scores, labels).item() == pytest.approx(15.8 / 3)  # 5.27, "5.3"


def test_cross_entropy_with_label_smoothing_matches_the_formula():
    logits = torch.tensor([[2.0, 0.5, -1.0]])
    loss = build_loss(TrainConfig(label_smoothing=0.3))(logits, torch.tensor([0]))
    logp = logits.log_softmax(1)[0]
    expected = -(0.7 + 0.1) * logp[0] - 0.1 * logp[1] - 0.1 * logp[2]
    assert loss.item() == pytest.approx(expected.item())


@pytest.mark.parametrize(
    ("scheme", "std"), [("xavier", (2 / (144 + 8)) ** 0.5), ("kaiming", (2 / 144) ** 0.5)]
)
def test_xavier_and_he_init_have_the_fan_based_std(scheme, std):
    torch.manual_seed(0)
    layer = nn.Linear(144, 8 * 100)  # fan_in 144; xavier fan_out 800
    if scheme == "xavier":
        std = (2 / (144 + 800)) ** 0.5
    init_weights(layer, scheme)
    assert layer.weight.std().item() == pytest.approx(std, rel=0.02)
    assert layer.bias.abs().sum() == 0


def test_small_random_init_is_normal_with_std_0_01():
    torch.manual_seed(0)
    layer = nn.Linear(500, 500)
    assert init_weights(layer, "normal") == 1
    assert layer.weight.std().item() == pytest.approx(0.01, rel=0.02)


def test_constant_init_leaves_every_hidden_unit_identical_after_training():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 3))
    init_weights(net, "constant")
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    x, y = torch.randn(64, 5), torch.randint(0, 3, (64,))
    for _ in range(20):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    hidden = net[0].weight
    assert not torch.equal(hidden, torch.full_like(hidden, 0.1))  # it did learn something
    spread = (hidden - hidden[:1]).abs().max().item()
    assert spread < 1e-6  # ... but all units the same, up to float rounding


def test_unknown_init_names_the_choices():
    with pytest.raises(ConfigError, match="unknown init 'glorot'.*xavier"):
        init_weights(small_net(), "glorot")


def test_dropout_override_sets_every_dropout_layer():
    net = small_net()
    assert set_dropout(net, 0.5) == 1 and net[4].p == 0.5


def test_ema_follows_the_formula_and_copies_buffers():
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ema = EMA(net, decay=0.9)
    before = net[0].weight.detach().clone()
    with torch.no_grad():
        net[0].weight.add_(1.0)
        net[1].running_mean.fill_(3.0)
    ema.update(net, step=1000)  # past the warm-up: the configured decay
    assert torch.allclose(ema.model[0].weight, 0.9 * before + 0.1 * (before + 1.0))
    assert torch.equal(ema.model[1].running_mean, torch.full((2,), 3.0))


def test_ema_decay_warms_up_so_the_initial_weights_are_forgotten():
    ema = EMA(nn.Linear(2, 2), decay=0.999)
    assert ema.decay_at(0) == 0.1  # (1 + 0) / (10 + 0): the first update takes 90% of w
    assert ema.decay_at(90) == 0.91
    assert ema.decay_at(100_000) == 0.999
    weights = [ema.decay_at(t) for t in range(400)]
    carried = torch.tensor(weights).prod().item()  # share of the initial weights left
    assert carried < 1e-3 < 0.999**400


def test_googlenet_trains_with_its_auxiliary_losses_weighted_0_3(tmp_path):
    """Szegedy et al. (2015) add each auxiliary classifier's loss with weight 0.3."""
    import torch.nn.functional as F

    from cnnlab import models
    from cnnlab.train.losses import with_auxiliary

    torch.manual_seed(0)
    model = models.create("googlenet_torchvision", num_classes=10, in_channels=1).train()
    x, y = torch.randn(4, 1, 64, 64), torch.tensor([0, 1, 2, 3])
    outputs = model(x)
    logits, loss, total = with_auxiliary(F.cross_entropy, outputs, y)
    main, aux2, aux1 = outputs
    assert torch.equal(logits, main)
    expected = F.cross_entropy(main, y) + 0.3 * (
        F.cross_entropy(aux2, y) + F.cross_entropy(aux1, y)
    )
    assert torch.allclose(total, expected) and torch.allclose(loss, F.cross_entropy(main, y))
    config = TrainConfig(
        model="googlenet_torchvision", data="digits", epochs=1, max_steps=2, batch_size=8,
        tensorboard=False, out=str(tmp_path / "run"),
    )  # fmt: skip
    result = fit(config)
    assert result.count == 360
