"""``cnnlab.summary(model, input_shape)``: one row per layer, then the model's totals.

Decomposed as torchinfo is: this entry point runs one forward pass, a per-layer
record (:class:`LayerRow`) is made for every module call, the model statistics
(:class:`ModelSummary`: totals and the memory estimate) are computed from the
records, and :mod:`cnnlab.inspect.summary_render` prints them.

What is counted
---------------
- **Rows**: every module call except the model itself and pure containers
  (``nn.Sequential``, ``nn.ModuleList``, ``nn.ModuleDict``), in the order the calls
  start; a module called three times (one ReLU reused in a residual block) gives
  three rows. A row's depth counts its non-container ancestors; a row's parameters
  and MACs include those of the layers inside it (an inception module's row is the
  sum of its branches).
- **MACs**: one multiply-add is 1, torchvision's "GFLOPS" convention. Counted:
  convolutions (any groups, dilation, stride; ``k_h * k_w * C_in / groups`` per
  output element) and matrix products (linear layers, ``bmm``/``einsum``, as the
  locally connected layer uses). Not counted: biases, normalisation, activations,
  pooling, additions and concatenations, softmax, local response normalisation.
  The same count as PyTorch's ``FlopCounterMode`` halved (see
  :mod:`cnnlab.inspect.summary_macs`).
- **Parameters**: total, trainable (``requires_grad``) and non-trainable, each
  shared tensor once.
- **Memory** (torchsummary's convention, float32, MB = 2**20 bytes): the input;
  the forward/backward pass, twice the sum of every row's output size (outputs kept
  for the backward pass, and their gradients); the parameters; and their total.
  With these rules the lecture tables of VGG-16 and AlexNet come out to the digit: VGG-16
  without an adaptive pool 0.57 / 218.59 / 527.79 / 746.96 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from cnnlab.inspect.summary_macs import MacCounter
from cnnlab.models.forward import Call, Hooks, run_forward

BYTES_PER_VALUE = 4  # float32
MB = 2**20


@dataclass
class LayerRow:
    """One module call: what it is, where it sits, what it made and what it cost."""

    index: int  # 1-based, in the order the calls start
    kind: str  # the module's class name
    name: str  # its qualified name in the model
    depth: int  # 1 for the outermost layers
    output_shapes: list[tuple[int, ...]] = field(default_factory=list)  # batch of one
    params: int = 0  # of this layer and the layers inside it
    macs: int = 0  # of this call, the layers inside it included

    @property
    def label(self) -> str:
        return f"{self.kind}-{self.index}"

    @property
    def output_size(self) -> int:
        return sum(_numel(s) for s in self.output_shapes)


@dataclass(frozen=True)
class MemoryEstimate:
    """Megabytes (2**20 bytes) of float32 values, as torchsummary estimates them."""

    input_mb: float
    forward_backward_mb: float
    params_mb: float

    @property
    def total_mb(self) -> float:
        return self.input_mb + self.forward_backward_mb + self.params_mb


@dataclass
class ModelSummary:
    """The per-layer rows of one forward pass and the model's totals."""

    input_shape: tuple[int, ...]  # (C, H, W), batch of one
    rows: list[LayerRow]
    total_params: int
    trainable_params: int
    total_macs: int
    depth: int | None = 3  # rows deeper than this are left out when printed; None: all
    title: str = "model"

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def memory(self) -> MemoryEstimate:
        outputs = sum(row.output_size for row in self.rows)
        return MemoryEstimate(
            input_mb=_numel(self.input_shape) * BYTES_PER_VALUE / MB,
            forward_backward_mb=2 * outputs * BYTES_PER_VALUE / MB,
            params_mb=self.total_params * BYTES_PER_VALUE / MB,
        )

    def visible_rows(self) -> list[LayerRow]:
        return [r for r in self.rows if self.depth is None or r.depth <= self.depth]

    def __str__(self) -> str:
        from cnnlab.inspect.summary_render import render_text

        return render_text(self)


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for d in shape:
        count *= d
    return count


class _Recorder(Hooks):
    """Makes a :class:`LayerRow` for every call, reading MACs off a running counter."""

    def __init__(self, counter: MacCounter, params: dict[nn.Module, int]):
        self.counter, self.params = counter, params
        self.rows: list[LayerRow] = []
        self.open: list[tuple[LayerRow, int]] = []

    def enter(self, call: Call, inputs: list[torch.Tensor]) -> None:
        kind = type(call.module).__name__
        row = LayerRow(len(self.rows) + 1, kind, call.name, call.depth)
        row.params = self.params[call.module]
        self.rows.append(row)
        self.open.append((row, self.counter.total))

    def leave(self, call: Call, outputs: list[torch.Tensor]) -> None:
        row, macs_before = self.open.pop()
        row.output_shapes = [tuple(t.shape) for t in outputs]
        row.macs = self.counter.total - macs_before


def summary(
    model: nn.Module,
    input_shape: tuple[int, ...],
    *,
    depth: int | None = 3,
    device: str | torch.device = "meta",
) -> ModelSummary:
    """Summarise ``model`` on one input of ``input_shape`` (C, H, W; no batch dimension).

    The pass runs on the meta device (no arithmetic, the model untouched) unless
    ``device`` names a real one the model lives on. ``depth`` limits the printed rows,
    not the totals. Raises :class:`~cnnlab.errors.ModelError` naming the layer where an
    input does not fit, with the smallest input that works when it is too small.

    >>> print(summary(models.create("lenet5"), (1, 32, 32)))  # doctest: +SKIP
    """
    input_shape = tuple(int(d) for d in input_shape)
    params = {m: sum(p.numel() for p in m.parameters()) for m in model.modules()}
    counter = MacCounter()
    recorder = _Recorder(counter, params)
    run_forward(model, input_shape, recorder, device=device, mode=lambda: counter)
    unique = list(model.parameters())
    return ModelSummary(
        input_shape=input_shape,
        rows=recorder.rows,
        total_params=sum(p.numel() for p in unique),
        trainable_params=sum(p.numel() for p in unique if p.requires_grad),
        total_macs=counter.total,
        depth=depth,
        title=getattr(model, "cnnlab_name", type(model).__name__),
    )
