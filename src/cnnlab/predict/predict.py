"""Class probabilities for image files, or for a split of the run's data, batch by batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cnnlab.data.augment import crop_pad
from cnnlab.data.fitting import FIT_POLICIES, INVERT_MODES, FitSpec, fit_file
from cnnlab.data.images import BadImage, default_workers
from cnnlab.data.tta import TTA_MODES
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError, DataError
from cnnlab.predict.sources import expand_images
from cnnlab.train.run import Run

BATCH_SIZE = 256
ON_BAD_IMAGE = ("list", "fail")
Progress = Callable[[int, int], None]  # called with (images done, images in all)


@dataclass
class Prediction:
    source: str  # the file, or SPLIT[INDEX]
    top: list[tuple[str, float]]  # (class name, probability), most probable first
    inverted: bool = False  # the image was inverted to match the training polarity
    label: str | None = None  # the true class, for a split's images
    error: str | None = None  # why the file could not be used; ``top`` is then empty


@dataclass
class Predictions:
    rows: list[Prediction]
    fit: str  # the size policy
    invert: str  # the polarity mode
    training_border: float | None  # the training images' border mean, 0..255
    tta: str = "none"

    @property
    def errors(self) -> list[Prediction]:
        return [row for row in self.rows if row.error]


@dataclass
class SplitPredictions(Predictions):
    split: str = "test"
    accuracy: float = 0.0  # top-1, as `cnnlab eval` measures it
    count: int = 0


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, found {value!r}")


def check_options(top: int, batch_size: int, tta: str) -> None:
    check_choice("--tta", tta, TTA_MODES)
    if top < 1:
        raise ConfigError(f"--top: expected a number of classes >= 1, found {top}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size: expected a number >= 1, found {batch_size}")


@torch.no_grad()
def probabilities(run: Run, images: torch.Tensor, tta: str = "none") -> torch.Tensor:
    """Class probabilities (N, K) for uint8 images at the run's image shape: ``run.predict``,
    or the mean softmax of the test-time views exactly as `cnnlab eval --tta` takes them."""
    if tta == "none":
        return run.predict(images, batch_size=len(images) or 1)
    run.check_images(images)
    _, height, width = run.input_shape
    pixels = images.to(run.device).float().div_(255)
    probs = tta_predict(
        run.model,
        pixels,
        tta,
        size=min(height, width),
        preprocess=run.preprocess,
        pad=crop_pad(run.config.augmentation),
    )
    return probs.cpu()


def top_classes(run: Run, probs: torch.Tensor, top: int) -> list[list[tuple[str, float]]]:
    values, indices = probs.topk(min(top, probs.shape[1]), dim=1)
    return [
        [(run.classes[i], float(p)) for p, i in zip(row_p, row_i, strict=True)]
        for row_p, row_i in zip(values.tolist(), indices.tolist(), strict=True)
    ]


class FittedFiles(torch.utils.data.Dataset):
    """Files decoded and fitted on access (in DataLoader worker processes)."""

    def __init__(self, paths: Sequence[Path], spec: FitSpec):
        self.paths, self.spec = list(paths), spec

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        return index, fit_file(self.paths[index], self.spec)


def fitted_batches(paths: Sequence[Path], spec: FitSpec, batch_size: int, workers: int | None):
    """(indices, fitted images) batches in order, decoded by ``workers`` processes."""
    workers = default_workers(len(paths)) if workers is None else workers
    return torch.utils.data.DataLoader(
        FittedFiles(paths, spec),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=list,
        persistent_workers=False,
    )


def predict_files(
    run: Run,
    images: Sequence[str | Path],
    *,
    fit: str | None = None,
    invert: str = "auto",
    top: int = 3,
    batch_size: int = BATCH_SIZE,
    tta: str = "none",
    on_bad_image: str = "list",
    workers: int | None = None,
    progress: Progress | None = None,
) -> Predictions:
    """The ``top`` classes of every image file that ``images`` names (files, folders,
    globs). ``fit``: one of FIT_POLICIES; by default the run's own (``crop`` for published
    ImageNet weights, whose images are resized by their short side), else ``pad``. A file
    that cannot be used is a row with its ``error``; with ``on_bad_image`` ``fail`` it is a
    DataError instead, raised before anything is predicted."""
    fit = fit or run.meta.get("fit", "pad")
    check_choice("--fit", fit, FIT_POLICIES)
    check_choice("--invert", invert, INVERT_MODES)
    check_choice("--on-bad-image", on_bad_image, ON_BAD_IMAGE)
    check_options(top, batch_size, tta)
    paths, missing = expand_images(images)
    if on_bad_image == "fail" and missing:
        raise DataError(f"{missing[0]}")
    if not paths and not missing:
        raise DataError("no images given: expected image files, folders or globs")
    border = run.training_border() if invert == "auto" else None
    spec = FitSpec.for_images(run.image_shape, run.config.pad, fit, invert, border)
    rows: list[Prediction | None] = [None] * len(paths)
    done = 0
    for batch in fitted_batches(paths, spec, batch_size, workers):
        good = [(i, item) for i, item in batch if not isinstance(item, BadImage)]
        for i, item in batch:
            if isinstance(item, BadImage):
                if on_bad_image == "fail":
                    raise DataError(f"{item}")
                rows[i] = Prediction(str(paths[i]), [], error=item.reason)
        if good:
            pixels = torch.from_numpy(np.stack([item.pixels for _, item in good]))
            tops = top_classes(run, probabilities(run, pixels, tta), top)
            for (i, item), best in zip(good, tops, strict=True):
                rows[i] = Prediction(str(paths[i]), best, inverted=item.inverted)
        done += len(batch)
        if progress:
            progress(done, len(paths))
    listed = [Prediction(str(bad.path), [], error=bad.reason) for bad in missing]
    return Predictions([r for r in rows if r is not None] + listed, fit, invert, border, tta)


def split_batches(images: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    for first in range(0, len(images), batch_size):
        yield images[first : first + batch_size]


def predict_split(
    run: Run,
    split: str = "test",
    *,
    top: int = 3,
    batch_size: int = BATCH_SIZE,
    tta: str = "none",
    progress: Progress | None = None,
) -> SplitPredictions:
    """The ``top`` classes of every image of the run's ``split``, and the top-1 accuracy:
    the same images, batches and arithmetic as `cnnlab eval`."""
    check_options(top, batch_size, tta)
    dataset = run.dataset(split)
    rows, correct = [], 0
    for first, images in zip(
        range(0, len(dataset), batch_size), split_batches(dataset.images, batch_size), strict=True
    ):
        probs = probabilities(run, images, tta)
        labels = dataset.labels[first : first + len(images)]
        correct += int((probs.argmax(1) == labels).sum())
        for offset, best in enumerate(top_classes(run, probs, top)):
            label = run.classes[int(labels[offset])]
            rows.append(Prediction(f"{split}[{first + offset}]", best, label=label))
        if progress:
            progress(first + len(images), len(dataset))
    accuracy = correct / max(1, len(dataset))
    return SplitPredictions(rows, "none", "no", None, tta, split, accuracy, len(dataset))
