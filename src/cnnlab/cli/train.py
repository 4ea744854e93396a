"""``cnnlab train``: train a registered model on a registered dataset into a run folder.

Every :class:`~cnnlab.train.TrainConfig` field is a flag, generated from the dataclass:
the help text and valid values declared in the field's metadata are the flag's help.
``--config recipe.toml`` loads a recipe; flags given explicitly override it. ``--resume RUN``
continues a stopped run.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from cnnlab.cli.app import app
from cnnlab.cli.arch import ARCH_HELP, arch_config
from cnnlab.errors import ConfigError
from cnnlab.fields import help_line
from cnnlab.train import TrainConfig, TrainingInterrupted, fit, load_recipe, resume
from cnnlab.viz.callbacks import SavePlots

HELP_PANEL = "Training configuration (also settable in a --config recipe)"


def _cli_type(field: dataclasses.Field) -> type:
    """The type typer parses a field's flag as: lists and dicts travel as strings."""
    kind = str(field.type)
    if kind.startswith(("list", "dict")):
        return str
    for name, python_type in (("bool", bool), ("int", int), ("float", float)):
        if kind.startswith(name):
            return python_type
    return str


def _option(field: dataclasses.Field) -> Any:
    flag = "--" + field.name.replace("_", "-")
    default = (
        field.default_factory()
        if field.default_factory is not dataclasses.MISSING
        else field.default
    )
    shown = ",".join(map(str, default)) if isinstance(default, list) else default
    decls = [f"{flag}/--no-{flag[2:]}"] if _cli_type(field) is bool else [flag]
    return typer.Option(
        None,
        *decls,
        help=escape(help_line(field)),  # "[0, 1)" is text, not rich markup
        show_default=str(shown),
        rich_help_panel=HELP_PANEL,
    )


MODEL_FIELD = next(f for f in dataclasses.fields(TrainConfig) if f.name == "model")
CONFIG_FIELDS = [f for f in dataclasses.fields(TrainConfig) if f.name != "model"]


def _parse(field: dataclasses.Field, value: Any) -> Any:
    """A flag's value as the field's type (comma lists, JSON dicts)."""
    kind = str(field.type)
    if kind.startswith("dict"):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"--{field.name.replace('_', '-')} expects JSON, found {value!r}"
            ) from exc
    if kind.startswith("list"):
        item = int if "int" in kind else float if "float" in kind else str
        try:
            return [item(part.strip()) for part in value.split(",") if part.strip()]
        except ValueError as exc:
            raise ConfigError(
                f"--{field.name.replace('_', '-')} expects comma-separated numbers, found {value!r}"
            ) from exc
    return value


def train_command(
    model: str | None, config: str | None, resume_run: str | None, arch: str | None, **flags: Any
) -> None:
    """Train MODEL and write a run folder (config, metrics, checkpoints, TensorBoard, plots)."""
    given = {f.name: _parse(f, flags[f.name]) for f in CONFIG_FIELDS if flags[f.name] is not None}
    if model is not None:
        given["model"] = model
    if arch is not None:
        given.update(arch_config(arch, model, given.get("model_args", {})))
    console = Console()
    try:
        if resume_run:
            result, out = resume(resume_run, given, callbacks=[SavePlots()]), resume_run
        else:
            values = {**(load_recipe(config) if config else {}), **given}
            if "model" not in values:
                raise ConfigError("no model given: name one (cnnlab train lenet5) or use --config")
            train_config = TrainConfig.from_dict(values)
            result, out = fit(train_config, callbacks=[SavePlots()]), train_config.out
    except TrainingInterrupted as exc:
        Console(stderr=True, soft_wrap=True).print(str(exc), markup=False, highlight=False)
        sys.exit(exc.exit_code)
    console.print(result.headline())
    console.print(f"run folder: {out}")


def _signature() -> inspect.Signature:
    params = [
        inspect.Parameter(
            "model",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=typer.Argument(None, help=escape(help_line(MODEL_FIELD))),
            annotation=str | None,
        ),
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--config", help="TOML recipe (see recipes/); flags override it."
            ),
            annotation=str | None,
        ),
        inspect.Parameter(
            "resume_run",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--resume", help="Continue this run folder from its newest checkpoint."
            ),
            annotation=str | None,
        ),
    ]
    params.append(
        inspect.Parameter(
            "arch",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(None, "--arch", help=escape(ARCH_HELP)),
            annotation=str | None,
        )
    )
    for field in CONFIG_FIELDS:
        params.append(
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=_option(field),
                annotation=_cli_type(field) | None,
            )
        )
    return inspect.Signature(params)


def _command(*args: Any, **kwargs: Any) -> None:
    bound = _signature_cache.bind(*args, **kwargs)
    values = dict(bound.arguments)
    train_command(
        values.pop("model"), values.pop("config"), values.pop("resume_run"), values.pop("arch"),
        **values,
    )  # fmt: skip


_signature_cache = _signature()
_command.__signature__ = _signature_cache  # type: ignore[attr-defined]
_command.__annotations__ = {p.name: p.annotation for p in _signature_cache.parameters.values()}
_command.__doc__ = train_command.__doc__
app.command("train")(_command)
