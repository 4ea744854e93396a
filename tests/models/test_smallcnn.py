import torch

from cnnlab import models


def test_small_cnn_shapes_and_parameters_layer_by_layer():
    model = models.create("smallcnn_bn").eval()
    x = torch.randn(2, 1, 28, 28)
    shapes = []
    for block in model.features:
        x = block(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(32, 28, 28), (32, 28, 28), (32, 14, 14), (64, 14, 14), (64, 14, 14),
                      (64, 7, 7), (128, 7, 7)]  # fmt: skip
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    # 3x3 convolutions without bias (batch norm adds one): 9*cin*cout each
    assert [c.weight.numel() for c in convs] == [288, 9216, 18432, 36864, 73728]
    norms = sum(p.numel() for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)
                for p in m.parameters())  # fmt: skip
    assert norms == 2 * (32 + 32 + 64 + 64 + 128)
    assert sum(p.numel() for p in model.parameters()) == 140_458
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
