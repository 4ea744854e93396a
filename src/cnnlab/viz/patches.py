"""Top patches (Zeiler and Fergus): the dataset patches that excite one unit most.

A unit of a convolutional layer sees only its receptive field, a window of the input that
grows with each convolution and pooling below it (seeds/001, "effective receptive field").
For each image the unit's strongest position is found; the images where that maximum is
highest give the patches, each cropped to the field of the position that fired.

The receptive field is traced through the modules in the order the forward pass runs them,
and only along a single chain (each module taking the previous one's output): models with
parallel branches (residual, inception) are refused rather than given a wrong field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.utils import _pair

from cnnlab.errors import ModelError
from cnnlab.viz.activations import capture, find_layer
from cnnlab.viz.inputs import LoadedRun
from cnnlab.viz.plots import save_figure

BATCH_SIZE = 256


@dataclass(frozen=True)
class Field:
    """Receptive field of the units of one layer, per axis (height, width), in input pixels."""

    size: tuple[int, int]  # pixels one unit sees
    jump: tuple[int, int]  # distance between the fields of neighbouring units
    start: tuple[int, int]  # first pixel of unit (0, 0)'s field; negative: it reaches the padding

    def box(self, y: int, x: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of unit (y, x)'s field; bottom and right exclusive."""
        top, left = self.start[0] + y * self.jump[0], self.start[1] + x * self.jump[1]
        return top, left, top + self.size[0], left + self.size[1]


@dataclass
class _Step:
    name: str
    module: nn.Module
    input: torch.Tensor
    output: torch.Tensor


class _Reached(Exception):
    """Raised by the hook on the chosen layer: the rest of the forward pass is not needed."""


