import functools

import pytest
import torch

from cnnlab import models
from cnnlab.models.googlenet import GoogLeNetOutputs

# row: (output shape, the table's ops in millions)
TABLE = {
    "3a": ((256, 28, 28), 128), "3b": ((480, 28, 28), 304),
    "4a": ((512, 14, 14), 73), "4b": ((512, 14, 14), 88), "4c": ((512, 14, 14), 100),
    "4d": ((528, 14, 14), 119), "4e": ((832, 14, 14), 170),
    "5a": ((832, 7, 7), 51),  # the table says 54M; its own widths give 51M
    "5b": ((1024, 7, 7), 71),
}  # fmt: skip


@pytest.fixture(scope="module")
def rows():
    """Per module: output shape and convolution multiply-adds, k*k*cin*cout*H*W."""
    model = models.create("googlenet").eval()
    found: dict[str, dict] = {}

    def add_macs(name, conv, inputs, output):
        k_h, k_w = conv.kernel_size
        found[name]["macs"] += (
            k_h * k_w * conv.in_channels * conv.out_channels * output[0, 0].numel()
        )

    def record_shape(name, module, inputs, output):
        found[name]["shape"] = tuple(output.shape[1:])

    for name, module in model.named_children():
        if name.startswith(("inception", "conv")):
            found[name] = {"macs": 0}
            module.register_forward_hook(functools.partial(record_shape, name))
            for conv in module.modules():
                if isinstance(conv, torch.nn.Conv2d):
                    conv.register_forward_hook(functools.partial(add_macs, name))
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    return found


@pytest.mark.parametrize("row", TABLE)
def test_inception_rows_match_the_table(rows, row):
    shape, ops = TABLE[row]
    found = rows[f"inception{row}"]
    assert found["shape"] == shape
    # The table mostly rounds (4d: 118.5M -> 119M) but truncates 4a (73.6M -> 73M):
    # each row is within a million of its ops.
    assert abs(found["macs"] / 1e6 - ops) < 1


def test_stem_rows_follow_the_layer_sizes(rows):
    # conv1: the table's "2.7K params, 34M ops" contradict 7x7x3x64; the layer wins.
    assert rows["conv1"]["shape"] == (64, 112, 112)
    assert round(rows["conv1"]["macs"] / 1e6) == 118
    # conv2 + conv3 (3x3 reduce 64, 3x3 192): 112K params, 360M ops as in the table
    assert round((rows["conv2"]["macs"] + rows["conv3"]["macs"]) / 1e6) == 360


def test_paper_head_has_40_percent_dropout_and_5x5_branches():
    model = models.create("googlenet")
    assert model.dropout.p == 0.4
    assert model.inception4e.branch3[1].conv.kernel_size == (5, 5)


def test_auxiliary_classifiers_in_training_mode():
    torch.manual_seed(0)
    model = models.create("googlenet", aux_logits=True, num_classes=5).train()
    out = model(torch.randn(2, 3, 224, 224))
    assert isinstance(out, GoogLeNetOutputs)
    assert [t.shape for t in out] == [(2, 5)] * 3
    assert model.eval()(torch.randn(1, 3, 224, 224)).shape == (1, 5)
