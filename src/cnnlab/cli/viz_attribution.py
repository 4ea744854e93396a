"""``cnnlab viz saliency|occlusion|gradcam RUN``: which pixels decide a run's prediction.

Each command looks at one image (a file, or an image of the test split by index), explains
one class (the predicted one unless ``--target``) and writes a PNG, by default into the
run's ``plots/`` folder.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.options import CHECKPOINT, IMAGE, INDEX, RUN, SPLIT, TARGET, out
from cnnlab.cli.pictures import require_out, save_and_report
from cnnlab.cli.viz import viz_app

OUT = out("PNG", "RUN/plots/KIND-IMAGE.png")


@viz_app.command("saliency")
def saliency_command(
    run: Path = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    target: int | None = TARGET,
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """Gradient of the class score with respect to each pixel (Simonyan et al., 2014)."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.attribution_pictures import saliency_picture

    save_and_report(saliency_picture(Run.open(run, checkpoint), image, index, target, split), out)


@viz_app.command("occlusion")
def occlusion_command(
    run: Path = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    target: int | None = TARGET,
    size: int = typer.Option(8, "--size", help="Side of the grey square, in pixels."),
    stride: int = typer.Option(2, "--stride", help="Pixels between square positions."),
    batch_size: int = typer.Option(256, "--batch-size", help="Occluded copies per forward pass."),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """The class probability as a grey square slides over the image (Zeiler and Fergus)."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.attribution_pictures import occlusion_picture

    picture = occlusion_picture(
        Run.open(run, checkpoint), image, index, target, split,
        size=size, stride=stride, batch_size=batch_size,
    )  # fmt: skip
    save_and_report(picture, out)


@viz_app.command("gradcam")
def gradcam_command(
    run: Path = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    target: int | None = TARGET,
    layer: str | None = typer.Option(
        None, "--layer", help="Layer name (default: the layer the model declares for Grad-CAM)."
    ),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """Grad-CAM: a layer's maps weighted by their mean gradient (Selvaraju et al., 2017)."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.attribution_pictures import gradcam_picture

    picture = gradcam_picture(Run.open(run, checkpoint), image, index, target, split, layer=layer)
    save_and_report(picture, out)
