import pytest
import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.models.lenet import C3_TABLE, EuclideanRBF, PartialConv2d, Subsampling


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    return models.create("lenet5_1998").eval()


def test_layer_parameters_are_the_papers(lenet):
    f, c = lenet.features, lenet.classifier
    per_layer = [count(f[0]), count(f[2]), count(f[4]), count(f[6]), count(f[8]), count(c[1])]
    assert per_layer == [156, 12, 1_516, 32, 48_120, 10_164]  # C1 S2 C3 S4 C5 F6
    assert count(lenet) == 60_000  # the RBF prototypes are fixed, not trained


def test_output_shapes_layer_by_layer(lenet):
    x = torch.zeros(2, 1, 32, 32)
    shapes = []
    for layer in [*lenet.features[::2], *lenet.classifier[1::2]]:
        x = layer(x) if not isinstance(layer, torch.nn.Linear) else layer(x.flatten(1))
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84,), (10,)]


def test_c3_follows_table_one():
    assert sum(len(inputs) for inputs in C3_TABLE) == 60
    assert [len(inputs) for inputs in C3_TABLE] == [3] * 6 + [4] * 9 + [6]
    c3 = PartialConv2d(C3_TABLE, 6, 5)
    x = torch.randn(1, 6, 14, 14, requires_grad=True)
    for out_map, inputs in enumerate(C3_TABLE):
        (grad,) = torch.autograd.grad(c3(x)[0, out_map].sum(), x)
        seen = {i for i in range(6) if grad[0, i].abs().sum() > 0}
        assert seen == set(inputs), f"C3 map {out_map}"


def test_subsampling_is_a_coefficient_times_the_sum_plus_a_bias():
    s2 = Subsampling(2)
    with torch.no_grad():
        s2.weight.copy_(torch.tensor([0.5, 2.0]))
        s2.bias.copy_(torch.tensor([1.0, -1.0]))
    x = torch.arange(32.0).reshape(1, 2, 4, 4)
    expected = F.avg_pool2d(x, 2) * 4 * torch.tensor([0.5, 2.0])[:, None, None]
    expected += torch.tensor([1.0, -1.0])[:, None, None]
    torch.testing.assert_close(s2(x), expected)


def test_squashing_is_the_scaled_tanh(lenet):
    squash = lenet.features[1]
    x = torch.tensor([-1.0, 0.0, 1.0])
    torch.testing.assert_close(squash(x), 1.7159 * torch.tanh(2 * x / 3))
    assert squash(torch.tensor(1.0)).item() == pytest.approx(1.0, abs=1e-4)  # f(1) = 1


def test_outputs_are_negative_squared_distances_to_fixed_prototypes(lenet):
    rbf = lenet.classifier[-1]
    assert isinstance(rbf, EuclideanRBF)
    assert set(rbf.prototypes.unique().tolist()) == {-1.0, 1.0}
    assert "classifier.3.prototypes" in lenet.state_dict()
    x = torch.randn(3, 84)
    expected = -((x[:, None, :] - rbf.prototypes[None]) ** 2).sum(-1)
    torch.testing.assert_close(rbf(x), expected)
    assert torch.equal(models.create("lenet5_1998").classifier[-1].prototypes, rbf.prototypes)


def test_cross_entropy_on_the_rbf_logits_trains_it():
    torch.manual_seed(0)
    model = models.create("lenet5_1998", num_classes=3)
    x, y = torch.randn(12, 1, 32, 32), torch.arange(12) % 3
    optimizer = torch.optim.SGD(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_initial_weights_follow_the_papers_fan_in_rule(lenet):
    c1, c3, c5 = lenet.features[0], lenet.features[4], lenet.features[8]
    assert c1.weight.abs().max() <= 2.4 / 25 and c5.weight.abs().max() <= 2.4 / 400
    assert c3.weight[:18].abs().max() <= 2.4 / 75  # maps 0-5 see three S2 maps
    assert c3.weight[18:54].abs().max() <= 2.4 / 100  # maps 6-14 see four
    assert c3.weight[54:].abs().max() <= 2.4 / 150  # map 15 sees all six
