"""Top patches (Zeiler and Fergus): the dataset patches that excite one unit most.

A unit of a convolutional layer sees only its receptive field, a window of the input that
grows with each convolution and pooling below it (the "effective receptive field").
For each image the unit's strongest position is found; the images where that maximum is
highest give the patches, each cropped to the field of the position that fired.

The field comes from :func:`cnnlab.inspect.receptive_field`, which follows the tensors
through the forward pass, so residual and inception models get their field too (the union
of their branches'). A module called more than once (one ReLU reused in a residual block)
is taken at its first call, the output :func:`~cnnlab.viz.activations.capture` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.figure import save_figure, subplots
from cnnlab.inspect import receptive_field
from cnnlab.inspect.receptive import Axis, Field
from cnnlab.train.run import Run
from cnnlab.viz.activations import capture, find_layer

BATCH_SIZE = 256


def layer_field(model: nn.Module, layer: str, input_shape: tuple[int, int, int]) -> Field:
    """The receptive field (height, width) of ``layer``'s units for inputs of ``input_shape``
    (C, H, W); a ModelError where the layer's units have no position in the input."""
    find_layer(model, layer)  # an unknown name lists the valid ones
    row = next((r for r in receptive_field(model, input_shape) if r.name == layer), None)
    if row is None:
        raise ModelError(f"layer {layer!r} did not run in the model's forward pass")
    shape = row.output_shape[1:]
    if len(shape) != 3 or row.field is None or row.field[0].jump is None:
        raise ModelError(
            f"layer {layer!r} gives outputs of shape {shape} whose units have no position in "
            "the input (a flatten or linear layer merged them): a receptive field needs "
            "feature maps (C, H, W), so choose a convolution or pooling layer"
        )
    return row.field


def field_box(field: Field, y: int, x: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of unit (y, x)'s field in input pixels, bottom and right
    exclusive; beyond the image where the field reaches into the padding. Every unit's box
    has the same size."""
    (top, bottom), (left, right) = _span(field[0], y), _span(field[1], x)
    return top, left, bottom, right


def _span(axis: Axis, position: int) -> tuple[int, int]:
    """The pixels [first, last + 1) covering the field of unit ``position`` along ``axis``
    (pixel i covers [i, i + 1); ``axis.start`` is the centre of unit 0's field)."""
    low = axis.start - axis.field / 2
    size = math.ceil(axis.field)
    if not (float(low).is_integer() and float(axis.jump).is_integer()):
        size += 1  # fractional steps (uneven adaptive pooling): one more pixel always covers
    first = math.floor(round(low + position * axis.jump, 6))
    return first, first + size


@dataclass
class TopPatches:
    patches: torch.Tensor  # (count, C, field h, field w) on the 0..1 scale; padding shows the mean
    values: torch.Tensor  # (count,) the unit's highest activation in each image
    indices: torch.Tensor  # (count,) the images' indices in the split
    boxes: torch.Tensor  # (count, 4) top, left, bottom, right of each patch in its image
    field: Field  # (height, width), see cnnlab.inspect.receptive


def top_patches(
    loaded: Run, layer: str, unit: int, count: int = 9, split: str = "test"
) -> TopPatches:
    """The ``count`` images of ``split`` where channel ``unit`` of ``layer`` fires most, each
    cropped to the receptive field of the position where it fires."""
    if count < 1:
        raise ModelError(f"count of top patches must be at least 1, found {count}")
    model, dataset = loaded.model, loaded.dataset(split)
    field = layer_field(model, layer, loaded.input_shape)
    module = find_layer(model, layer)
    best, where = [], []
    for first in range(0, len(dataset), BATCH_SIZE):
        batch = loaded.prepare(dataset.images[first : first + BATCH_SIZE])
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
        [field_box(field, int(p) // width, int(p) % width) for p in positions],
        dtype=torch.int64,
    ).view(-1, 4)
    patches = _crop(loaded, dataset.images[indices], boxes)
    return TopPatches(patches, values, indices, boxes, field)


def _crop(loaded: Run, images: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    """Each image's box as the model saw it: zero padding of the normalised input shows as
    the mean colour once drawn."""
    prepared = loaded.prepare(images)
    height, width = prepared.shape[2:]
    beyond = torch.cat([-boxes[:, :2], boxes[:, 2:3] - height, boxes[:, 3:] - width], dim=1)
    margin = max(int(beyond.max()), 0)
    padded = F.pad(prepared, [margin] * 4)
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
    fig, axes = subplots(rows, columns, figsize=(1.8 * columns, 1.9 * rows + 0.6), squeeze=False)
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
    height, width = (axis.field for axis in result.field)
    fig.suptitle(f"{title}\nreceptive field {height:g}x{width:g} pixels", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
