"""One forward pass with a hook on every module, on the meta device by default.

On the meta device tensors carry shapes but no data, so the pass costs no
arithmetic: summarising VGG-16 or ResNet-152 takes milliseconds and allocates
nothing. The model's own weights are left alone: the pass swaps in meta stand-ins
(``torch.func.functional_call``) and restores each module's training flag after.

A pass that fails is turned into a :class:`~cnnlab.errors.ModelError` naming the
layer it failed in; when a larger input would have worked (the spatial size reached
zero), the error also gives the smallest input that works.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from cnnlab.errors import ModelError

# Pure containers only route their input to their children: torchsummary's convention
# (and the lecture's tables) give them no row of their own.
CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
LARGEST_SEARCHED = 4096  # the smallest-working-input search gives up above this side
# What a pass on a wrong shape raises (NotImplementedError: an operation meta tensors lack).
FAILURES = (RuntimeError, ValueError, IndexError, NotImplementedError)
# How PyTorch says that a spatial size fell to zero (convolution, pooling, padding).
TOO_SMALL_HINTS = ("too small", "Kernel size can't be greater", "should be at most half")


@dataclass
class Call:
    """One module call in progress or done: where it sits and what it received."""

    module: nn.Module
    name: str  # qualified name in the model ("layer1.0.conv1")
    depth: int  # 1 for the model's outermost layers; pure containers do not count
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)


class Hooks:
    """What a pass reports to: ``start`` gets the input, ``enter`` and ``leave`` each layer."""

    def start(self, x: torch.Tensor) -> None:
        pass

    def enter(self, call: Call, inputs: list[torch.Tensor]) -> None:
        pass

    def leave(self, call: Call, outputs: list[torch.Tensor]) -> None:
        pass


def tensors_in(value: Any) -> list[torch.Tensor]:
    """The tensors in a module's input or output (a tensor, or tuples and lists of them)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors_in(item)]
    return []


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


class _SpatialZero(RuntimeError):
    pass


class MetaShortcuts(TorchFunctionMode):
    """Shape-only results for normalisation layers on meta tensors.

    Their meta kernels run PyTorch's Python decompositions, most of the time of a
    pass over a batch-normalised network; the output is simply the input's shape.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in SHAPE_KEEPING and args and isinstance(args[0], torch.Tensor) and args[0].is_meta:
            return torch.empty_like(args[0])
        return func(*args, **kwargs)


SHAPE_KEEPING = frozenset({"batch_norm", "instance_norm", "layer_norm", "group_norm"})


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Evaluation mode for the pass (no dropout draws, no dropped blocks), then as it was."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in flags:
            module.training = training


@contextmanager
def _hooked(model: nn.Module, hooks: Hooks, stack: list[Call]) -> Iterator[None]:
    depths: dict[nn.Module, int] = {model: 0}
    handles = []
    for name, module in model.named_modules():
        if module is model:
            continue
        parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
        depths[module] = depths[parent] + (0 if isinstance(module, CONTAINERS) else 1)
        if isinstance(module, CONTAINERS):
            continue

        def enter(mod, args, *, name=name) -> None:
            inputs = tensors_in(args)
            call = Call(mod, name, depths[mod], [tuple(t.shape) for t in inputs])
            stack.append(call)
            hooks.enter(call, inputs)

        def leave(mod, args, output) -> None:
            call = stack.pop()
            outputs = tensors_in(output)
            for tensor in outputs:
                if tensor.dim() >= 3 and 0 in tensor.shape[2:]:
                    stack.append(call)
                    raise _SpatialZero(f"output {list(tensor.shape)}")
            hooks.leave(call, outputs)

        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(leave))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _call(model: nn.Module, x: torch.Tensor) -> None:
    """The model on ``x``'s device; on meta, with meta stand-ins for weights and buffers."""
    named = list(
        itertools.chain(
            model.named_parameters(remove_duplicate=False),
            model.named_buffers(remove_duplicate=False),
        )
    )
    with torch.no_grad():
        if x.is_meta and any(not t.is_meta for _, t in named):
            stand_ins = {name: torch.empty_like(t, device="meta") for name, t in named}
            torch.func.functional_call(model, stand_ins, (x,))
        else:
            model(x)


