"""``explain toeplitz``: a convolution written as one matrix product.

The kernel u (h x w) becomes the convolution matrix U of shape (H-h+1)(W-w+1) x HW: row i
is output i, column j input j, and U[i, j] is the kernel value input j is multiplied by
in output i. Then v(x * u) = U v(x), v flattening row by row. The lectures' example: a
4x4 input and a 3x3 kernel give [[122, 148], [126, 134]]. (Convolution in deep learning
is cross-correlation: the kernel is not flipped.)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab.errors import ConfigError
from cnnlab.explain.derivation import Derivation

LECTURE_INPUT = [[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]]
LECTURE_KERNEL = [[1, 4, 1], [1, 4, 3], [3, 3, 1]]
MAX_SIDE = 16  # the matrix has (H-h+1)(W-w+1) x HW entries: printable up to here


def parse_matrix(text: str, option: str) -> np.ndarray:
    """``"4,5,8,7;1,8,8,8"``: rows split by ';', values by ','."""
    try:
        rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
    except ValueError:
        rows = []
    if not rows or any(len(row) != len(rows[0]) for row in rows):
        raise ConfigError(
            f"{option} must be rows of numbers such as '1,2;3,4' (rows split by ';', all "
            f"of one length), found {text!r}"
        )
    matrix = np.array(rows)
    if not np.isfinite(matrix).all() or max(matrix.shape) > MAX_SIDE:
        raise ConfigError(
            f"{option} must hold finite numbers, at most {MAX_SIDE} per side, found {text!r}"
        )
    return matrix


def convolution_matrix(kernel: np.ndarray, input_shape: tuple[int, int]) -> np.ndarray:
    """U: one row per output position, the kernel laid out where it meets the input."""
    (height, width), (h, w) = input_shape, kernel.shape
    out_h, out_w = height - h + 1, width - w + 1
    matrix = np.zeros((out_h * out_w, height * width), dtype=kernel.dtype)
    for row in range(out_h):
        for col in range(out_w):
            placed = np.zeros((height, width), dtype=kernel.dtype)
            placed[row : row + h, col : col + w] = kernel
            matrix[row * out_w + col] = placed.ravel()
    return matrix


def shown(array: np.ndarray) -> list:
    """Whole numbers as ints, so the lecture's integers print as integers."""
    whole = np.all(array == np.round(array))
    return array.astype(np.int64).tolist() if whole else array.tolist()


def explain_toeplitz(x: np.ndarray | None = None, kernel: np.ndarray | None = None) -> Derivation:
    x = np.array(LECTURE_INPUT, dtype=np.float64) if x is None else x
    kernel = np.array(LECTURE_KERNEL, dtype=np.float64) if kernel is None else kernel
    if kernel.shape[0] > x.shape[0] or kernel.shape[1] > x.shape[1]:
        raise ConfigError(
            f"--kernel of {kernel.shape[0]}x{kernel.shape[1]} must fit inside --input of "
            f"{x.shape[0]}x{x.shape[1]}"
        )
    out_shape = (x.shape[0] - kernel.shape[0] + 1, x.shape[1] - kernel.shape[1] + 1)
    matrix = convolution_matrix(kernel, x.shape)
    flat = x.ravel()
    product = matrix @ flat
    result = product.reshape(out_shape)
    torch_result = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(kernel)[None, None])
    step = Derivation(
        "toeplitz",
        f"Convolution as a matrix product: input {x.shape[0]}x{x.shape[1]}, kernel "
        f"{kernel.shape[0]}x{kernel.shape[1]}, output {out_shape[0]}x{out_shape[1]}",
    )
    step.add(f"x = {shown(x)}", input=shown(x))
    step.add(f"u = {shown(kernel)}", kernel=shown(kernel))
    step.add(
        f"U, the convolution matrix ({matrix.shape[0]} x {matrix.shape[1]}: one row per output, "
        "one column per input):",
        matrix=shown(matrix),
    )
    step.steps += [f"  {row}" for row in shown(matrix)]
    step.add(f"v(x), the input flattened row by row = {shown(flat)}", flattened=shown(flat))
    step.add(f"U v(x) = {shown(product)}", product=shown(product))
    step.add(
        f"reshaped to {out_shape[0]}x{out_shape[1]}: x * u = {shown(result)}", result=shown(result)
    )
    agrees = bool(np.allclose(torch_result[0, 0].numpy(), result))
    step.add(f"PyTorch's conv2d (cross-correlation) gives the same: {agrees}", torch_agrees=agrees)
    return step
