"""``cnnlab viz class-model|max-response|deepdream|adversarial|fooling RUN``: images made by
gradient ascent on the input of a run's model, one PNG each (default: RUN/plots/)."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.options import CHECKPOINT, IMAGE, INDEX, RUN, SEED, SPLIT, out
from cnnlab.cli.pictures import require_out, save_and_report
from cnnlab.cli.viz import viz_app


@viz_app.command("class-model")
def class_model_command(
    run: Path = RUN,
    target: int = typer.Option(..., "--target", help="The class whose score to maximise."),
    steps: int = typer.Option(200, "--steps", help="Gradient-ascent steps."),
    seed: int = SEED,
    out: Path | None = out("PNG", "RUN/plots/class-model-TARGET.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """An input that maximises a class score, with L2, jitter and blur regularisation."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.synthesis_pictures import class_model_picture

    picture = class_model_picture(Run.open(run, checkpoint), target, steps=steps, seed=seed)
    save_and_report(picture, out)


@viz_app.command("max-response")
def max_response_command(
    run: Path = RUN,
    layer: str = typer.Option(..., "--layer", help="Layer name, e.g. features.3."),
    unit: int = typer.Option(0, "--unit", help="Channel (or feature) of the layer."),
    steps: int = typer.Option(100, "--steps", help="Gradient-ascent steps."),
    step_size: float = typer.Option(0.01, "--step-size", help="Gamma, in pixel units per step."),
    seed: int = SEED,
    out: Path | None = out("PNG", "RUN/plots/max-response-LAYER-UNIT.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The input that maximises ||h_{l,d}(x)||^2, by gradient ascent from U[0,1] noise."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.synthesis_pictures import max_response_picture

    picture = max_response_picture(
        Run.open(run, checkpoint), layer, unit, steps=steps, step_size=step_size, seed=seed
    )
    save_and_report(picture, out)


@viz_app.command("deepdream")
def deepdream_command(
    run: Path = RUN,
    photo: str = typer.Option("china", "--photo", help="china, flower or an image path."),
    layer: str | None = typer.Option(
        None, "--layer", help="Default: the layer the model declares for Grad-CAM."
    ),
    octaves: int = typer.Option(3, "--octaves", help="Scales, each 1.4 times the one before."),
    steps: int = typer.Option(10, "--steps", help="Ascent steps per octave."),
    step_size: float = typer.Option(0.004, "--step-size", help="Mean pixel change per step."),
    frames: int = typer.Option(1, "--frames", help="Dream, zoom in, dream again: this often."),
    max_side: int = typer.Option(160, "--max-side", help="Scale the photo down to this side."),
    out: Path | None = out("PNG", "RUN/plots/deepdream-PHOTO-LAYER.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """DeepDream: enhance a layer's activation on a photograph at several scales."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.synthesis_pictures import deepdream_picture

    picture = deepdream_picture(
        Run.open(run, checkpoint), photo, layer,
        octaves=octaves, steps=steps, step_size=step_size, frames=frames, max_side=max_side,
    )  # fmt: skip
    save_and_report(picture, out)


@viz_app.command("adversarial")
def adversarial_command(
    run: Path = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    epsilon: float | None = typer.Option(
        None, "--epsilon", help="Largest pixel change, 0..1 (default: the smallest that flips)."
    ),
    out: Path | None = out("PNG", "RUN/plots/adversarial-IMAGE.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """Fast gradient sign: a perturbation too small to see that changes the prediction."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.synthesis_pictures import adversarial_picture

    picture = adversarial_picture(Run.open(run, checkpoint), image, index, epsilon, split)
    save_and_report(picture, out)


@viz_app.command("fooling")
def fooling_command(
    run: Path = RUN,
    target: int = typer.Option(..., "--target", help="The class the noise is to be called."),
    confidence: float = typer.Option(0.99, "--confidence", help="Stop at this probability."),
    steps: int = typer.Option(500, "--steps", help="Most gradient-sign steps of 1/255."),
    seed: int = SEED,
    out: Path | None = out("PNG", "RUN/plots/fooling-TARGET.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """A noise image the network calls a chosen class with high confidence."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.synthesis_pictures import fooling_picture

    picture = fooling_picture(
        Run.open(run, checkpoint), target, confidence=confidence, steps=steps, seed=seed
    )
    save_and_report(picture, out)
