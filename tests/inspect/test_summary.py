"""cnnlab.summary against the lecture's layer tables, the papers and a real forward pass."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnnlab
from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.inspect import summary
from cnnlab.nn.locally_connected import LocallyConnected2d


def meta_model(name: str, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return models.create(name, **kwargs)


def memory_text(name: str) -> tuple[str, ...]:
    memory = summary(meta_model(name), models.get_model_info(name).input_shape).memory
    values = (memory.input_mb, memory.forward_backward_mb, memory.params_mb, memory.total_mb)
    return tuple(f"{v:.2f}" for v in values)


# Input / forward-backward pass / params / total, in MB: the lecture's torchsummary tables
# for the papers' networks, and torchvision's figures where the adaptive pool is present.
MEMORY = {
    "vgg16_fixed": ("0.57", "218.59", "527.79", "746.96"),
    "resnet50": ("0.57", "286.56", "97.49", "384.62"),
    "alexnet_fixed": ("0.57", "8.31", "233.08", "241.96"),
    "lenet5": ("0.00", "0.11", "0.24", "0.35"),
    "vgg16": ("0.57", "218.78", "527.79", "747.15"),
    "alexnet": ("0.57", "8.38", "233.08", "242.03"),
}


@pytest.mark.parametrize("name", MEMORY)
def test_memory_block_matches_the_tables(name):
    assert memory_text(name) == MEMORY[name]


def test_the_adaptive_pool_adds_exactly_its_output_twice():
    with_pool = summary(meta_model("vgg16"), (3, 224, 224))
    without = summary(meta_model("vgg16_fixed"), (3, 224, 224))
    extra = with_pool.memory.forward_backward_mb - without.memory.forward_backward_mb
    assert extra == pytest.approx(2 * 512 * 7 * 7 * 4 / 2**20)
    assert [r.label for r in with_pool.rows if r.kind == "AdaptiveAvgPool2d"] == [
        "AdaptiveAvgPool2d-32"
    ]
    assert not [r for r in without.rows if r.kind == "AdaptiveAvgPool2d"]


# GMACs at 224x224 (torchvision's published "GFLOPS", which count multiply-adds)
GMACS = {
    "alexnet": 0.71, "vgg16": 15.47, "resnet18": 1.81, "resnet50": 4.09,
    "googlenet_torchvision": 1.50, "densenet121": 2.83, "squeezenet1_1": 0.35,
}  # fmt: skip


@pytest.mark.parametrize("name", GMACS)
def test_macs_at_224_within_one_percent(name):
    macs = summary(meta_model(name), (3, 224, 224)).total_macs / 1e9
    assert abs(macs - GMACS[name]) / GMACS[name] < 0.01
    assert round(macs, 2) == GMACS[name]


def test_the_paper_googlenet_costs_more_than_torchvisions():
    # 5x5 kernels in the third branch, and conv1's true 118M instead of the table's 34M
    assert round(summary(meta_model("googlenet"), (3, 224, 224)).total_macs / 1e9, 2) == 1.58


# The GoogLeNet paper's table, ops column in millions
INCEPTION_OPS = {
    "3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100, "4d": 119, "4e": 170, "5b": 71,
}  # fmt: skip


def test_googlenet_inception_rows_agree_with_the_paper_table():
    rows = {r.name: r for r in summary(meta_model("googlenet"), (3, 224, 224)).rows}
    for block, ops in INCEPTION_OPS.items():
        millions = rows[f"inception{block}"].macs / 1e6
        # the table rounds (4d: 118.5 -> 119) except 4a, which it truncates (73.6 -> 73)
        assert ops in (round(millions), int(millions)), block


@pytest.mark.parametrize("name", ["lenet5", "lenet5_1998", "squeezenet1_1", "resnet20"])
def test_meta_pass_equals_a_real_forward_and_flop_counter(name):
    info = models.get_model_info(name)
    torch.manual_seed(0)
    model = models.create(name)
    on_meta = summary(model, info.input_shape)
    on_cpu = summary(model, info.input_shape, device="cpu")
    assert [(r.label, r.output_shapes, r.params, r.macs) for r in on_meta.rows] == [
        (r.label, r.output_shapes, r.params, r.macs) for r in on_cpu.rows
    ]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros(1, *info.input_shape))
    assert on_meta.total_macs == counter.get_total_flops() // 2 == on_cpu.total_macs


def test_grouped_dilated_convolution_and_locally_connected_layer_by_hand():
    model = nn.Sequential(
        nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=4),  # 16x10x10 outputs, 2*3*3 each
        LocallyConnected2d(16, 4, (10, 10), kernel_size=3),  # 4x8x8 outputs, 16*3*3 each
        nn.Flatten(),
        nn.Linear(4 * 8 * 8, 5),
    )
    rows = summary(model, (8, 10, 10)).rows
    assert [r.macs for r in rows] == [16 * 100 * 2 * 9, 4 * 64 * 16 * 9, 0, 256 * 5]
    assert rows[1].output_shapes == [(1, 4, 8, 8)]


def test_totals_trainable_and_frozen_parameters():
    model = models.create("resnet20")
    for p in model.conv1.parameters():
        p.requires_grad_(False)
    result = cnnlab.summary(model, (3, 32, 32))
    assert result.total_params == models.get_model_info("resnet20").num_params
    assert result.non_trainable_params == 3 * 16 * 9
    assert result.trainable_params == result.total_params - 432


def test_container_rows_hold_their_layers_and_depth_hides_only_rows():
    model = meta_model("resnet18")
    deep, shallow = summary(model, (3, 224, 224), depth=3), summary(model, (3, 224, 224), depth=1)
    block = next(r for r in deep.rows if r.name == "layer1.0")
    inside = [r for r in deep.rows if r.name.startswith("layer1.0.")]
    assert block.depth == 1 and {r.depth for r in inside} == {2}
    assert block.macs == sum(r.macs for r in inside)
    assert block.params == sum(r.params for r in inside if r.kind != "ReLU")
    assert all(r.depth == 1 for r in shallow.visible_rows())
    assert shallow.total_macs == deep.total_macs and shallow.memory == deep.memory


def test_a_reused_module_gives_one_row_per_call():
    rows = summary(meta_model("resnet50"), (3, 224, 224)).rows
    relus = [r for r in rows if r.name == "layer1.0.relu"]
    assert len(relus) == 3


def test_the_model_is_left_as_it_was():
    torch.manual_seed(0)
    model = models.create("lenet5").train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (1, 32, 32))
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) and not v.is_meta for k, v in model.state_dict().items())


def test_too_small_input_names_the_layer_and_the_smallest_input():
    with pytest.raises(ModelError) as caught:
        summary(meta_model("alexnet"), (3, 16, 16))
    message = str(caught.value)
    assert "input 3x16x16 is too small" in message
    assert "MaxPool2d 'features.5' (its input: 192x1x1)" in message
    assert "the smallest input that works is 3x63x63" in message
    summary(meta_model("alexnet"), (3, 63, 63))
    with pytest.raises(ModelError):
        summary(meta_model("alexnet"), (3, 62, 62))


def test_fixed_size_head_finds_the_nearby_working_input():
    with pytest.raises(ModelError, match="smallest input that works is 1x32x32"):
        summary(meta_model("lenet5"), (1, 20, 20))


def test_wrong_channels_and_features_say_what_the_layer_expects():
    with pytest.raises(ModelError, match="Conv2d 'conv1' .* expects 3 input channels, got 1"):
        summary(meta_model("resnet18"), (1, 64, 64))
    with pytest.raises(ModelError, match="Linear 'classifier.1' .* expects 120 input features"):
        summary(meta_model("lenet5"), (1, 64, 64))


class ReadsAValue(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x.sum().item()  # data-dependent: meta tensors have no values


def test_a_model_that_needs_values_is_sent_to_a_real_device():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), ReadsAValue())
    with pytest.raises(ModelError, match=r"ReadsAValue '1' .* cannot run on the meta device"):
        summary(model, (1, 8, 8))
    assert summary(model, (1, 8, 8), device="cpu").total_macs == 2 * 36 * 9


@pytest.mark.parametrize("shape", [(3, 0, 32), (), (3, -1, 4)])
def test_input_shapes_must_be_positive(shape):
    with pytest.raises(ModelError, match="an input shape must be positive sizes"):
        summary(nn.Conv2d(3, 1, 1), shape)
