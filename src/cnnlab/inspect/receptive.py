"""Receptive fields: how much of the input each layer's units see, and where.

For every layer (one row per module call, as in the summary) and each spatial axis:

- **field**: the receptive field size in input pixels (padding included, so it can
  exceed the input);
- **jump**: the distance in input pixels between neighbouring units (the product of
  the strides so far);
- **start**: the centre of the first unit's field, in input coordinates where pixel
  ``i`` covers ``[i, i + 1)`` (so the input's own start is 0.5).

A layer with kernel ``k``, stride ``s``, padding ``p`` and dilation ``d`` maps
(field r, jump j, start x) to ``r + (d(k-1)) j``, ``j s`` and
``x + (d(k-1)/2 - p) j``. Two stacked 3x3 stride-1 convolutions see 5x5 (Simonyan and Zisserman,
2015).

Branching models: the geometry rides on the tensors, not on the order of layers. A
torch-function mode follows every tensor through the forward pass; convolutions,
pooling (adaptive too), ``pad`` and strided slicing apply the rule above, and any
other operation with several inputs (a residual addition, an inception module's
concatenation) gives the union of its inputs' fields, which for aligned branches is
the largest. Flattening, or a linear layer, makes each unit see the union of every
position, and the jump is then undefined. Operations that resample in other ways
(interpolation, say) are treated as keeping the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from cnnlab.errors import ModelError
from cnnlab.models.forward import Call, Hooks, run_forward, tensors_in


@dataclass(frozen=True)
class Axis:
    """The field of the first unit along one axis; ``jump`` None once positions merge."""

    field: float
    jump: float | None
    start: float

    def through(self, kernel: float, stride: float, padding: float, dilation: int = 1) -> Axis:
        span = dilation * (kernel - 1)
        jump = 1.0 if self.jump is None else self.jump
        return Axis(
            self.field + span * jump, jump * stride, self.start + (span / 2 - padding) * jump
        )

    def merged(self, positions: int) -> Axis:
        """The union of the fields of ``positions`` units along this axis."""
        step = (positions - 1) * (self.jump or 0)
        return Axis(self.field + step, None, self.start + step / 2)


def union(axes: Sequence[Axis]) -> Axis:
    low = min(a.start - a.field / 2 for a in axes)
    high = max(a.start + a.field / 2 for a in axes)
    jumps = [a.jump for a in axes]
    jump = None if None in jumps else max(jumps)
    return Axis(high - low, jump, (low + high) / 2)


Field = tuple[Axis, Axis]  # (height, width)
INPUT: Field = (Axis(1.0, 1.0, 0.5), Axis(1.0, 1.0, 0.5))


def _pair(value, default) -> tuple:
    value = default if value is None else value
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _get(args: tuple, kwargs: dict, index: int, name: str, default=None):
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _conv(args, kwargs, x, out) -> list[tuple]:
    kernel = tuple(_get(args, kwargs, 1, "weight").shape[2:])
    stride = _pair(_get(args, kwargs, 3, "stride"), 1)
    dilation = _pair(_get(args, kwargs, 5, "dilation"), 1)
    padding = _get(args, kwargs, 4, "padding", 0)
    if isinstance(padding, str):  # "same" pads (d(k-1))//2 before, "valid" nothing
        padding = [
            d * (k - 1) // 2 if padding == "same" else 0
            for k, d in zip(kernel, dilation, strict=False)
        ]
    return list(zip(kernel, stride, _pair(padding, 0), dilation, strict=False))


def _pool(args, kwargs, x, out, dilation_index: int | None) -> list[tuple]:
    kernel = _pair(_get(args, kwargs, 1, "kernel_size"), None)
    stride = _pair(_get(args, kwargs, 2, "stride") or None, kernel)
    padding = _pair(_get(args, kwargs, 3, "padding"), 0)
    dilation = (1, 1)
    if dilation_index is not None:
        dilation = _pair(_get(args, kwargs, dilation_index, "dilation"), 1)
    return list(zip(kernel, stride, padding, dilation, strict=False))


def _adaptive(args, kwargs, x, out) -> list[tuple]:
    geometry = []
    for size_in, size_out in zip(x.shape[2:], out.shape[2:], strict=False):
        if size_in % size_out == 0:
            geometry.append((size_in // size_out, size_in // size_out, 0, 1))
        else:  # uneven bins: the widest bin, the mean step
            widest = max(
                math.ceil((i + 1) * size_in / size_out) - (i * size_in) // size_out
                for i in range(size_out)
            )
            geometry.append((widest, size_in / size_out, 0, 1))
    return geometry


def _pad(args, kwargs, x, out) -> list[tuple]:
    pad = list(_get(args, kwargs, 1, "pad"))
    left = pad[0] if len(pad) >= 2 else 0
    top = pad[2] if len(pad) >= 4 else 0
    return [(1, 1, top, 1), (1, 1, left, 1)]


def _slice(args, kwargs, x, out) -> list[tuple] | None:
    index = args[1] if len(args) > 1 else None
    if not isinstance(index, tuple) or len(index) < 4:
        return None
    if not all(isinstance(i, slice) for i in index[2:4]):
        return None
    return [(1, i.step or 1, -(i.start or 0), 1) for i in index[2:4]]


GEOMETRY = {
    "conv2d": _conv,
    "max_pool2d": lambda *a: _pool(*a, dilation_index=4),
    "avg_pool2d": lambda *a: _pool(*a, dilation_index=None),
    "adaptive_avg_pool2d": _adaptive,
    "adaptive_max_pool2d": _adaptive,
    "pad": _pad,
    "__getitem__": _slice,
}


class FieldTracker(TorchFunctionMode):
    """Follows each tensor's receptive field through the torch calls of a forward pass."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[int, Field] = {}
        self._alive: list[torch.Tensor] = []  # ids stay unique while the pass runs

    def set(self, tensor: torch.Tensor, field: Field) -> None:
        self.fields[id(tensor)] = field
        self._alive.append(tensor)

    def get(self, tensor: torch.Tensor) -> Field | None:
        return self.fields.get(id(tensor))

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        tracked = [t for t in tensors_in((args, kwargs)) if id(t) in self.fields]
        outputs = tensors_in(out)
        if tracked and outputs:
            geometry = GEOMETRY.get(getattr(func, "__name__", ""))
            for tensor in outputs:
                self.set(tensor, self._follow(geometry, args, kwargs, tracked, tensor))
        return out

    def _follow(self, geometry, args, kwargs, tracked, out) -> Field:
        x = tracked[0]
        spatial = x.dim() == 4 and out.dim() == 4 and self.fields[id(x)][0].jump is not None
        steps = geometry(args, kwargs, x, out) if geometry and spatial and x is args[0] else None
        if steps is not None:
            return tuple(a.through(*s) for a, s in zip(self.fields[id(x)], steps, strict=False))
        keeps_positions = out.dim() == 4 and all(
            t.dim() == 4 and t.shape[2:] == out.shape[2:] for t in tracked
        )
        fields = [
            self.fields[id(t)]
            if keeps_positions or t.dim() != 4
            else _merged(self.fields[id(t)], t)
            for t in tracked
        ]
        return (union([f[0] for f in fields]), union([f[1] for f in fields]))


