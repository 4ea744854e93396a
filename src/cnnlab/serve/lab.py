"""The model the lab was started with, and what every request needs of it.

A :class:`Lab` is made once, at start-up, from a :class:`~cnnlab.Run`: the pixel model
(preprocessing inside, so gradients and epsilons are in pixel units), the layers whose
activations the page shows, every layer's receptive field, and the fitting of an image
to the run's training images. Requests only read it. The forward hooks that record
activations live on the shared model, so one lock lets one request at a time use it,
and the server runs all of the model's work on one worker thread (:attr:`Lab.worker`):
each request then has all of torch's threads, and torch keeps one team of them, where a
pool of worker threads would each start a team that spins on the same cores.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from PIL import Image, ImageChops
from torch import nn

from cnnlab.data.fitting import FitSpec, fit_image
from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.inspect.receptive import Field, receptive_field
from cnnlab.train.run import Run

PASS_THROUGH = (nn.Flatten, nn.Dropout, nn.Dropout2d, nn.Identity)  # nothing new to show
BACKGROUND = 64  # a training border mean below this is a dark background, above 255 - it light


@dataclass(frozen=True)
class Layer:
    """A layer whose output the page shows: the model's own name for it, its type, the
    shape of its output (no batch) and the module."""

    name: str
    kind: str
    shape: tuple[int, ...]
    module: nn.Module


@dataclass(frozen=True)
class Fitted:
    """An image as the model receives it: uint8 (1, C, H, W) at the run's image shape,
    and what was done to it, in words."""

    pixels: torch.Tensor
    notes: list[str]


class Lab:
    def __init__(self, run: Run):
        self.run = run
        self.model = run.scoring_model()  # the lab shows one class score per image
        self.layers = shown_layers(run, self.model)
        self.cam_layer = cam_layer(run.model, self.layers)
        self.fields = {row.name: row.field for row in receptive_field(run.model, run.input_shape)}
        self.training_border = run.training_border()
        self.fit_spec = FitSpec.for_images(
            run.image_shape, run.config.pad, "pad", "auto", self.training_border
        )
        self.lock = threading.Lock()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="cnnlab-model")

    @property
    def background(self) -> str | None:
        """``dark`` or ``light`` when the training images have a plain background."""
        if self.training_border is None:
            return None
        if self.training_border < BACKGROUND:
            return "dark"
        return "light" if self.training_border > 255 - BACKGROUND else None

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise UnknownNameError("layer", name, [layer.name for layer in self.layers])

    @property
    def cam_module(self) -> nn.Module:
        if self.cam_layer is None:
            raise ModelError(
                f"Grad-CAM needs a layer of feature maps (N, C, H, W); {self.run.config.model} "
                "has none"
            )
        return self.run.model.get_submodule(self.cam_layer)

    def field(self, name: str) -> Field | None:
        return self.fields.get(name)

    def fit(self, picture: Image.Image) -> Fitted:
        """``picture`` fitted to the training images as ``cnnlab predict`` fits a file."""
        notes = []
        if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
            rgba = picture.convert("RGBA")
            flat = Image.new("RGBA", picture.size, (255, 255, 255, 255))
            picture = Image.alpha_composite(flat, rgba)
            if rgba.getchannel("A").getextrema()[0] < 255:  # a canvas's PNG is RGBA but opaque
                notes.append("transparent pixels flattened onto white")
        spec = self.fit_spec
        colour = has_colour(picture)
        if spec.mode == "L" and colour:
            notes.append("converted from colour to grey")
        elif spec.mode == "RGB" and not colour:
            notes.append("converted from grey to colour")
        height, width = spec.size
        if picture.size != (width, height):
            notes.append(
                f"resized {picture.width}x{picture.height} to {width}x{height} keeping the "
                "aspect ratio"
            )
        fitted = fit_image(picture, spec)
        if fitted.inverted:
            found, training = ("light", "dark") if self.background == "dark" else ("dark", "light")
            notes.append(
                f"inverted: its border is {found}, the training images' border is {training}"
            )
        if spec.pad:
            notes.append(
                f"padded by {spec.pad} pixels on every side, as training padded its images"
            )
        _, image_height, image_width = self.run.image_shape
        _, input_height, input_width = self.run.input_shape
        if (input_height, input_width) != (image_height, image_width):
            notes.append(
                f"centre-cropped {image_width}x{image_height} to {input_width}x{input_height}, "
                "as evaluation does"
            )
        return Fitted(torch.from_numpy(fitted.pixels.copy())[None], notes)

    def view(self, fitted: Fitted) -> torch.Tensor:
        """The (1, C, H, W) 0..1 batch the pixel model takes."""
        return self.run.view(fitted.pixels)


def shown_layers(run: Run, model: nn.Module) -> list[Layer]:
    """The layers without sub-layers whose output is feature maps (N, C, H, W) or a vector
    (N, K), in the order they first run; a layer called twice (one ReLU reused in a residual
    block) shows its last call."""
    candidates = {
        name: module
        for name, module in run.model.named_modules()
        if name and not any(module.children()) and not isinstance(module, PASS_THROUGH)
    }
    x = torch.zeros(1, *run.input_shape, device=run.device)
    with torch.no_grad(), recorded(candidates) as outputs:
        model(x)
    return [
        Layer(name, type(candidates[name]).__name__, tuple(output.shape[1:]), candidates[name])
        for name, output in outputs.items()
        if output.ndim in (2, 4) and output.is_floating_point()
    ]


def cam_layer(model: nn.Module, layers: list[Layer]) -> str | None:
    """Grad-CAM's layer: the one the model declares, else the last shown layer of maps."""
    declared = getattr(model, "cam_layer", None)
    if isinstance(declared, str) and declared in dict(model.named_modules()):
        return declared
    maps = [layer.name for layer in layers if len(layer.shape) == 3]
    return maps[-1] if maps else None


@contextmanager
def recorded(modules: dict[str, nn.Module]) -> Iterator[dict[str, torch.Tensor]]:
    """Record each named module's output (detached, copied: an in-place ReLU after a
    convolution would overwrite it) on the forward passes run inside the block; a module
    called more than once keeps its last output, in the order of its first call."""
    outputs: dict[str, torch.Tensor] = {}

    def hook_for(name: str):
        def hook(_module: nn.Module, _inputs: object, output: object) -> None:
            if isinstance(output, torch.Tensor):
                outputs[name] = output.detach().clone()

        return hook

    handles = [module.register_forward_hook(hook_for(name)) for name, module in modules.items()]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def has_colour(picture: Image.Image) -> bool:
    """Whether any pixel's red, green and blue differ: grey stored as RGB(A) is not colour."""
    if picture.mode in ("L", "LA", "1", "I", "I;16", "F"):
        return False
    red, green, blue = picture.convert("RGB").split()
    differences = (ImageChops.difference(red, green), ImageChops.difference(green, blue))
    return any(band.getbbox() is not None for band in differences)
