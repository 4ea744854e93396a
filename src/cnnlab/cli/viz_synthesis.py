"""``cnnlab viz class-model|max-response|deepdream|adversarial|fooling RUN``: images made by
gradient ascent on the input of a run's model, one PNG each (default: RUN/plots/)."""

from __future__ import annotations

from pathlib import Path

import torch
import typer
from rich.console import Console

from cnnlab.cli.viz import viz_app
from cnnlab.cli.viz_attribution import (
    CHECKPOINT,
    IMAGE,
    INDEX,
    OUT,
    RUN,
    open_subject,
    wrote,
)
from cnnlab.train.run import Run
from cnnlab.viz.adversarial import fgsm, fooling_image, predict, smallest_fgsm
from cnnlab.viz.attribution import class_scores, resolve_target
from cnnlab.viz.deepdream import deepdream, layer_energy, load_photo
from cnnlab.viz.overlay import plot_row, rescaled
from cnnlab.viz.probes import last_conv_layer
from cnnlab.viz.synthesis import class_model, max_response, noise, unit_response

SEED = typer.Option(0, "--seed", help="Seed of the starting noise.")


def prediction(model: torch.nn.Module, image: torch.Tensor, classes: list[str]) -> str:
    label, confidence = predict(model, image)
    return f"predicted {classes[int(label)]!r} (p {confidence.item():.3f})"


