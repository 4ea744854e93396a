import torch

from cnnlab import models
from cnnlab.nn import LocalResponseNorm


def trace(model: torch.nn.Module, size: int) -> list[tuple[str, tuple[int, ...]]]:
    """(layer kind, output shape) through the feature extractor."""
    x = torch.zeros(1, 3, size, size)
    rows = []
    with torch.no_grad():
        for layer in model.features:
            x = layer(x)
            if not isinstance(layer, torch.nn.ReLU):
                rows.append((type(layer).__name__, tuple(x.shape[1:])))
    return rows


def test_alexnet2012_sizes_are_the_lecture_table():
    model = models.create("alexnet2012").eval()
    assert trace(model, 227) == [
        ("Conv2d", (96, 55, 55)), ("LocalResponseNorm", (96, 55, 55)), ("MaxPool2d", (96, 27, 27)),
        ("Conv2d", (256, 27, 27)), ("LocalResponseNorm", (256, 27, 27)),
        ("MaxPool2d", (256, 13, 13)),
        ("Conv2d", (384, 13, 13)), ("Conv2d", (384, 13, 13)), ("Conv2d", (256, 13, 13)),
        ("MaxPool2d", (256, 6, 6)),
    ]  # fmt: skip


def test_alexnet2012_splits_conv2_4_5_over_two_gpus_and_uses_the_papers_lrn():
    model = models.create("alexnet2012")
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    params = [sum(p.numel() for p in c.parameters()) for c in convs]
    assert params == [34_944, 307_456, 885_120, 663_936, 442_624]
    lrn = [m for m in model.features if isinstance(m, LocalResponseNorm)]
    assert [(m.k, m.size, m.alpha, m.beta) for m in lrn] == [(2.0, 5, 1e-4, 0.75)] * 2
    dropouts = [m.p for m in model.classifier if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [0.5, 0.5]


def test_zfnet_is_alexnet_with_a_7x7_stride_2_conv1_and_deeper_conv3_to_5():
    model = models.create("zfnet").eval()
    rows = [row for row in trace(model, 224) if row[0] != "LocalResponseNorm"]
    assert rows == [
        ("Conv2d", (96, 110, 110)), ("MaxPool2d", (96, 55, 55)),
        ("Conv2d", (256, 26, 26)), ("MaxPool2d", (256, 13, 13)),
        ("Conv2d", (512, 13, 13)), ("Conv2d", (1024, 13, 13)), ("Conv2d", (512, 13, 13)),
        ("MaxPool2d", (512, 6, 6)),
    ]  # fmt: skip
    conv1 = model.features[0]
    assert conv1.kernel_size == (7, 7) and conv1.stride == (2, 2)


def test_alexnet_one_tower_is_the_lecture_table():
    model = models.create("alexnet").eval()
    convs = [r for r in trace(model, 224) if r[0] == "Conv2d"]
    assert [shape for _, shape in convs] == [
        (64, 55, 55), (192, 27, 27), (384, 13, 13), (256, 13, 13), (256, 13, 13),
    ]  # fmt: skip