def run_forward(
    model: nn.Module,
    input_shape: tuple[int, ...],
    hooks: Hooks,
    *,
    device: str | torch.device = "meta",
    mode: Callable[[], Any] | None = None,
) -> None:
    """Run ``model`` once on a batch of one ``input_shape`` input, reporting to ``hooks``.

    ``mode`` makes a context (a dispatch mode, say) entered around the forward only.
    Raises a :class:`ModelError` naming the layer if the pass fails.
    """
    if not input_shape or not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise ModelError(f"an input shape must be positive sizes (C, H, W), got {input_shape}")
    stack: list[Call] = []
    x = torch.zeros(1, *input_shape, device=device)
    try:
        with ExitStack() as contexts:
            contexts.enter_context(eval_mode(model))
            contexts.enter_context(_hooked(model, hooks, stack))
            contexts.enter_context(MetaShortcuts())  # outermost: other modes still see the op
            if mode is not None:
                contexts.enter_context(mode())
            hooks.start(x)
            _call(model, x)
    except FAILURES as exc:
        raise _explain(model, input_shape, device, stack, exc) from exc


def _attempt(
    model: nn.Module, input_shape: tuple[int, ...], device: str | torch.device
) -> Exception | None:
    """The error a pass on ``input_shape`` raises, or None if it runs."""
    try:
        with eval_mode(model), _hooked(model, Hooks(), []), MetaShortcuts():
            _call(model, torch.zeros(1, *input_shape, device=device))
    except FAILURES as exc:
        return exc
    return None


def too_small(exc: BaseException) -> bool:
    """Whether a failed pass failed because a spatial size reached zero."""
    return isinstance(exc, _SpatialZero) or any(hint in str(exc) for hint in TOO_SMALL_HINTS)


def smallest_working_side(
    model: nn.Module, input_shape: tuple[int, ...], device: str | torch.device = "meta"
) -> tuple[int | None, int | None]:
    """The least side ``s`` (each spatial side raised to at least ``s``) that runs.

    Returns ``(s, None)``, or ``(None, s0)`` when sides from ``s0`` keep every spatial
    size above zero but no side up to ``s0 + 256`` runs (a classifier that needs one
    exact size), or ``(None, None)`` when nothing up to 4096 gets that far. Doubling
    then bisection find ``s0``; the few sizes above it are tried in turn.
    """
    channels, *sides = input_shape

    def attempt(side: int) -> Exception | None:
        return _attempt(model, (channels, *(max(d, side) for d in sides)), device)

    def small(side: int) -> bool:
        exc = attempt(side)
        return exc is not None and too_small(exc)

    low = high = max(sides)
    while small(high):
        low, high = high, high * 2
        if high > LARGEST_SEARCHED:
            return None, None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if not small(middle) else (middle, high)
    for side in range(high, high + 256):
        if attempt(side) is None:
            return side, None
    return None, high


def _expected(call: Call) -> str | None:
    """What a convolution or linear layer expected, where its input disagrees."""
    if not call.input_shapes:
        return None
    shape, channels = call.input_shapes[0], getattr(call.module, "in_channels", None)
    features = getattr(call.module, "in_features", None)
    if isinstance(channels, int) and len(shape) == 4 and shape[1] != channels:
        return f"it expects {channels} input channels, got {shape[1]}"
    if isinstance(features, int) and shape[-1] != features:
        return f"it expects {features} input features, got {shape[-1]}"
    return None


def _explain(
    model: nn.Module,
    input_shape: tuple[int, ...],
    device: str | torch.device,
    stack: list[Call],
    exc: Exception,
) -> ModelError:
    where = "the model's own forward"
    if stack:
        call = stack[-1]
        received = ", ".join(shape_text(s[1:]) for s in call.input_shapes) or "nothing"
        where = f"{type(call.module).__name__} {call.name!r} (its input: {received})"
    given = shape_text(input_shape)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, NotImplementedError) or "meta tensor" in detail:
        return ModelError(
            f"{where} cannot run on the meta device ({detail}); summarise the model on a "
            "real device instead (device='cpu', or --device cpu)"
        )
    if not too_small(exc):
        detail = (_expected(stack[-1]) if stack else None) or detail
        return ModelError(f"input {given} does not fit this model: {where} failed: {detail}")
    side, passes = smallest_working_side(model, input_shape, device)

    def grown(s: int) -> str:
        return shape_text((input_shape[0], *(max(d, s) for d in input_shape[1:])))

    if side is not None:
        advice = f"the smallest input that works is {grown(side)}"
    elif passes is not None:
        advice = f"from {grown(passes)} the sizes stay above zero, but no nearby size runs"
    else:
        advice = f"no input up to {LARGEST_SEARCHED}x{LARGEST_SEARCHED} runs"
    return ModelError(
        f"input {given} is too small for this model: the spatial size reaches zero in "
        f"{where}; {advice}"
    )
