"""What a trained run learned, as pictures (see :mod:`cnnlab.figure`): its evaluation's
confusion matrix, its filters, one layer's feature maps, the patches that excite a unit
most, its worst mistakes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.figure import Picture
from cnnlab.train.evaluate import EvalResult, confusion_name, evaluate_run
from cnnlab.train.run import Run
from cnnlab.viz.activations import feature_maps, first_conv_name, plot_feature_maps
from cnnlab.viz.filters import filter_change, filter_weights, plot_filters
from cnnlab.viz.mistakes import Mistakes, Predictions, most_confident_mistakes, plot_mistakes
from cnnlab.viz.mistakes import predict as predict_split
from cnnlab.viz.patches import TopPatches, plot_top_patches, top_patches
from cnnlab.viz.plots import plot_confusion


@dataclass(kw_only=True)
class EvaluationPicture(Picture):
    result: EvalResult  # loss, top-1/top-5 accuracy, confusion matrix, warnings

    def draw(self, path: Path) -> Path:
        return plot_confusion(self.result.confusion, self.result.classes, path)


def evaluation_picture(run: Run, split: str = "test", tta: str = "none") -> EvaluationPicture:
    """What ``cnnlab eval`` computes (:func:`~cnnlab.train.evaluate.evaluate_run`) and its
    confusion matrix, whose file is named after the split and TTA mode
    (``RUN/plots/confusion-test-tta-10crop.png``), so no evaluation overwrites another's."""
    result = evaluate_run(run, split=split, tta=tta)
    return EvaluationPicture(
        title=f"confusion matrix of {split}",
        default_path=run.plot_path(f"{result.name}.png"),
        result=result,
    )


@dataclass(kw_only=True)
class FiltersPicture(Picture):
    weights: torch.Tensor  # (out, in, kh, kw) of the layer
    change: torch.Tensor | None  # (out,) how far each filter moved from its initial value

    def draw(self, path: Path) -> Path:
        return plot_filters(self.weights, self.title, path)


@dataclass(kw_only=True)
class FeatureMapsPicture(Picture):
    maps: torch.Tensor  # (C, H, W), or (F,) for a fully connected layer
    image: torch.Tensor  # (C, H, W) on 0..1, the input

    def draw(self, path: Path) -> Path:
        return plot_feature_maps(self.maps, self.image, self.title, path)


@dataclass(kw_only=True)
class TopPatchesPicture(Picture):
    patches: TopPatches

    def draw(self, path: Path) -> Path:
        return plot_top_patches(self.patches, self.title, path)


@dataclass(kw_only=True)
class MistakesPicture(Picture):
    """The most confident mistakes; ``save`` writes the split's confusion matrix beside them
    (``confusion_file``)."""

    mistakes: Mistakes
    predictions: Predictions
    split: str

    @property
    def confusion_file(self) -> str:
        return f"{confusion_name(self.split)}.png"

    def draw(self, path: Path) -> Path:
        written = plot_mistakes(self.mistakes, self.title, path)
        matrix = self.predictions.confusion().numpy()
        classes = self.predictions.dataset.classes
        confusion = plot_confusion(matrix, classes, path.parent / self.confusion_file)
        self.notes = [self.title, f"confusion matrix: {confusion}"]
        return written


def filters_picture(run: Run, layer: str | None = None) -> FiltersPicture:
    """The filters of a convolution (default: the first), and how far each moved in training
    (not for weights without a run folder: their initial values were not kept)."""
    name = layer or first_conv_name(run.model)
    weights = filter_weights(run.model, name)
    change = filter_change(run, name) if run.path.is_dir() else None
    if change is None:
        note = f"{run.path.name} keeps no initial weights: how far the filters moved is unknown"
    else:
        note = (
            f"filters moved {100 * change.mean():.1f}% from their initial values on average "
            f"(least {100 * change.min():.1f}%)"
        )
    return FiltersPicture(
        title=f"{run.config.model} {name}: {tuple(weights.shape)}",
        default_path=run.plot_path(f"filters-{name}.png"),
        notes=[note],
        weights=weights,
        change=change,
    )


def activations_picture(
    run: Run,
    layer: str | None = None,
    image: str | Path | None = None,
    index: int = 0,
    split: str = "test",
) -> FeatureMapsPicture:
    """The feature maps of ``layer`` (default: the first convolution) for the image file
    ``image``, else image ``index`` of ``split``."""
    name = layer or first_conv_name(run.model)
    picked = run.pick(image, index, split)
    maps = feature_maps(run, name, picked)
    return FeatureMapsPicture(
        title=f"{run.config.model} {name} on {picked.source}: {tuple(maps.shape)}",
        default_path=run.plot_path(f"activations-{name}.png"),
        maps=maps,
        image=picked.pixels[0].float() / 255,
    )


def top_patches_picture(
    run: Run, layer: str, unit: int, count: int = 9, split: str = "test"
) -> TopPatchesPicture:
    """The ``count`` patches of ``split``, cropped to the receptive field, that excite channel
    ``unit`` of ``layer`` most (Zeiler and Fergus, 2014)."""
    patches = top_patches(run, layer, unit, count, split)
    return TopPatchesPicture(
        title=f"{run.config.model} {layer} unit {unit}: top {len(patches.indices)} {split} patches",
        default_path=run.plot_path(f"top-patches-{layer}-{unit}.png"),
        patches=patches,
    )


def mistakes_picture(run: Run, count: int = 16, split: str = "test") -> MistakesPicture:
    """The ``count`` most confidently wrong images of ``split``, predicted as ``cnnlab eval``
    predicts them."""
    predictions = predict_split(run, split)
    mistakes = most_confident_mistakes(predictions, count)
    wrong = int((predictions.predicted != predictions.dataset.labels).sum())
    title = f"{run.config.model}: {wrong} of {len(predictions.dataset)} {split} images wrong"
    return MistakesPicture(
        title=title,
        default_path=run.plot_path("mistakes.png" if split == "test" else f"mistakes-{split}.png"),
        notes=[title],
        mistakes=mistakes,
        predictions=predictions,
        split=split,
    )
