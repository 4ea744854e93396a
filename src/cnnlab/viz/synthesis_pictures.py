"""Images made by gradient ascent on the input of a run's model, as pictures (see
:mod:`cnnlab.figure`): class models, maximum responses, DeepDream, adversarial and
fooling images, each beside where it started."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from cnnlab.figure import Picture
from cnnlab.train.run import Run
from cnnlab.viz.adversarial import fgsm, fooling_image, predict, smallest_fgsm
from cnnlab.viz.attribution import class_scores, resolve_target
from cnnlab.viz.deepdream import deepdream, layer_energy, load_photo
from cnnlab.viz.overlay import plot_row, rescaled
from cnnlab.viz.probes import cam_layer
from cnnlab.viz.subject import open_subject
from cnnlab.viz.synthesis import class_model, max_response, noise, unit_response


@dataclass(kw_only=True)
class RowPicture(Picture):
    """Images side by side, each (C, H, W) on 0..1 with its caption."""

    panels: list[tuple[torch.Tensor, str]]

    def draw(self, path: Path) -> Path:
        return plot_row(self.panels, self.title, path)


def prediction(model: nn.Module, image: torch.Tensor, classes: list[str]) -> str:
    label, confidence = predict(model, image)
    return f"predicted {classes[int(label)]!r} (p {confidence.item():.3f})"


def class_model_picture(run: Run, target: int, *, steps: int = 200, seed: int = 0) -> RowPicture:
    """An input that maximises class ``target``'s score, with L2, jitter and blur
    regularisation (Simonyan et al., 2014), beside the noise it started from."""
    model, classes = run.scoring_model(), run.classes
    start = noise(run.input_shape, seed, run.device)
    with torch.no_grad():
        resolve_target(model(start), target)  # a class out of range fails before the work
    image = class_model(model, target, start, steps=steps, seed=seed)
    with torch.no_grad():
        before, after = (class_scores(model, x, target).item() for x in (start, image))
    return RowPicture(
        title=f"class model of {classes[target]!r}: score {before:.2f} (noise) -> {after:.2f}",
        default_path=run.plot_path(f"class-model-{target}.png"),
        panels=[
            (start[0], f"noise: {prediction(model, start, classes)}"),
            (image[0], f"after {steps} steps: {prediction(model, image, classes)}"),
        ],
    )


def max_response_picture(
    run: Run, layer: str, unit: int = 0, *, steps: int = 100, step_size: float = 0.01, seed: int = 0
) -> RowPicture:
    """The input that maximises ||h_{l,d}(x)||^2 of one unit, by gradient ascent from U[0,1]
    noise, rescaled to 0..1 for showing."""
    model = run.pixel_model()
    start = noise(run.input_shape, seed, run.device)
    image = max_response(model, layer, unit, start, steps=steps, step_size=step_size)
    with torch.no_grad():
        before, after = (unit_response(model, layer, unit, x)[0].item() for x in (start, image))
    return RowPicture(
        title=f"maximum response of unit {unit} of layer {layer}: ||h||^2 {before:.3g} -> "
        f"{after:.3g}",
        default_path=run.plot_path(f"max-response-{layer}-{unit}.png"),
        panels=[
            (start[0], "x_0 ~ U[0,1]"),
            (rescaled(image[0]), f"x_{steps} (rescaled to 0..1)"),
        ],
    )


def deepdream_picture(
    run: Run,
    photo: str = "china",
    layer: str | None = None,
    *,
    octaves: int = 3,
    steps: int = 10,
    step_size: float = 0.004,
    frames: int = 1,
    max_side: int = 160,
) -> RowPicture:
    """DeepDream: a photograph (``china``, ``flower`` or a path) with ``layer``'s activation
    enhanced at several scales; the layer defaults to the model's declared ``cam_layer``."""
    model = run.pixel_model()
    name = layer or cam_layer(model)
    image = load_photo(photo, channels=run.input_shape[0], max_side=max_side).to(run.device)
    dreamed = deepdream(
        model, image, name, octaves=octaves, steps=steps, step_size=step_size, frames=frames
    )
    with torch.no_grad():
        before, after = (layer_energy(model, name, x).item() for x in (image, dreamed))
    return RowPicture(
        title=f"DeepDream of layer {name}, {octaves} octaves: mean h^2 {before:.3g} -> {after:.3g}",
        default_path=run.plot_path(f"deepdream-{Path(photo).stem}-{name}.png"),
        notes=[f"DeepDream of layer {name}"],
        panels=[(image[0], photo), (dreamed[0], f"dreamed ({frames} frame(s))")],
    )


def adversarial_picture(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    epsilon: float | None = None,
    split: str = "test",
) -> RowPicture:
    """Fast gradient sign (Goodfellow et al., 2015): a perturbation of at most ``epsilon``
    per pixel (default: the smallest that changes the prediction) and the image it makes."""
    subject = open_subject(run, image, index, None, split)
    model, x, classes = subject.model, subject.image, subject.classes
    label = subject.label if subject.label is not None else subject.target
    if epsilon is None:
        adversarial, epsilon = smallest_fgsm(model, x, label)
    else:
        adversarial = fgsm(model, x, label, epsilon)
    flipped = int(predict(model, adversarial)[0]) != label
    verdict = "prediction changed" if flipped else "prediction unchanged"
    title = f"fast gradient sign, epsilon {epsilon:.4f} ({epsilon * 255:.0f}/255): {verdict}"
    return RowPicture(
        title=title,
        default_path=subject.plot_path("adversarial"),
        notes=[title],
        panels=[
            (x[0], f"{subject.source}: {prediction(model, x, classes)}"),
            (rescaled(adversarial[0] - x[0]), "perturbation (rescaled)"),
            (adversarial[0], f"adversarial: {prediction(model, adversarial, classes)}"),
        ],
    )


def fooling_picture(
    run: Run, target: int, *, confidence: float = 0.99, steps: int = 500, seed: int = 0
) -> RowPicture:
    """A noise image the network calls class ``target`` with at least ``confidence``."""
    model, classes = run.scoring_model(), run.classes
    start = noise(run.input_shape, seed, run.device)
    image = fooling_image(model, target, start, confidence=confidence, steps=steps)
    with torch.no_grad():
        p = model(image).softmax(dim=1)[0, target].item()
    return RowPicture(
        title=f"fooling image for {classes[target]!r}: p {p:.3f} (asked for {confidence})",
        default_path=run.plot_path(f"fooling-{target}.png"),
        panels=[
            (start[0], f"noise: {prediction(model, start, classes)}"),
            (image[0], f"fooling: {prediction(model, image, classes)}"),
            (rescaled(image[0] - start[0]), "change (rescaled)"),
        ],
    )
