"""``--arch SPEC`` for ``cnnlab train`` and ``cnnlab summary``: a network written as a
layer spec, or a ``.toml`` file holding one (see :mod:`cnnlab.nn.arch_spec`)."""

from __future__ import annotations

from typing import Any

from cnnlab.errors import ConfigError

ARCH_HELP = (
    "Your own network instead of MODEL: a layer spec such as "
    "'[conv3-32:p=1,relu]*2,pool2,fc128,relu,fc' or a .toml file with layers = [...]."
)


def arch_spec(arch: str, model: str | None) -> str:
    """The spec ``--arch`` gives (the text, or read from a .toml file); MODEL must be absent."""
    from cnnlab.models.arch import read_arch

    if model is not None:
        raise ConfigError(f"give MODEL or --arch, not both (found {model!r} and --arch)")
    return read_arch(arch)


def arch_config(arch: str, model: str | None, model_args: dict[str, Any]) -> dict[str, Any]:
    """The config fields ``--arch`` sets: the ``arch`` model with the spec as its argument."""
    from cnnlab.models.arch import ARCH_MODEL

    return {"model": ARCH_MODEL, "model_args": {**model_args, "spec": arch_spec(arch, model)}}
