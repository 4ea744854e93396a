"""What a classic classifier sees: raw pixels, or the activations of a trained network.

The lectures compare nearest neighbours and linear classifiers on pixels with the same
classifiers on CNN features ("use the network as a feature extractor, train an SVM on the
extracted features"). Both give one float32 row per image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab.data import Dataset
from cnnlab.errors import DataError
from cnnlab.train.run import Run
from cnnlab.viz.activations import capture, find_layer

BATCH_SIZE = 512


@dataclass
class Features:
    values: np.ndarray  # float32 (N, D)
    labels: np.ndarray  # int64 (N,)
    source: str  # "pixels" or "RUN, layer NAME", for tables and reports
    data: str  # the dataset's name

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def dim(self) -> int:
        return self.values.shape[1]


def pixel_features(dataset: Dataset) -> Features:
    """Every pixel of every channel on the 0..1 scale, flattened: the lectures' raw input."""
    values = dataset.images.reshape(len(dataset), -1).float().div_(255).numpy()
    return Features(values, dataset.labels.numpy(), "pixels", dataset.name)


def run_features(run: Run, dataset: Dataset, layer: str | None = None) -> Features:
    """The activations of ``run``'s trained network for every image of ``dataset``.

    ``layer``: a module name (its output, flattened); None: the model's image code, the
    input of its classifier (``forward_head(pre_logits=True)``: LeNet-5's F6, AlexNet's
    fc7). Images of another size than the run's are resized; the channel count must match.
    """
    channels, height, width = run.image_shape
    if dataset.image_shape[0] != channels:
        raise DataError(
            f"dataset {dataset.name!r} has {dataset.image_shape[0]}-channel images; the "
            f"network of {run.path} was trained on {channels}-channel images"
        )
    model = run.model.eval()
    module = None if layer is None else find_layer(model, layer)
    rows = []
    for start in range(0, len(dataset), BATCH_SIZE):
        images = dataset.images[start : start + BATCH_SIZE]
        if images.shape[-2:] != (height, width):
            images = F.interpolate(
                images.float(), size=(height, width), mode="bilinear", antialias=True
            )
            images = images.round().clamp(0, 255).to(torch.uint8)
        batch = run.prepare(images)
        with torch.no_grad():
            if module is None:
                code = model.forward_head(model.forward_features(batch), pre_logits=True)
            else:
                code = capture(model, module, batch)
        rows.append(code.flatten(1))
    values = torch.cat(rows).float().cpu().numpy()
    where = layer or f"input of {model.head_layers[0]}"
    return Features(values, dataset.labels.numpy(), f"{run.path}, {where}", dataset.name)
