import pytest
import torch

from cnnlab import models
from cnnlab.errors import UnknownNameError


def count_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_lenet5_has_the_parameters_of_the_lecture_table():
    model = models.create("lenet5", num_classes=10)
    assert count_params(model) == 61_706
    per_layer = [
        count_params(m) for m in model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)
    ]
    assert per_layer == [156, 2_416, 48_120, 10_164, 850]


def test_lenet5_output_shapes_layer_by_layer():
    model = models.create("lenet5").eval()
    x = torch.zeros(2, 1, 32, 32)
    shapes = []
    for layer in [*model.features, *model.classifier]:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [
        (6, 28, 28), (6, 28, 28), (6, 14, 14),
        (16, 10, 10), (16, 10, 10), (16, 5, 5),
        (120, 1, 1), (120, 1, 1),
        (120,), (84,), (84,), (10,),
    ]  # fmt: skip


def test_forward_is_features_then_head():
    model = models.create("lenet5").eval()
    x = torch.randn(3, 1, 32, 32)
    assert torch.equal(model(x), model.forward_head(model.forward_features(x)))


def test_unknown_model_name_suggests_the_closest():
    with pytest.raises(UnknownNameError) as info:
        models.create("lenet-5")
    assert "lenet5" in str(info.value)
    assert info.value.close_matches[0] == "lenet5"


def test_duplicate_registration_is_an_error():
    with pytest.raises(ValueError, match="registered twice"):
        models.register_model(
            "lenet5", family="x", paper="x", year=1, input_shape=(1, 1, 1), num_params=0,
            macs=0, builder=lambda: torch.nn.Identity(),
        )  # fmt: skip