@viz_app.command("class-model")
def class_model_command(
    run: str = RUN,
    target: int = typer.Option(..., "--target", help="The class whose score to maximise."),
    steps: int = typer.Option(200, "--steps", help="Gradient-ascent steps."),
    seed: int = SEED,
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """An input that maximises a class score, with L2, jitter and blur regularisation."""
    loaded = Run.open(run, checkpoint)
    model, classes = loaded.pixel_model(), loaded.classes
    start = noise(loaded.input_shape, seed, loaded.device)
    with torch.no_grad():
        resolve_target(model(start), target)  # a class out of range fails before the work
    image = class_model(model, target, start, steps=steps, seed=seed)
    with torch.no_grad():
        before, after = (class_scores(model, x, target).item() for x in (start, image))
    title = f"class model of {classes[target]!r}: score {before:.2f} (noise) -> {after:.2f}"
    panels = [
        (start[0], f"noise: {prediction(model, start, classes)}"),
        (image[0], f"after {steps} steps: {prediction(model, image, classes)}"),
    ]
    wrote(plot_row(panels, title, out or loaded.folder.plots / f"class-model-{target}.png"))


@viz_app.command("max-response")
def max_response_command(
    run: str = RUN,
    layer: str = typer.Option(..., "--layer", help="Layer name, e.g. features.3."),
    unit: int = typer.Option(0, "--unit", help="Channel (or feature) of the layer."),
    steps: int = typer.Option(100, "--steps", help="Gradient-ascent steps."),
    step_size: float = typer.Option(0.01, "--step-size", help="Gamma, in pixel units per step."),
    seed: int = SEED,
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """The input that maximises ||h_{l,d}(x)||^2, by gradient ascent from U[0,1] noise."""
    loaded = Run.open(run, checkpoint)
    model = loaded.pixel_model()
    start = noise(loaded.input_shape, seed, loaded.device)
    image = max_response(model, layer, unit, start, steps=steps, step_size=step_size)
    with torch.no_grad():
        before, after = (unit_response(model, layer, unit, x)[0].item() for x in (start, image))
    title = f"maximum response of unit {unit} of layer {layer}: ||h||^2 {before:.3g} -> {after:.3g}"
    panels = [(start[0], "x_0 ~ U[0,1]"), (rescaled(image[0]), f"x_{steps} (rescaled to 0..1)")]
    wrote(plot_row(panels, title, out or loaded.folder.plots / f"max-response-{layer}-{unit}.png"))


@viz_app.command("deepdream")
def deepdream_command(
    run: str = RUN,
    photo: str = typer.Option("china", "--photo", help="china, flower or an image path."),
    layer: str | None = typer.Option(None, "--layer", help="Default: the last spatial conv."),
    octaves: int = typer.Option(3, "--octaves", help="Scales, each 1.4 times the one before."),
    steps: int = typer.Option(10, "--steps", help="Ascent steps per octave."),
    step_size: float = typer.Option(0.004, "--step-size", help="Mean pixel change per step."),
    frames: int = typer.Option(1, "--frames", help="Dream, zoom in, dream again: this often."),
    max_side: int = typer.Option(160, "--max-side", help="Scale the photo down to this side."),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """DeepDream: enhance a layer's activation on a photograph at several scales."""
    loaded = Run.open(run, checkpoint)
    model = loaded.pixel_model()
    shape = loaded.input_shape
    name = layer or last_conv_layer(model, shape)
    image = load_photo(photo, channels=shape[0], max_side=max_side).to(loaded.device)
    dreamed = deepdream(
        model, image, name, octaves=octaves, steps=steps, step_size=step_size, frames=frames
    )
    Console().print(f"DeepDream of layer {name}", highlight=False)
    with torch.no_grad():
        before, after = (layer_energy(model, name, x).item() for x in (image, dreamed))
    title = f"DeepDream of layer {name}, {octaves} octaves: mean h^2 {before:.3g} -> {after:.3g}"
    stem = Path(photo).stem
    panels = [(image[0], photo), (dreamed[0], f"dreamed ({frames} frame(s))")]
    wrote(plot_row(panels, title, out or loaded.folder.plots / f"deepdream-{stem}-{name}.png"))


@viz_app.command("adversarial")
def adversarial_command(
    run: str = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    epsilon: float | None = typer.Option(
        None, "--epsilon", help="Largest pixel change, 0..1 (default: the smallest that flips)."
    ),
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """Fast gradient sign: a perturbation too small to see that changes the prediction."""
    subject = open_subject(run, image, index, None, checkpoint)
    model, x, classes = subject.model, subject.image, subject.classes
    label = subject.label if subject.label is not None else subject.target
    if epsilon is None:
        adversarial, epsilon = smallest_fgsm(model, x, label)
    else:
        adversarial = fgsm(model, x, label, epsilon)
    flipped = int(predict(model, adversarial)[0]) != label
    verdict = "prediction changed" if flipped else "prediction unchanged"
    title = f"fast gradient sign, epsilon {epsilon:.4f} ({epsilon * 255:.0f}/255): {verdict}"
    panels = [
        (x[0], f"{subject.source}: {prediction(model, x, classes)}"),
        (rescaled(adversarial[0] - x[0]), "perturbation (rescaled)"),
        (adversarial[0], f"adversarial: {prediction(model, adversarial, classes)}"),
    ]
    Console().print(title, highlight=False)
    wrote(plot_row(panels, title, subject.out_path(out, "adversarial")))


@viz_app.command("fooling")
def fooling_command(
    run: str = RUN,
    target: int = typer.Option(..., "--target", help="The class the noise is to be called."),
    confidence: float = typer.Option(0.99, "--confidence", help="Stop at this probability."),
    steps: int = typer.Option(500, "--steps", help="Most gradient-sign steps of 1/255."),
    seed: int = SEED,
    out: Path | None = OUT,
    checkpoint: str = CHECKPOINT,
) -> None:
    """A noise image the network calls a chosen class with high confidence."""
    loaded = Run.open(run, checkpoint)
    model, classes = loaded.pixel_model(), loaded.classes
    start = noise(loaded.input_shape, seed, loaded.device)
    image = fooling_image(model, target, start, confidence=confidence, steps=steps)
    with torch.no_grad():
        p = model(image).softmax(dim=1)[0, target].item()
    title = f"fooling image for {classes[target]!r}: p {p:.3f} (asked for {confidence})"
    panels = [
        (start[0], f"noise: {prediction(model, start, classes)}"),
        (image[0], f"fooling: {prediction(model, image, classes)}"),
        (rescaled(image[0] - start[0]), "change (rescaled)"),
    ]
    wrote(plot_row(panels, title, out or loaded.folder.plots / f"fooling-{target}.png"))
