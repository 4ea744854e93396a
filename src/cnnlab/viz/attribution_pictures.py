"""Saliency, occlusion and Grad-CAM of one image of a run, as pictures (see
:mod:`cnnlab.figure`): which pixels decide the prediction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.figure import Picture
from cnnlab.train.run import Run
from cnnlab.viz.attribution import (
    gradcam,
    occluded_probabilities,
    occlusion_masks,
    pixel_drops,
    saliency,
    window_starts,
)
from cnnlab.viz.overlay import plot_map, plot_occlusion
from cnnlab.viz.probes import cam_layer
from cnnlab.viz.subject import open_subject


@dataclass(kw_only=True)
class MapPicture(Picture):
    """An image and a heat map over it."""

    image: torch.Tensor  # (C, H, W) on 0..1
    heat: torch.Tensor  # (H, W)
    map_title: str

    def draw(self, path: Path) -> Path:
        return plot_map(self.image, self.heat, self.title, self.map_title, path)


@dataclass(kw_only=True)
class OcclusionPicture(Picture):
    """The image, the drop in probability per pixel, and the probability per position."""

    image: torch.Tensor  # (C, H, W) on 0..1
    drop: torch.Tensor  # (H, W)
    grid: torch.Tensor  # (rows, columns): the class probability, square at each position
    centres: tuple[Sequence[float], Sequence[float]]  # the squares' centre rows and columns

    def draw(self, path: Path) -> Path:
        return plot_occlusion(self.image, self.drop, self.grid, self.centres, self.title, path)


def saliency_picture(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    target: int | None = None,
    split: str = "test",
) -> MapPicture:
    """|d score / d pixel| of one image (Simonyan et al., 2014), through the run's real
    preprocessing; the image is the file ``image``, else image ``index`` of ``split``."""
    subject = open_subject(run, image, index, target, split)
    heat = saliency(subject.model, subject.image, subject.target)[0]
    return MapPicture(
        title=subject.describe("saliency"),
        default_path=subject.plot_path("saliency"),
        image=subject.image[0],
        heat=heat,
        map_title="|d score / d pixel|",
    )


def occlusion_picture(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    target: int | None = None,
    split: str = "test",
    *,
    size: int = 8,
    stride: int = 2,
    batch_size: int = 256,
) -> OcclusionPicture:
    """The class probability as a grey ``size`` square slides over the image by ``stride``
    (Zeiler and Fergus, 2014)."""
    subject = open_subject(run, image, index, target, split)
    height, width = subject.image.shape[-2:]
    masks = occlusion_masks(height, width, size, stride).to(subject.image.device)
    base, probs = occluded_probabilities(
        subject.model, subject.image, subject.target, masks, 0.5, batch_size
    )
    starts = [window_starts(length, size, stride) for length in (height, width)]
    centres = tuple(
        [start + (min(start + size, length) - start - 1) / 2 for start in positions]
        for positions, length in zip(starts, (height, width), strict=True)
    )
    return OcclusionPicture(
        title=subject.describe(f"occlusion ({size}x{size} grey square, stride {stride})"),
        default_path=subject.plot_path("occlusion"),
        image=subject.image[0],
        drop=pixel_drops(base, probs, masks)[0],
        grid=probs.view(len(starts[0]), len(starts[1])),
        centres=centres,  # type: ignore[arg-type]
    )


def gradcam_picture(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    target: int | None = None,
    split: str = "test",
    *,
    layer: str | None = None,
) -> MapPicture:
    """Grad-CAM (Selvaraju et al., 2017) of ``layer``, by default the layer the model
    declares for it (its ``cam_layer``)."""
    subject = open_subject(run, image, index, target, split)
    name = layer or cam_layer(subject.model)
    heat = gradcam(subject.model, subject.image, subject.target, layer=name)[0]
    return MapPicture(
        title=subject.describe(f"Grad-CAM of layer {name}"),
        default_path=subject.plot_path("gradcam"),
        notes=[f"Grad-CAM of layer {name}"],
        image=subject.image[0],
        heat=heat,
        map_title=f"Grad-CAM ({name})",
    )