def _merged(field: Field, tensor: torch.Tensor) -> Field:
    return (field[0].merged(tensor.shape[2]), field[1].merged(tensor.shape[3]))


@dataclass
class FieldRow:
    """One module call and the receptive field of its output's units."""

    index: int
    kind: str
    name: str
    depth: int
    output_shape: tuple[int, ...]
    field: Field | None  # None: the output does not derive from the input

    @property
    def label(self) -> str:
        return f"{self.kind}-{self.index}"


class _FieldRecorder(Hooks):
    def __init__(self, tracker: FieldTracker):
        self.tracker = tracker
        self.rows: list[FieldRow] = []
        self.open: list[tuple[FieldRow, torch.Tensor | None]] = []

    def start(self, x: torch.Tensor) -> None:
        self.tracker.set(x, INPUT)

    def enter(self, call: Call, inputs: list[torch.Tensor]) -> None:
        row = FieldRow(
            len(self.rows) + 1, type(call.module).__name__, call.name, call.depth, (), None
        )
        self.rows.append(row)
        self.open.append((row, inputs[0] if inputs else None))

    def leave(self, call: Call, outputs: list[torch.Tensor]) -> None:
        row, x = self.open.pop()
        if not outputs:
            return
        out = outputs[0]
        row.output_shape = tuple(out.shape)
        row.field = self.tracker.get(out)
        before = None if x is None else self.tracker.get(x)
        if before is not None and before[0].jump is not None and _lost(row.field, out):
            # A layer that works through unfold/reshape (the locally connected layer):
            # its own kernel_size, stride and padding give the geometry.
            row.field = _from_attributes(call.module, before) or row.field
            if row.field is not None:
                self.tracker.set(out, row.field)


def _lost(field: Field | None, out: torch.Tensor) -> bool:
    return out.dim() == 4 and (field is None or field[0].jump is None)


def _from_attributes(module: nn.Module, before: Field) -> Field | None:
    if not all(hasattr(module, a) for a in ("kernel_size", "stride", "padding")):
        return None
    kernel, stride = _pair(module.kernel_size, 1), _pair(module.stride, 1)
    padding, dilation = _pair(module.padding, 0), _pair(getattr(module, "dilation", 1), 1)
    if any(isinstance(v, str) for v in padding):
        return None
    return tuple(
        a.through(*g)
        for a, g in zip(before, zip(kernel, stride, padding, dilation, strict=False), strict=False)
    )


def receptive_field(
    model: nn.Module, input_shape: tuple[int, ...], *, device: str | torch.device = "meta"
) -> list[FieldRow]:
    """Field, jump and start of every layer's output, for one (C, H, W) input.

    Runs one forward pass (on the meta device unless ``device`` says otherwise) and
    follows the geometry through it; see the module docstring for branching models.
    """
    input_shape = tuple(int(d) for d in input_shape)
    if len(input_shape) != 3:
        raise ModelError(f"receptive fields need a (C, H, W) input shape, got {input_shape}")
    tracker = FieldTracker()
    recorder = _FieldRecorder(tracker)
    run_forward(model, input_shape, recorder, device=device, mode=lambda: tracker)
    return recorder.rows
