"""Class-score maps: a trained classifier slid over a larger image in one pass.

Its fully connected head, rewritten as convolutions by :func:`cnnlab.nn.convolutionize`,
turns an image larger than the training size into a grid of class scores, one per window
of the training size, ``stride`` pixels apart (Sermanet et al., 2013, OverFeat; Long et al.,
2015). :func:`sliding_scores` computes the same grid the slow way, window by window, to
check it and to measure what the one pass saves.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnnlab.data.preprocess import WHITENING, Preprocess
from cnnlab.errors import ConfigError, DataError
from cnnlab.nn import convolutionize


@dataclass
class ClassMap:
    scores: torch.Tensor  # (classes, rows, columns): each class's score per window
    window: tuple[int, int]  # (height, width) of a window: the training input size
    stride: int  # pixels between neighbouring windows

    @property
    def best(self) -> torch.Tensor:
        """(rows, columns): the class with the highest score in each window."""
        return self.scores.argmax(0)

    def window_origin(self, row: int, column: int) -> tuple[int, int]:
        """Top-left pixel (y, x) of the window behind ``scores[:, row, column]``."""
        return row * self.stride, column * self.stride


def output_stride(model: nn.Module, input_shape: tuple[int, int, int]) -> int:
    """Pixels between neighbouring windows of the fully convolutional ``model``: the map
    grows by one row for every ``stride`` rows added to the input."""
    channels, height, width = input_shape
    param = next(model.parameters())
    rows = []
    for extra in (0, 64):
        probe = torch.zeros(1, channels, height + extra, width, dtype=param.dtype)
        with torch.no_grad():
            rows.append(model(probe.to(param.device)).shape[-2])
    if rows[1] == rows[0] or 64 % (rows[1] - rows[0]):
        raise ConfigError(
            f"class map: the convolutionized network's map grows from {rows[0]} to {rows[1]} "
            "rows for 64 more input rows; expected a whole number of pixels per window step"
        )
    return 64 // (rows[1] - rows[0])


def class_map(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    pixels: torch.Tensor,
    preprocess: Preprocess | None = None,
) -> ClassMap:
    """The class scores of every ``input_shape`` window of ``pixels`` (1, C, H, W on 0..1,
    at least the training size), from one pass of ``model`` convolutionized."""
    check_pixels(pixels, input_shape)
    if preprocess is not None and preprocess.kind in WHITENING:
        raise ConfigError(
            f"class map: the run's {preprocess.kind} whitening is fitted on whole "
            f"{'x'.join(map(str, input_shape))} images and cannot slide; expected per-channel "
            "preprocessing (none, mean or standardize)"
        )
    dense = convolutionize(model, input_shape).eval()
    x = preprocess(pixels) if preprocess is not None else pixels
    with torch.no_grad():
        scores = dense(x.to(next(dense.parameters()).device))[0].float().cpu()
    return ClassMap(scores, input_shape[1:], output_stride(dense, input_shape))


def sliding_scores(
    model: nn.Module, pixels: torch.Tensor, window: tuple[int, int], stride: int
) -> torch.Tensor:
    """(classes, rows, columns): ``model`` run on each ``window`` crop of ``pixels``
    (1, C, H, W, already preprocessed), ``stride`` pixels apart, one crop per call."""
    height, width = window
    rows = (pixels.shape[-2] - height) // stride + 1
    columns = (pixels.shape[-1] - width) // stride + 1
    scores = torch.empty(0)
    with torch.no_grad():
        for row in range(rows):
            for column in range(columns):
                top, left = row * stride, column * stride
                crop = pixels[..., top : top + height, left : left + width]
                logits = model(crop)[0].float().cpu()
                if scores.numel() == 0:
                    scores = torch.empty(len(logits), rows, columns)
                scores[:, row, column] = logits
    return scores


def check_pixels(pixels: torch.Tensor, input_shape: tuple[int, int, int]) -> None:
    channels, height, width = input_shape
    if (
        pixels.dim() != 4
        or pixels.shape[:2] != (1, channels)
        or pixels.shape[-2] < height
        or pixels.shape[-1] < width
    ):
        raise DataError(
            f"class map: expected one image (1, {channels}, H, W) with H >= {height} and "
            f"W >= {width} (the training size), found {tuple(pixels.shape)}"
        )
