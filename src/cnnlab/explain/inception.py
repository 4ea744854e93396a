"""``explain inception``: the cost of GoogLeNet's module (Szegedy et al., 2014), naive and
with 1x1 "bottleneck" reductions, as the lectures count it: on a 28x28x256 input, 1x1 128,
3x3 192 and 5x5 96 convolutions and 3x3 pooling. The naive module takes 854M multiply-adds
and outputs 672 maps. The reductions of the paper's inception (3b), the module with these
widths (128 maps before the 3x3, 32 before the 5x5, 64 after the pooling), leave 480 maps
for 304M, the figure of the paper's table.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation, count


@dataclass(frozen=True)
class Branches:
    """The module's widths: its 1x1, 3x3 and 5x5 filters; 0 reductions for the naive one."""

    conv1: int = 128
    conv3: int = 192
    conv5: int = 96
    reduce3: int = 0  # 1x1 filters before the 3x3 convolution
    reduce5: int = 0  # 1x1 filters before the 5x5 convolution
    pool_proj: int = 0  # 1x1 filters after the pooling


def conv_ops(side: int, filters: int, kernel: int, depth: int) -> tuple[str, int]:
    """One convolution's multiply-adds, written out as the lectures write them."""
    return (
        f"[{kernel}x{kernel} conv, {filters}] {side}x{side}x{filters}x{kernel}x{kernel}x{depth}",
        side * side * filters * kernel * kernel * depth,
    )


def module_ops(side: int, depth: int, b: Branches) -> tuple[list[tuple[str, int]], int]:
    """Every convolution's multiply-adds, and the output depth."""
    terms = [conv_ops(side, b.conv1, 1, depth)]
    into3, into5 = depth, depth
    if b.reduce3:
        terms.append(conv_ops(side, b.reduce3, 1, depth))
        into3 = b.reduce3
    if b.reduce5:
        terms.append(conv_ops(side, b.reduce5, 1, depth))
        into5 = b.reduce5
    terms += [conv_ops(side, b.conv3, 3, into3), conv_ops(side, b.conv5, 5, into5)]
    pooled = depth
    if b.pool_proj:
        terms.append(conv_ops(side, b.pool_proj, 1, depth))
        pooled = b.pool_proj
    return terms, b.conv1 + b.conv3 + b.conv5 + pooled


def explain_inception(
    side: int = 28, depth: int = 256, reduced: Branches | None = None
) -> Derivation:
    """The naive module and ``reduced`` (default: inception (3b)'s reductions) on a
    side x side x depth input."""
    reduced = reduced or Branches(reduce3=128, reduce5=32, pool_proj=64)
    widths = [side, depth, reduced.conv1, reduced.conv3, reduced.conv5]
    if min(widths) < 1 or min(reduced.reduce3, reduced.reduce5, reduced.pool_proj) < 0:
        raise ConfigError(
            f"--side, --depth and the filter counts must be positive (reductions >= 0, 0: "
            f"none), found {reduced} on {side}x{side}x{depth}"
        )
    step = Derivation(
        "inception", f"Inception module on {side}x{side}x{depth}: naive against 1x1 reductions"
    )
    naive = Branches(reduced.conv1, reduced.conv3, reduced.conv5)
    for name, branches in (("naive", naive), ("reduced", reduced)):
        terms, out_depth = module_ops(side, depth, branches)
        total = sum(ops for _, ops in terms)
        step.add(f"{name} module:")
        step.steps += [f"  {text} = {count(ops)}" for text, ops in terms]
        step.add(
            f"  total {count(total)} multiply-adds ({total / 1e6:.0f}M); output "
            f"{side}x{side}x{out_depth}",
            **{f"{name}_ops": total, f"{name}_depth": out_depth},
        )
    ratio = step.values["naive_ops"] / step.values["reduced_ops"]
    step.add(f"the reductions cut the work {ratio:.1f} times", ratio=ratio)
    return step