def _trace(model: nn.Module, target: nn.Module, batch: torch.Tensor) -> list[_Step]:
    """The leaf modules run before ``target`` (and ``target`` itself), in order."""
    steps: list[_Step] = []

    def hook(name: str):
        def record(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            steps.append(_Step(name, module, inputs[0] if inputs else None, output))
            if module is target:
                raise _Reached

        return record

    handles = [
        module.register_forward_hook(hook(name))
        for name, module in model.named_modules()
        if module is target or not any(True for _ in module.children())
    ]
    try:
        with torch.no_grad():
            model(batch)
    except _Reached:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return steps


def receptive_field(model: nn.Module, layer: str, input_shape: tuple[int, int, int]) -> Field:
    """The receptive field of ``layer``'s units for inputs of ``input_shape`` (C, H, W)."""
    target = find_layer(model, layer)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    x = torch.zeros(1, *input_shape, device=device)
    steps = _trace(model, target, x)
    if not steps or steps[-1].module is not target:
        raise ModelError(f"layer {layer!r} did not run in the model's forward pass")
    if steps[-1].output.ndim != 4:
        raise ModelError(
            f"layer {layer!r} gives outputs of shape {tuple(steps[-1].output.shape[1:])}: a "
            "receptive field needs feature maps (C, H, W), so choose a convolution or pooling layer"
        )
    size, jump, start = [1, 1], [1, 1], [0, 0]
    previous = x
    for step in steps:
        if step.module is target and any(True for _ in target.children()):
            if step.output is not previous:
                raise _branching(layer, step.name)
            break
        if step.input is not previous:
            raise _branching(layer, step.name)
        _compose(step, size, jump, start)
        previous = step.output
    return Field(tuple(size), tuple(jump), tuple(start))


def _branching(layer: str, name: str) -> ModelError:
    return ModelError(
        f"cannot trace the receptive field of {layer!r}: module {name!r} does not take the "
        "previous module's output (the model branches or reshapes between modules); "
        "only single-chain models such as LeNet, AlexNet and VGG are supported"
    )


def _compose(step: _Step, size: list[int], jump: list[int], start: list[int]) -> None:
    """Grow the field through one module, and check the output size it predicts."""
    module, before, after = step.module, step.input.shape[2:], step.output.shape[2:]
    if not hasattr(module, "kernel_size"):
        if before != after:
            raise ModelError(
                f"cannot trace the receptive field through {step.name!r} "
                f"({type(module).__name__}): it changes the map size from {tuple(before)} to "
                f"{tuple(after)} but is not a convolution or pooling layer"
            )
        return  # pointwise: activation, normalisation, dropout
    kernel, stride = _pair(module.kernel_size), _pair(module.stride)
    dilation = _pair(getattr(module, "dilation", 1))
    padding = getattr(module, "padding", 0)
    for axis in (0, 1):
        extent = dilation[axis] * (kernel[axis] - 1) + 1
        pad, total = _padding(padding, extent, axis)
        expected = _output_size(before[axis], pad, total, extent, stride[axis], module)
        if expected != after[axis]:
            raise ModelError(
                f"cannot trace the receptive field through {step.name!r}: its kernel, stride "
                f"and padding give {expected} positions, the layer gives {after[axis]}"
            )
        size[axis] += (extent - 1) * jump[axis]
        start[axis] -= pad * jump[axis]
        jump[axis] *= stride[axis]


def _padding(padding: int | tuple | str, extent: int, axis: int) -> tuple[int, int]:
    """(pixels added before, pixels added in all) along ``axis``."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return (extent - 1) // 2, extent - 1  # PyTorch puts the odd pixel after
    return _pair(padding)[axis], 2 * _pair(padding)[axis]


def _output_size(
    length: int, pad: int, total: int, extent: int, stride: int, module: nn.Module
) -> int:
    """The number of positions, as PyTorch's convolutions and poolings count them."""
    if getattr(module, "ceil_mode", False):
        count = -(-(length + total - extent) // stride) + 1
        return count - 1 if (count - 1) * stride >= length + pad else count
    return (length + total - extent) // stride + 1


@dataclass
class TopPatches:
    patches: torch.Tensor  # (count, C, field h, field w) on the 0..1 scale; padding shows the mean
    values: torch.Tensor  # (count,) the unit's highest activation in each image
    indices: torch.Tensor  # (count,) the images' indices in the split
    boxes: torch.Tensor  # (count, 4) top, left, bottom, right of each patch in its image
    field: Field


def top_patches(
    loaded: LoadedRun, layer: str, unit: int, count: int = 9, split: str = "test"
) -> TopPatches:
    """The ``count`` images of ``split`` where channel ``unit`` of ``layer`` fires most, each
    cropped to the receptive field of the position where it fires."""
    if count < 1:
        raise ModelError(f"count of top patches must be at least 1, found {count}")
    model, dataset = loaded.model, loaded.split(split)
    field = receptive_field(model, layer, dataset.image_shape)
    module = find_layer(model, layer)
    best, where = [], []
    for first in range(0, len(dataset), BATCH_SIZE):
        batch = loaded.normalise(dataset.images[first : first + BATCH_SIZE])
        maps = capture(model, module, batch)
        if not 0 <= unit < maps.shape[1]:
            raise ModelError(
                f"unit {unit} is out of range: layer {layer!r} has {maps.shape[1]} channels "
                f"(0..{maps.shape[1] - 1})"
            )
        values, position = maps[:, unit].flatten(1).max(dim=1)
        best.append(values.cpu())
        where.append(position.cpu())
        width = maps.shape[3]
    values, indices = torch.cat(best).topk(min(count, len(dataset)))
    positions = torch.cat(where)[indices]
    boxes = torch.tensor(
        [field.box(int(p) // width, int(p) % width) for p in positions], dtype=torch.int64
    ).view(-1, 4)
    patches = _crop(loaded, dataset.images[indices], boxes, field)
    return TopPatches(patches, values, indices, boxes, field)


def _crop(
    loaded: LoadedRun, images: torch.Tensor, boxes: torch.Tensor, field: Field
) -> torch.Tensor:
    """Each image's box as the model saw it: zero padding of the normalised input shows as
    the mean colour once drawn."""
    margin = max(field.size)
    padded = F.pad(loaded.normalise(images), [margin] * 4)
    crops = [
        padded[i, :, top + margin : bottom + margin, left + margin : right + margin]
        for i, (top, left, bottom, right) in enumerate(boxes.tolist())
    ]
    return loaded.denormalise(torch.stack(crops)).cpu()


def plot_top_patches(result: TopPatches, title: str, path: str | Path) -> Path:
    """The patches in a grid, strongest first, each titled with its image and activation."""
    count = len(result.patches)
    columns = min(count, 6)
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.8 * columns, 1.9 * rows + 0.6), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, patch, index, value in zip(
        axes.flat, result.patches, result.indices, result.values, strict=False
    ):
        if patch.shape[0] == 1:
            ax.imshow(patch[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(patch.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(f"#{int(index)}  {float(value):.2f}", fontsize=8)
    field = result.field
    fig.suptitle(f"{title}\nreceptive field {field.size[0]}x{field.size[1]} pixels", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
