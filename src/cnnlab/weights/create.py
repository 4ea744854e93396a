"""A registered model with learned weights in one call, in the spirit of torchvision's
``resnet18(weights=...)``::

    create_model("lenet5", weights="mnist")                 # cnnlab:lenet5-mnist
    create_model("lenet5", weights="cnnlab:lenet5-digits")  # a shipped file by its full name
    create_model("resnet18", weights="imagenet")            # torchvision:resnet18, downloaded once

``weights`` names shipped weights (``cnnlab weights``) by the dataset they were trained on or
in full, or published ImageNet weights (``imagenet`` or ``torchvision:NAME``). The model
registry sits below the weights layer and cannot import it, so this entry point lives here;
``cnnlab.create_model`` is the same function.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.weights.io import read_weights
from cnnlab.weights.pretrained import load_pretrained, read_state_dict
from cnnlab.weights.published import PREFIX as PUBLISHED_PREFIX
from cnnlab.weights.published import PUBLISHED, published_path
from cnnlab.weights.shipped import PREFIX as SHIPPED_PREFIX
from cnnlab.weights.shipped import SHIPPED, shipped_path

IMAGENET = "imagenet"  # the short name of a model's published ImageNet weights


def weights_names(model: str) -> dict[str, str]:
    """The ``weights`` values ``model`` accepts, each with the full name it stands for."""
    names: dict[str, str] = {}
    for entry in SHIPPED.values():
        if entry.model == model:
            full = f"{SHIPPED_PREFIX}{entry.name}"
            names[full] = full
            names.setdefault(entry.dataset, full)  # the first entry of a dataset owns its name
    if model in PUBLISHED:
        names[IMAGENET] = names[f"{PUBLISHED_PREFIX}{model}"] = f"{PUBLISHED_PREFIX}{model}"
    return names


def models_with_weights() -> list[str]:
    return sorted({entry.model for entry in SHIPPED.values()} | set(PUBLISHED))


def create_model(name: str, *, weights: str | None = None, **kwargs: Any) -> nn.Module:
    """The registered model ``name`` (``kwargs`` as :func:`cnnlab.models.create` takes them)
    with the learned ``weights``, in eval mode; without ``weights``, freshly initialised.

    Arguments that change the head (another ``num_classes``) keep the learned features and
    start the head fresh, as ``--pretrained`` does; any other misfit is a ModelError.
    Published weights are downloaded into the cache (``$XDG_CACHE_HOME/cnnlab/weights``)
    the first time."""
    models.get_model_info(name)  # an unknown model is named before its weights
    if weights is None:
        return models.create(name, **kwargs)
    names = weights_names(name)
    if not names:
        raise ModelError(
            f"weights={weights!r}: model {name!r} has no shipped or published weights; "
            f"models with weights: {', '.join(models_with_weights())}"
        )
    if weights not in names:
        raise UnknownNameError(f"{name} weight", weights, names)
    source = names[weights]
    if source.startswith(SHIPPED_PREFIX):
        tensors, meta = read_weights(shipped_path(source))
        model = models.create(name, **{**meta["model_args"], **kwargs})
    else:
        tensors = read_state_dict(published_path(source))
        model = models.create(name, **kwargs)
    load_pretrained(model, source, tensors)
    return model.eval()
