"""Weights that ship inside cnnlab: small models trained by cnnlab's own recipes.

Each is a safetensors file under ``weights/files/`` whose metadata (as ``cnnlab export
--format safetensors`` writes it) holds everything a run holds: the model and its
arguments, the classes, the image shape, the preprocessing, the training configuration
and the training images' border. ``cnnlab:NAME`` names one wherever a run is accepted
(``Run.open``, ``--pretrained``, ``predict``, ``export``, ``viz``). The file's size and
full sha256 are checked at every load.

A shipped file is made by ``cnnlab export RUN --format safetensors --out
src/cnnlab/weights/files/NAME.safetensors`` from a run of the recipe; its row records the
commands (the file's metadata holds the configuration they produced: ``--out`` and no
``--data-dir``, the data found through ``CNNLAB_DATA``), the file's size and sha256 and the
accuracy ``cnnlab eval`` measures on the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from cnnlab.errors import CheckpointError, UnknownNameError
from cnnlab.models import create
from cnnlab.weights.io import read_weights

PREFIX = "cnnlab:"
FILES = Path(__file__).parent / "files"


@dataclass(frozen=True)
class ShippedWeights:
    name: str  # what follows "cnnlab:"
    model: str  # the registered model
    dataset: str  # what it was trained and tested on
    image_shape: tuple[int, int, int]  # (C, H, W) the model's images are fitted to
    accuracy: float  # top-1 on the test split, as `cnnlab eval` measures it
    test_images: int
    recipe: str  # the recipe file in recipes/
    command: str  # the exact commands that trained and exported it, from the repository root
    size: int  # bytes of the file
    sha256: str  # of the whole file

    @property
    def path(self) -> Path:
        return FILES / f"{self.name}.safetensors"


SHIPPED = {
    entry.name: entry
    for entry in [
        ShippedWeights(
            name="lenet5-mnist",
            model="lenet5",
            dataset="mnist",
            image_shape=(1, 32, 32),
            accuracy=0.9927,  # 0.73% test error
            test_images=10_000,
            recipe="recipes/lenet5-mnist.toml",
            command="CNNLAB_DATA=../shared/datasets cnnlab train --config "
            "recipes/lenet5-mnist.toml --out /tmp/ship/lenet5-mnist && cnnlab export "
            "/tmp/ship/lenet5-mnist --format safetensors --out "
            "src/cnnlab/weights/files/lenet5-mnist.safetensors",
            size=249_416,
            sha256="81e30798575a93ce0e8a18901d5c488540ab8062763a74b4130e0854edf8c6c0",
        ),
        ShippedWeights(
            name="smallcnn-mnist-bn",
            model="smallcnn_bn",
            dataset="mnist",
            image_shape=(1, 28, 28),
            accuracy=0.994,  # 0.60% test error
            test_images=10_000,
            recipe="recipes/smallcnn-mnist-bn-quick.toml",
            command="CNNLAB_DATA=../shared/datasets cnnlab train --config "
            "recipes/smallcnn-mnist-bn-quick.toml --out /tmp/ship/smallcnn && cnnlab export "
            "/tmp/ship/smallcnn --format safetensors --out "
            "src/cnnlab/weights/files/smallcnn-mnist-bn.safetensors",
            size=568_960,
            sha256="db390269e8a9253b6c12c2a0a0a751a43ca812ff0947447571cb89f9f7a5d217",
        ),
        ShippedWeights(
            name="lenet5-digits",
            model="lenet5",
            dataset="digits",
            image_shape=(1, 32, 32),
            accuracy=0.9722222222222222,  # 350 of 360
            test_images=360,
            recipe="recipes/lenet5-digits.toml",
            command="cnnlab train --config recipes/lenet5-digits.toml --out "
            "/tmp/ship/lenet5-digits && cnnlab export /tmp/ship/lenet5-digits --format "
            "safetensors --out src/cnnlab/weights/files/lenet5-digits.safetensors",
            size=249_440,
            sha256="0f0df8f925d4e645db706c8dbde212674ec689f5ddc709cccb53c66fd1292d24",
        ),
    ]
}


def is_shipped_name(source: str | Path) -> bool:
    return str(source).startswith(PREFIX)


def shipped_entry(source: str) -> ShippedWeights:
    """The entry ``cnnlab:NAME`` (or ``NAME``) names; an UnknownNameError if none."""
    name = str(source).removeprefix(PREFIX)
    if name not in SHIPPED:
        raise UnknownNameError("shipped model", name, SHIPPED)
    return SHIPPED[name]


def shipped_path(source: str) -> Path:
    """The file of ``cnnlab:NAME``, after checking its size and full sha256."""
    entry = shipped_entry(source)
    path = entry.path
    if not path.is_file():
        raise CheckpointError(f"{path}: the shipped weights {entry.name!r} are missing")
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if len(data) != entry.size or found != entry.sha256:
        raise CheckpointError(
            f"{path}: expected {entry.size:,} bytes with sha256 {entry.sha256}, found "
            f"{len(data):,} bytes with sha256 {found}; reinstall cnnlab"
        )
    return path


def load_shipped(source: str) -> nn.Module:
    """The model of ``cnnlab:NAME`` (or ``NAME``) with its shipped weights, in eval mode;
    ``cnnlab.Run.open("cnnlab:NAME")`` gives its classes and preprocessing as well."""
    tensors, meta = read_weights(shipped_path(source))
    model = create(meta["model"], **meta["model_args"])
    model.load_state_dict(tensors, strict=True)
    return model.eval()
