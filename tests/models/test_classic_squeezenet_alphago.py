import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError


@pytest.mark.parametrize("name", ["squeezenet1_0", "squeezenet1_1"])
def test_squeezenet_features_and_convolutional_classifier(name):
    model = models.create(name, num_classes=10).eval()
    with torch.no_grad():
        features = model.forward_features(torch.zeros(1, 3, 224, 224))
        assert features.shape == (1, 512, 13, 13)
        assert model.forward_head(features).shape == (1, 10)
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())


def test_alphago_policy_layer_by_layer():
    model = models.create("alphago_policy").eval()
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size[0] for c in convs] == [5] + [3] * 11 + [1]
    assert [c.out_channels for c in convs] == [192] * 12 + [1]
    x = torch.zeros(1, 48, 19, 19)
    with torch.no_grad():
        assert model.forward_features(x).shape == (1, 192, 19, 19)
        assert model(x).shape == (1, 361)
    assert model.head[1].bias.shape == (1, 19, 19)  # a bias for every position
    assert convs[-1].bias is None


def test_alphago_move_probabilities_are_a_softmax_over_the_board():
    torch.manual_seed(0)
    model = models.create("alphago_policy").eval()
    with torch.no_grad():
        model.head[1].bias[0, 3, 3] = 50.0  # a strongly favoured point
        probs = model.move_probabilities(torch.randn(2, 48, 19, 19))
    assert probs.shape == (2, 19, 19)
    torch.testing.assert_close(probs.sum(dim=(1, 2)), torch.ones(2, dtype=probs.dtype))
    assert (probs.flatten(1).argmax(dim=1) == 3 * 19 + 3).all()


def test_alphago_policy_refuses_another_number_of_classes():
    with pytest.raises(ModelError, match="num_classes must be 361; got 10"):
        models.create("alphago_policy", num_classes=10)
