import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.nn import convolutionize


def both(name: str, size: int):
    torch.manual_seed(0)
    model = models.create(name).double().eval()
    return model, convolutionize(model, (model.features[0].in_channels, size, size)).eval()


def test_lenet5_head_as_convolutions_gives_the_same_scores_and_a_map():
    model, fcn = both("lenet5", 32)
    x = torch.randn(3, 1, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(fcn(x).flatten(1), model(x), rtol=1e-5, atol=1e-5)
        assert fcn(torch.zeros(1, 1, 64, 64, dtype=torch.float64)).shape == (1, 10, 9, 9)


def test_alexnet_same_scores_at_224_and_a_6x6_map_at_384():
    model, fcn = both("alexnet", 224)
    x = torch.randn(1, 3, 224, 224, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(fcn(x).flatten(1), model(x), rtol=1e-5, atol=1e-5)
        assert fcn(torch.zeros(1, 3, 384, 384, dtype=torch.float64)).shape == (1, 1000, 6, 6)
    assert [type(m).__name__ for m in fcn.head if hasattr(m, "weight")] == ["Conv2d"] * 3
    assert fcn.head[1].kernel_size == (6, 6)


@pytest.mark.slow
def test_vgg16_at_384_gives_a_6x6_class_score_map():
    model, fcn = both("vgg16", 224)
    x = torch.randn(1, 3, 224, 224, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(fcn(x).flatten(1), model(x), rtol=1e-5, atol=1e-5)
        assert fcn(torch.zeros(1, 3, 384, 384, dtype=torch.float64)).shape == (1, 1000, 6, 6)
    assert fcn.head[0].kernel_size == (7, 7)


def test_the_original_model_is_left_alone():
    model, fcn = both("lenet5", 32)
    assert isinstance(model.classifier[1], torch.nn.Linear)
    assert fcn.backbone.features[0].weight is not model.features[0].weight


def test_a_model_without_a_linear_classifier_is_refused():
    with pytest.raises(ModelError, match="needs a model with forward_features"):
        convolutionize(models.create("googlenet"), (3, 224, 224))
    with pytest.raises(ModelError, match="cannot convert classifier layer Conv2d"):
        convolutionize(models.create("squeezenet1_1"), (3, 224, 224))


def test_a_pool_that_is_not_the_identity_at_that_size_is_refused():
    with pytest.raises(ModelError, match="must be the identity at the training size"):
        convolutionize(models.create("alexnet"), (3, 256, 256))
