"""Convolution arithmetic along one axis: the output size (W - F + 2P)/S + 1 and whether
the stride fits.

A window F (dilated: (F - 1) D + 1) slides over an input W padded by P on each side in
steps of S; the lectures require (W - F + 2P) to be a multiple of S, so that the last
window ends at the border. PyTorch drops the remainder silently; cnnlab's spec builder
and ``cnnlab explain conv`` say so and suggest the paddings that fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class AxisOutput:
    """The output size along one axis, and the numbers it came from."""

    size: int  # W, the input
    span: int  # F, or (F - 1) D + 1 when dilated
    stride: int  # S
    pad: int  # P, on each side

    @property
    def exact(self) -> Fraction:
        """(W - F + 2P)/S + 1 as a fraction: a whole number when the stride fits."""
        return Fraction(self.size - self.span + 2 * self.pad, self.stride) + 1

    @property
    def fits(self) -> bool:
        return self.exact.denominator == 1 and self.exact >= 1

    @property
    def floor(self) -> int:
        """What PyTorch computes: the last, incomplete window dropped."""
        return (self.size - self.span + 2 * self.pad) // self.stride + 1

    def formula(self) -> str:
        """The formula with the numbers filled in: ``(32 - 5 + 2*0)/1 + 1 = 28``."""
        value = self.exact
        shown = str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
        return f"({self.size} - {self.span} + 2*{self.pad})/{self.stride} + 1 = {shown}"


def dilated_span(kernel: int, dilation: int = 1) -> int:
    return (kernel - 1) * dilation + 1


def fitting_paddings(size: int, span: int, stride: int, count: int = 3) -> list[int]:
    """The smallest ``count`` paddings P >= 0 with (W - F + 2P) a multiple of S and at least
    one output; none when S is even and W - F is odd (2P is always even)."""
    found = []
    for pad in range(0, span + stride * 2 + 1):
        if AxisOutput(size, span, stride, pad).fits:
            found.append(pad)
            if len(found) == count:
                break
    return found


def same_for_stride_one(span: int) -> int | None:
    """The padding that keeps the size at stride 1, (F - 1)/2; None for an even window."""
    return (span - 1) // 2 if span % 2 else None
