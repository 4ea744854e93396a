"""A trained run, opened: the one way every command gets a run's model and feeds it images.

``Run.open(path)`` reads the run folder once (config, weights and their metadata, the
fitted preprocessing) and hands out the model, its classes and shapes, and one path
from uint8 images to the model's input::

    uint8 (N, C, H, W) --/255--> view(): the evaluation transform (centre crop) on 0..1
                       --------> prepare(): view, then the run's preprocessing
    pixel_model()(view(x)) == model(prepare(x))

eval, viz, report, inspect, classic features and transfer all go through it, so they
agree on every prediction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import data, models
from cnnlab.data.augment import eval_transform, training_size
from cnnlab.data.images import read_image
from cnnlab.data.loader import BatchTransform
from cnnlab.data.preprocess import Preprocess, load_preprocess
from cnnlab.data.targets import task_targets
from cnnlab.errors import CheckpointError, ConfigError, DataError, ModelError, RunError
from cnnlab.fields import check_value
from cnnlab.train.config import TrainConfig
from cnnlab.train.run_folder import RunFolder
from cnnlab.train.splits import folder_files, load_split, stream_loader
from cnnlab.weights.imagenet import imagenet_metadata
from cnnlab.weights.io import read_weights
from cnnlab.weights.pretrained import read_state_dict
from cnnlab.weights.published import is_published_name, published_path
from cnnlab.weights.shipped import is_shipped_name, shipped_path

BATCH_SIZE = 256
NAMED_CHECKPOINTS = ("last", "best", "init")
RUN_METADATA = ("model", "model_args", "classes", "image_shape", "recipe", "preprocessing")


class PixelModel(nn.Module):
    """The run's model fed 0..1 pixels at its input size: the preprocessing is part of the
    graph, so gradients, occluders and epsilons are in pixel units. ``outputs``: keep only
    the first outputs (a localisation head's class scores, its box left out)."""

    def __init__(self, model: nn.Module, preprocess: Preprocess, outputs: int | None = None):
        super().__init__()
        self.model = model
        self.preprocess = preprocess
        self.outputs = outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output = self.model(self.preprocess(x))
        return output if self.outputs is None else output[:, : self.outputs]


@dataclass
class PickedImage:
    pixels: torch.Tensor  # uint8 (1, C, H, W) at the run's image shape
    label: int | None  # the true class when the image comes from the dataset
    source: str  # a path or "test[INDEX]", for titles and messages


@dataclass
class Run:
    folder: RunFolder
    config: TrainConfig
    model: nn.Module  # in eval mode, on ``device``
    classes: list[str]
    preprocess: Preprocess  # fitted on the training split (preprocess.json)
    image_shape: tuple[int, int, int]  # (C, H, W) of the stored images, padded as in training
    input_shape: tuple[int, int, int]  # (C, H, W) the model receives, after eval_transform
    which: str  # the checkpoint: last, best, init, or a path
    meta: dict[str, Any] = field(default_factory=dict, repr=False)  # the weights' metadata
    splits: dict[str, data.Dataset] = field(default_factory=dict, repr=False)  # read once

    @classmethod
    def open(cls, path: str | Path, which: str = "last", *, device: str | None = None) -> Run:
        """The run in ``path`` with the weights of checkpoint ``which`` (``last``, ``best``,
        ``init``, a ``ckpt-*`` folder or a ``.safetensors`` file of this run). ``path`` may
        also be shipped weights (``cnnlab:lenet5-mnist``), published ImageNet weights
        (``torchvision:resnet18``, downloaded once) or a weights file holding a run's
        metadata (``cnnlab export --format safetensors``)."""
        if is_shipped_name(path):
            return cls.open_weights_file(shipped_path(str(path)), device=device)
        if is_published_name(path):
            return cls.open_published(str(path), device=device)
        if Path(path).is_file():
            return cls.open_weights_file(Path(path), device=device)
        folder = RunFolder.open(path)
        config = folder.config()
        tensors, meta = read_weights(checkpoint_file(folder, which))
        model = build_from_meta(folder, meta, config)
        try:
            model.load_state_dict(tensors, strict=True)
        except RuntimeError as exc:
            raise RunError(
                f"{checkpoint_file(folder, which)} does not fit model {meta.get('model')!r}: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        preprocess = load_preprocess(folder.path)
        run = cls(folder, config, model, [], preprocess, (0, 0, 0), (0, 0, 0), which, meta)
        run.model = model.to(device or usable_device(config.device)).eval()
        run.read_shapes()
        return run

    @classmethod
    def open_weights_file(cls, path: Path, *, device: str | None = None) -> Run:
        """A run from one safetensors file whose metadata holds the model, classes, image
        shape, preprocessing and training configuration."""
        expected = (
            "expected a run folder, cnnlab:NAME or a .safetensors file with a run's metadata "
            "(cnnlab export --format safetensors)"
        )
        try:
            tensors, meta = read_weights(path)
        except CheckpointError as exc:
            raise RunError(f"{path}: {expected}, found a file that is not one ({exc})") from None
        missing = sorted(set(RUN_METADATA) - meta.keys())
        if missing:
            raise RunError(f"{path}: {expected}, found metadata without {', '.join(missing)}")
        return cls.from_metadata(path, tensors, meta, expected, device=device)

    @classmethod
    def open_published(cls, source: str, *, device: str | None = None) -> Run:
        """Published ImageNet weights (``torchvision:NAME``) with their class names and
        evaluation transform (resize 256, centre crop 224, ImageNet mean and std)."""
        path = published_path(source)
        meta = imagenet_metadata(source.split(":", 1)[1])
        expected = f"expected the published {meta['model']} weights"
        return cls.from_metadata(path, read_state_dict(path), meta, expected, device=device)

    @classmethod
    def from_metadata(
        cls,
        path: Path,
        tensors: dict[str, torch.Tensor],
        meta: dict[str, Any],
        expected: str,
        *,
        device: str | None = None,
    ) -> Run:
        """A run from weights ``tensors`` read from ``path`` and their run ``meta`` (model,
        classes, image shape, preprocessing, training configuration); ``expected`` says what
        ``path`` should have been, for errors."""
        folder = RunFolder(path)
        try:
            config = TrainConfig.from_dict(meta["recipe"], source=str(path))
            preprocess = Preprocess.from_dict(meta["preprocessing"]["normalisation"], path.parent)
        except (ConfigError, KeyError, TypeError) as exc:
            raise RunError(f"{path}: {expected}, found unusable metadata ({exc})") from None
        model = build_from_meta(folder, meta, config)
        own = model.state_dict()  # files saved before batch norm counted its batches lack it
        counts = {k: own[k] for k in own if k.endswith("num_batches_tracked") and k not in tensors}
        try:
            model.load_state_dict({**tensors, **counts}, strict=True)
        except RuntimeError as exc:
            raise RunError(
                f"{path} does not fit model {meta['model']!r}: {str(exc).splitlines()[0]}"
            ) from None
        run = cls(folder, config, model, [], preprocess, (0, 0, 0), (0, 0, 0), str(path), meta)
        run.model = model.to(device or usable_device(config.device)).eval()
        run.read_shapes()
        return run

    def read_shapes(self) -> None:
        """Classes and shapes from the weights' metadata; runs whose weights do not record
        them read the test split once."""
        if {"classes", "image_shape"} <= self.meta.keys():
            self.classes = list(self.meta["classes"])
            shape = tuple(int(v) for v in self.meta["image_shape"])
        else:
            test = self.dataset("test")
            self.classes, shape = list(test.classes), test.image_shape
        self.image_shape = shape  # type: ignore[assignment]
        self.input_shape = (shape[0], *training_size(self.config.augmentation, shape[1:]))

    @property
    def path(self) -> Path:
        return self.folder.path

    def plot_path(self, name: str) -> Path | None:
        """RUN/plots/NAME, where a picture of this run goes unless told otherwise; None for
        weights opened from a file or by name, which have no folder of their own."""
        return self.folder.plots / name if self.path.is_dir() else None

    @property
    def task(self) -> str:
        """What the run's network does: classify, localise or sequence (its head)."""
        return str(self.meta.get("task", "classify"))

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def eval_transform(self) -> BatchTransform | None:
        """What evaluation applies to 0..1 images before the preprocessing (a centre crop for
        runs trained with a size-changing augmentation, else nothing)."""
        return eval_transform(self.config.augmentation)

    # -- from uint8 images to the model ------------------------------------------------------

    def view(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (N, C, H, W) images at ``image_shape`` as the 0..1 batch the model sees
        before preprocessing: on the run's device, evaluation-cropped."""
        self.check_images(images)
        x = images.to(self.device).float().div_(255)
        transform = self.eval_transform
        return transform(x, torch.Generator()) if transform else x

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (N, C, H, W) images as the model's input, exactly as evaluation feeds it."""
        return self.preprocess(self.view(images))

    def denormalise(self, batch: torch.Tensor) -> torch.Tensor:
        """A preprocessed batch back on the 0..1 scale, for drawing."""
        return self.preprocess.invert(batch).clamp(0, 1)

    def pixel_model(self) -> PixelModel:
        """The model taking 0..1 images at ``input_shape`` (``view``'s output)."""
        return PixelModel(self.model, self.preprocess).eval()

    def scoring_model(self) -> PixelModel:
        """:meth:`pixel_model` giving class scores alone, for what reads one class score per
        image (attributions, attacks, synthesised images): a localisation run's without its
        box; a multi-digit reader has none."""
        self.require_class_scores()
        return PixelModel(self.model, self.preprocess, len(self.classes)).eval()

    def require_class_scores(self) -> None:
        if self.task == "sequence":
            raise RunError(
                f"run {self.path} reads digit sequences, not one class per image: "
                "use cnnlab predict, which prints the sequences"
            )

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch_size: int = BATCH_SIZE) -> torch.Tensor:
        """Class probabilities (N, classes) on the CPU for uint8 images at ``image_shape``
        (a localisation run's class scores; a multi-digit run has no one class: see
        :func:`cnnlab.localise.predict_boxes`)."""
        self.require_class_scores()
        if not len(images):
            return torch.zeros(0, len(self.classes))
        scores = self.outputs(images, batch_size)[:, : len(self.classes)]
        return scores.float().softmax(1)

    @torch.no_grad()
    def outputs(self, images: torch.Tensor, batch_size: int = BATCH_SIZE) -> torch.Tensor:
        """The model's raw output on the CPU for uint8 images at ``image_shape``: logits, or
        a task head's scores and boxes or lengths and digits."""
        chunks = [
            self.model(self.prepare(images[first : first + batch_size])).float().cpu()
            for first in range(0, len(images), batch_size)
        ]
        return torch.cat(chunks)

    def training_border(self, sample: int = 1000) -> float | None:
        """The mean outermost ring of pixels of the training images (0..255): recorded in a
        weights file's metadata, else measured on up to ``sample`` training images; None
        when they are not at hand. Tells light-on-dark training images from dark-on-light."""
        if "border" in self.meta:  # None: images of no typical background (photos)
            border = self.meta["border"]
            return float(border) if isinstance(border, int | float) else None
        try:
            x = self.dataset("train").images[:sample].float()
        except (DataError, RunError):
            return None
        ring = [x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]]
        return float(torch.cat([r.flatten() for r in ring]).mean())

    def check_images(self, images: torch.Tensor) -> None:
        if images.dtype != torch.uint8 or tuple(images.shape[1:]) != self.image_shape:
            raise DataError(
                f"images for run {self.path}: expected uint8 (N, "
                f"{', '.join(map(str, self.image_shape))}), "
                f"found {images.dtype} {tuple(images.shape)}"
            )

    # -- the run's data ----------------------------------------------------------------------

    def dataset(self, split: str = "test") -> data.Dataset:
        """One split as uint8 images, padded as in training (a streamed folder's split is
        decoded into memory); read once per Run."""
        if split not in self.splits:
            if self.config.stream:
                files = folder_files(self.config)
                decoded = files.sample(split, len(files.splits[split]), self.config.seed)
                pad = [self.config.pad] * 4
                images = F.pad(decoded.images, pad) if self.config.pad else decoded.images
                self.splits[split] = data.Dataset(
                    decoded.name, images, decoded.labels, decoded.classes
                )
            else:
                self.splits[split] = load_split(self.config, split)
        return self.splits[split]

    def loader(self, split: str = "test", batch_size: int = BATCH_SIZE, *, prepared: bool = True):
        """Batches ``(x, y)`` of ``split`` in order, on the run's device. ``prepared``: as the
        model's input (``prepare``); else the 0..1 images as stored (for test-time views)."""
        kwargs: dict[str, Any] = {}
        if prepared:
            kwargs = {"preprocess": self.preprocess, "augment": self.eval_transform}
        if self.config.stream:
            files = folder_files(self.config)
            config = self.config
            if str(self.device) != config.device:
                config = TrainConfig.from_dict({**config.__dict__, "device": str(self.device)})
            return stream_loader(config, files, split, batch_size, **kwargs)
        dataset = self.dataset(split)
        targets = task_targets(dataset, self.task)
        return data.InMemoryLoader(
            dataset, batch_size, device=self.device, targets=targets, **kwargs
        )

    def pick(self, image: str | Path | None, index: int = 0, split: str = "test") -> PickedImage:
        """The image a command looks at: a file if given, else ``split``'s image ``index``."""
        if image is not None:
            return PickedImage(self.image_file(image), None, str(image))
        dataset = self.dataset(split)
        if not 0 <= index < len(dataset):
            raise DataError(
                f"image index {index} is out of range: the {split} split of "
                f"{self.config.data!r} has {len(dataset)} images (0..{len(dataset) - 1})"
            )
        label = int(dataset.labels[index])
        return PickedImage(dataset.images[index : index + 1], label, f"{split}[{index}]")

    def image_file(self, path: str | Path) -> torch.Tensor:
        """An image file as uint8 (1, C, H, W) at ``image_shape``, like a dataset image."""
        channels, height, width = self.image_shape
        pixels = read_image(path, "L" if channels == 1 else "RGB")
        if pixels.shape[-2:] != (height, width):
            pixels = F.interpolate(
                pixels.float(), size=(height, width), mode="bilinear", antialias=True
            )
            pixels = pixels.round().clamp(0, 255).to(torch.uint8)
        return pixels

    def model_meta(self) -> dict[str, Any]:
        """What rebuilds this run's model (:func:`model_from_meta`): the model and its
        arguments, the task, and the task head or the ensemble's members where there are."""
        meta = {
            "model": self.meta.get("model", self.config.model),
            "model_args": self.meta.get("model_args", {}),
            "task": self.task,
        }
        return meta | {key: self.meta[key] for key in ("head", "ensemble") if key in self.meta}

    def provenance(self) -> dict[str, Any]:
        """What a file made from this run carries beside the model: the classes, the image
        shape, the training images' border (for ``--invert auto``), the dataset and the
        training configuration, every field."""
        return {
            "classes": self.classes,
            "image_shape": list(self.image_shape),
            "border": self.training_border(),
            "data": self.config.data,
            "recipe": self.config.recipe(),
        }

    # -- what training recorded --------------------------------------------------------------

    def metrics(self) -> list[dict[str, Any]]:
        """One row per completed epoch (metrics.jsonl)."""
        return self.folder.metrics()

    def results(self) -> dict[str, Any] | None:
        """The final test evaluation training wrote (results.json), if it finished."""
        return self.folder.results()

    def initial_model(self) -> nn.Module:
        """The model as training started (checkpoints/init.safetensors), in eval mode."""
        path = self.folder.weights_path("init")
        if not path.is_file():
            raise RunError(
                f"run {self.path} has no {path.relative_to(self.path)}: it was trained by an "
                "older cnnlab that did not keep the initial weights"
            )
        tensors, meta = read_weights(path)
        model = build_from_meta(self.folder, meta, self.config)
        model.load_state_dict(tensors, strict=True)
        return model.eval()


def checkpoint_file(folder: RunFolder, which: str) -> Path:
    """The weights file ``which`` names in ``folder``."""
    if which in NAMED_CHECKPOINTS:
        path = folder.weights_path(which)
        if not path.exists() and not path.is_symlink():
            raise RunError(f"run folder {folder.path} has no {which} checkpoint: expected {path}")
        return path
    path = Path(which)
    path = path if path.is_absolute() or path.exists() else folder.checkpoints / which
    path = path / "model.safetensors" if path.is_dir() else path
    if not path.is_file():
        raise RunError(
            f"checkpoint {which!r}: expected last, best, init, a ckpt-* folder of "
            f"{folder.checkpoints} or a .safetensors file, found no such file"
        )
    return path


def build_from_meta(folder: RunFolder, meta: dict[str, Any], config: TrainConfig) -> nn.Module:
    """The model a weights file's metadata names, built with the arguments it records."""
    try:
        return model_from_meta({"model": config.model, **meta})
    except (ConfigError, ModelError, RunError) as exc:
        raise RunError(f"weights of run {folder.path}: {exc}") from None


def model_from_meta(meta: dict[str, Any]) -> nn.Module:
    """The model weights metadata describes (:meth:`Run.model_meta`): a registered model
    with its arguments, under its task head if it has one; or an ensemble, each member
    built from its own such metadata behind its own preprocessing."""
    if "ensemble" in meta:
        members = meta["ensemble"]
        if not isinstance(members, list) or not members:
            raise RunError(f"expected a list of the ensemble's members, found {members!r}")
        return models.Ensemble([member_from_meta(member) for member in members])
    name, args = meta.get("model"), meta.get("model_args")
    if not isinstance(args, dict):
        raise RunError(
            f"expected metadata naming the model's arguments (model_args), found {sorted(meta)}"
        )
    check_value(TrainConfig, "model", name)  # the same ranges as a config's, before
    check_value(TrainConfig, "model_args", args)  # anything is allocated
    model = models.create(name, **args)
    head = meta.get("head")
    if head is None:
        return model
    try:
        return models.attach_head(model, **head)
    except (ModelError, TypeError) as exc:
        raise RunError(
            f"expected the task head's arguments (head), found {head!r} ({exc})"
        ) from None


def member_from_meta(member: Any) -> PixelModel:
    """One ensemble member: its model fed 0..1 pixels through its own preprocessing, so
    members fitted to different normalisations share one input."""
    if not isinstance(member, dict) or "normalisation" not in member:
        raise RunError(
            f"expected an ensemble member's model metadata and normalisation, found {member!r}"
        )
    preprocess = Preprocess.from_dict(member["normalisation"], Path("."))
    return PixelModel(model_from_meta(member), preprocess)


def usable_device(device: str) -> str:
    """The run's training device, or the CPU when that device is not here (a run trained
    on a GPU opened on a laptop)."""
    if device.startswith("cuda") and not torch.cuda.is_available():
        return "cpu"
    return device
