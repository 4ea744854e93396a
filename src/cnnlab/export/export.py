"""Exporting a run (or any model) in one format, verifying it, and writing its model card.

FILE        the exported model
FILE.json   the model card: classes, input shape and layout, preprocessing, accuracy,
            recipe, the file's sha256, and the verification against PyTorch
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnlab.atomic import atomic_write, atomic_write_text
from cnnlab.data.preprocess import WHITENING
from cnnlab.errors import ConfigError, DataError
from cnnlab.export.verify import (
    Verification,
    compare,
    onnx_forward,
    safetensors_forward,
    torchscript_forward,
)
from cnnlab.export.writers import (
    DEFAULT_OPSET,
    INPUT,
    write_onnx,
    write_safetensors,
    write_torchscript,
)
from cnnlab.files import sha256
from cnnlab.train.run import Run, model_from_meta

FORMATS = ("onnx", "torchscript", "safetensors")
OPSETS = range(13, 22)  # opsets the exporter and onnxruntime both support here
RANDOM_INPUTS = 64  # compared when the run's test split is not at hand
MAX_VERIFIED = 10_000  # test images compared at most


class UInt8Input(nn.Module):
    """The run's model taking uint8 pixels (N, C, H, W) at its image shape: /255, the
    evaluation crop and the preprocessing are part of the graph (``--with-preprocess``)."""

    def __init__(self, run: Run):
        super().__init__()
        self.pixel_model = run.pixel_model()
        self.crop = run.eval_transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float() / 255
        return self.pixel_model(self.crop(x, None) if self.crop else x)


@dataclass
class ExportReport:
    path: Path
    card_path: Path
    format: str
    sha256: str
    verification: Verification
    card: dict[str, Any]


def check_format(format: str, opset: int) -> None:
    if format not in FORMATS:
        raise ConfigError(f"--format: expected one of {', '.join(FORMATS)}, found {format!r}")
    if opset not in OPSETS:
        raise ConfigError(
            f"--opset: expected an ONNX opset from {OPSETS[0]} to {OPSETS[-1]}, found {opset}"
        )


def write_and_verify(
    module: nn.Module,
    inputs: torch.Tensor,
    described: str,
    format: str,
    out: Path,
    *,
    opset: int,
    meta: dict[str, Any],
    build: Callable[[dict[str, Any]], nn.Module],
) -> tuple[str, Verification]:
    """Write ``module`` to ``out`` atomically, run the file on ``inputs`` and compare."""
    example = inputs[:2] if len(inputs) >= 2 else inputs[:1].expand(2, *inputs.shape[1:])
    writers = {
        "onnx": lambda tmp: write_onnx(module, example, tmp, opset),
        "torchscript": lambda tmp: write_torchscript(module, example, tmp),
        "safetensors": lambda tmp: write_safetensors(module, tmp, meta),
    }
    atomic_write(out, writers[format])
    readers = {
        "onnx": lambda: onnx_forward(out),
        "torchscript": lambda: torchscript_forward(out),
        "safetensors": lambda: safetensors_forward(out, build),
    }
    return sha256(out), compare(module, readers[format](), inputs, described)


def finish(
    out: Path, format: str, digest: str, verification: Verification, card: dict[str, Any]
) -> ExportReport:
    card = {
        "file": out.name,
        "format": format,
        "sha256": digest,
        "size_bytes": out.stat().st_size,
        **card,
        "verification": verification.as_dict(),
    }
    card_path = out.with_name(out.name + ".json")
    atomic_write_text(card_path, json.dumps(card, indent=2) + "\n")
    return ExportReport(out, card_path, format, digest, verification, card)


def verification_images(run: Run, limit: int) -> tuple[torch.Tensor, str]:
    """uint8 images to compare on: the run's test split, or random pixels without it."""
    try:
        images = run.dataset("test").images[:limit]
        return images, f"the test split ({len(images):,} images)"
    except DataError:
        generator = torch.Generator().manual_seed(0)
        shape = (RANDOM_INPUTS, *run.image_shape)
        images = torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)
        return images, f"{RANDOM_INPUTS} random images (the test split is not at hand)"


def export_run(
    run: Run,
    format: str,
    out: str | Path,
    *,
    with_preprocess: bool = False,
    opset: int = DEFAULT_OPSET,
    max_verified: int = MAX_VERIFIED,
) -> ExportReport:
    """Export ``run``'s model to ``out``, verify the file against PyTorch on the test split
    (at most ``max_verified`` images) and write the model card ``out.json``."""
    check_format(format, opset)
    if with_preprocess and format == "safetensors":
        raise ConfigError(
            "--with-preprocess: expected --format onnx or torchscript (a graph that can hold "
            "the preprocessing), found safetensors (weights only)"
        )
    if format == "safetensors" and run.preprocess.kind in WHITENING:
        raise ConfigError(
            f"--format safetensors: expected a run whose preprocessing is none, mean or "
            f"standardize, found {run.preprocess.kind} whitening (its matrices do not travel "
            "in the file's metadata); export onnx or torchscript with --with-preprocess"
        )
    out = Path(out)
    model = copy.deepcopy(run.model).cpu().eval()
    images, described = verification_images(run, max_verified)
    cpu_run = dataclasses.replace(run, model=model)
    if with_preprocess:
        module, inputs = UInt8Input(cpu_run).eval(), images
    else:
        module, inputs = model, cpu_run.prepare(images)
    card = model_card(cpu_run, with_preprocess)
    digest, verification = write_and_verify(
        module, inputs, described, format, out, opset=opset, meta=card,
        build=model_from_meta,
    )  # fmt: skip
    return finish(out, format, digest, verification, card)


def model_card(run: Run, with_preprocess: bool) -> dict[str, Any]:
    """What a user of the exported file needs to feed it and to trust it."""
    results = run.results() if run.folder.path.is_dir() else None
    accuracy = results.get("accuracy") if isinstance(results, dict) else run.meta.get("accuracy")
    channels, height, width = run.image_shape if with_preprocess else run.input_shape
    return {
        **run.model_meta(),  # the model, its arguments, task head or ensemble members
        **run.provenance(),  # classes, image shape, border, dataset, recipe
        "input": {
            "name": INPUT,
            "shape": ["batch", channels, height, width],
            "layout": "NCHW",
            "dtype": "uint8" if with_preprocess else "float32",
            "values": "pixels 0..255, as stored" if with_preprocess else "preprocessed",
        },
        "preprocessing": {
            "baked_in": with_preprocess,
            "scale": "x / 255",
            "eval_crop": run.config.augment if run.eval_transform else None,
            "normalisation": run.preprocess.as_dict(),
        },
        "accuracy": accuracy,
    }


def export_model(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    format: str,
    out: str | Path,
    *,
    opset: int = DEFAULT_OPSET,
    count: int = 4,
) -> ExportReport:
    """Export any model for float inputs of ``input_shape`` (C, H, W) and verify it on
    ``count`` random inputs."""
    check_format(format, opset)
    out = Path(out)
    model = copy.deepcopy(model).cpu().eval()
    inputs = torch.randn((count, *input_shape), generator=torch.Generator().manual_seed(0))
    card = {"input": {"name": INPUT, "shape": ["batch", *input_shape], "layout": "NCHW"}}
    digest, verification = write_and_verify(
        model, inputs, f"{count} random inputs", format, out, opset=opset, meta=card,
        build=lambda _meta: copy.deepcopy(model),
    )  # fmt: skip
    return finish(out, format, digest, verification, card)
