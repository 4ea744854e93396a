"""``cnnlab viz saliency|occlusion|gradcam RUN``: which pixels decide a run's prediction.

Each command looks at one image (a file, or an image of the test split by index), explains
one class (the predicted one unless ``--target``) and writes a PNG, by default into the
run's ``plots/`` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
import typer
from rich.console import Console

from cnnlab.cli.viz import viz_app
from cnnlab.train.run import PixelModel, Run
from cnnlab.viz.attribution import (
    gradcam,
    occluded_probabilities,
    occlusion_masks,
    pixel_drops,
    resolve_target,
    saliency,
    window_starts,
)
from cnnlab.viz.overlay import plot_map, plot_occlusion
from cnnlab.viz.probes import last_conv_layer

RUN = typer.Argument(..., help="Run folder written by `cnnlab train`.")
IMAGE = typer.Option(None, "--image", help="An image file (default: a test image, --index).")
INDEX = typer.Option(0, "--index", help="Which image of the test split, when no --image.")
TARGET = typer.Option(None, "--target", help="Class to explain (default: the predicted one).")
OUT = typer.Option(None, "--out", help="PNG to write (default: RUN/plots/KIND-IMAGE.png).")
CHECKPOINT = typer.Option("last", "--checkpoint", help="Which checkpoint: last or best.")


@dataclass
class Subject:
    """What a command looks at: the run, its model fed 0..1 pixels, one image, and a class."""

    loaded: Run
    model: PixelModel
    image: torch.Tensor  # (1, C, H, W) on 0..1, on the run's device
    source: str  # the file, or test[INDEX]
    label: int | None  # the true class, for a test image
    target: int  # the class explained
    classes: list[str]

    def describe(self, what: str) -> str:
        """A title: the kind of picture, the class with its score and probability, the image."""
        with torch.no_grad():
            logits = self.model(self.image)[0]
        prob = logits.softmax(dim=0)[self.target].item()
        truth = f", true class {self.classes[self.label]!r}" if self.label is not None else ""
        return (
            f"{what} of class {self.classes[self.target]!r} (score {logits[self.target]:.2f}, "
            f"p {prob:.3f}) for {self.source}{truth}"
        )

    def out_path(self, out: Path | None, kind: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "", Path(self.source).stem) or "image"
        return out if out is not None else self.loaded.folder.plots / f"{kind}-{stem}.png"


def open_subject(
    run: str, image: Path | None, index: int, target: int | None, checkpoint: str
) -> Subject:
    loaded = Run.open(run, checkpoint)
    picked = loaded.pick(image, index)
    model = loaded.pixel_model()
    pixels = loaded.view(picked.pixels)
    with torch.no_grad():
        chosen = int(resolve_target(model(pixels), target)[0])
    classes = loaded.classes
    return Subject(loaded, model, pixels, picked.source, picked.label, chosen, classes)


def wrote(path: Path) -> None:
    Console().print(f"wrote {path}", highlight=False)


@viz_app.command("saliency")
def saliency_command(
    run: str = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    target: int | None = TARGET,
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """Gradient of the class score with respect to each pixel (Simonyan et al., 2014)."""
    subject = open_subject(run, image, index, target, checkpoint)
    heat = saliency(subject.model, subject.image, subject.target)[0]
    title = subject.describe("saliency")
    wrote(
        plot_map(
            subject.image[0], heat, title, "|d score / d pixel|", subject.out_path(out, "saliency")
        )
    )


@viz_app.command("occlusion")
def occlusion_command(
    run: str = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    target: int | None = TARGET,
    size: int = typer.Option(8, "--size", help="Side of the grey square, in pixels."),
    stride: int = typer.Option(2, "--stride", help="Pixels between square positions."),
    batch_size: int = typer.Option(256, "--batch-size", help="Occluded copies per forward pass."),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """The class probability as a grey square slides over the image (Zeiler and Fergus)."""
    subject = open_subject(run, image, index, target, checkpoint)
    height, width = subject.image.shape[-2:]
    masks = occlusion_masks(height, width, size, stride).to(subject.image.device)
    base, probs = occluded_probabilities(
        subject.model, subject.image, subject.target, masks, 0.5, batch_size
    )
    starts = [window_starts(length, size, stride) for length in (height, width)]
    grid = probs.view(len(starts[0]), len(starts[1]))
    drop = pixel_drops(base, probs, masks)[0]
    centres = tuple(
        [start + (min(start + size, length) - start - 1) / 2 for start in positions]
        for positions, length in zip(starts, (height, width), strict=True)
    )
    title = subject.describe(f"occlusion ({size}x{size} grey square, stride {stride})")
    wrote(
        plot_occlusion(
            subject.image[0], drop, grid, centres, title, subject.out_path(out, "occlusion")
        )
    )


@viz_app.command("gradcam")
def gradcam_command(
    run: str = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    target: int | None = TARGET,
    layer: str | None = typer.Option(
        None, "--layer", help="Layer name (default: the last convolution with a spatial output)."
    ),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """Grad-CAM: a layer's maps weighted by their mean gradient (Selvaraju et al., 2017)."""
    subject = open_subject(run, image, index, target, checkpoint)
    name = layer or last_conv_layer(subject.model, tuple(subject.image.shape[1:]))
    heat = gradcam(subject.model, subject.image, subject.target, layer=name)[0]
    Console().print(f"Grad-CAM of layer {name}", highlight=False)
    title = subject.describe(f"Grad-CAM of layer {name}")
    wrote(
        plot_map(
            subject.image[0], heat, title, f"Grad-CAM ({name})", subject.out_path(out, "gradcam")
        )
    )
