"""A search space: the TOML file ``cnnlab tune --space`` reads.

A plain value fixes a ``cnnlab train`` field (``model = "lenet5"``); a table searches one:
``{low, high}`` for a number (``log = true`` samples on the log scale, ``step`` makes the
range a finite ladder), or ``{choices = [...]}``. Architecture arguments go under
``model_args`` the same way (``[model_args.width]``), and are searched as
``model_args.width``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig
from cnnlab.train.checks import check_model_options
from cnnlab.train.config import read_toml

MODEL_ARGS = "model_args"


@dataclass
class Space:
    """Fixed config fields and searched ones (name -> its table), as read from ``source``."""

    fixed: dict[str, Any]
    searched: dict[str, dict[str, Any]]
    source: str

    def config(self, params: dict[str, Any], out: str | Path) -> TrainConfig:
        """The training config of one trial: the fixed fields, then ``params``."""
        values = {**self.fixed, MODEL_ARGS: dict(self.fixed.get(MODEL_ARGS, {}))}
        for name, value in params.items():
            if name.startswith(f"{MODEL_ARGS}."):
                values[MODEL_ARGS][name.split(".", 1)[1]] = value
            else:
                values[name] = value
        return TrainConfig.from_dict({**values, "out": str(out)}, source=self.source)

    def is_log(self, name: str) -> bool:
        return bool(self.searched[name].get("log", False))

    def grid(self) -> dict[str, list[Any]]:
        """Every value of every searched field, for the grid sampler; a range needs ``step``."""
        grid = {}
        for name, spec in self.searched.items():
            if "choices" in spec:
                grid[name] = list(spec["choices"])
            elif "step" not in spec:
                raise ConfigError(
                    f"{self.source}: --sampler grid needs a finite space, but {name!r} is a "
                    f"range without step ({spec['low']}..{spec['high']}); give it step or choices"
                )
            else:
                count = math.floor((spec["high"] - spec["low"]) / spec["step"] + 1e-9) + 1
                grid[name] = [round(spec["low"] + i * spec["step"], 12) for i in range(count)]
        return grid

    def text(self) -> str:
        """The space as a TOML file that :func:`read_space` reads back."""
        model_args = self.fixed.get(MODEL_ARGS, {})
        lines = [f"{k} = {toml_value(v)}" for k, v in self.fixed.items() if k != MODEL_ARGS]
        if model_args:
            lines += [
                "",
                f"[{MODEL_ARGS}]",
                *(f"{k} = {toml_value(v)}" for k, v in model_args.items()),
            ]
        for name, spec in self.searched.items():
            lines += ["", f"[{name}]", *(f"{k} = {toml_value(v)}" for k, v in spec.items())]
        return "\n".join(lines) + "\n"


def read_space(path: str | Path) -> Space:
    """The space in the TOML file ``path``; field names and fixed values are checked against
    TrainConfig, and every range at both of its ends."""
    path = Path(path)
    source = f"--space {path}"
    values = read_toml(path, source)
    model_args = values.pop(MODEL_ARGS, {})
    fixed = {k: v for k, v in values.items() if not isinstance(v, dict)}
    searched = {k: v for k, v in values.items() if isinstance(v, dict)}
    fixed_args = {k: v for k, v in model_args.items() if not isinstance(v, dict)}
    if fixed_args:
        fixed[MODEL_ARGS] = fixed_args
    searched |= {f"{MODEL_ARGS}.{k}": v for k, v in model_args.items() if isinstance(v, dict)}
    space = Space(fixed, searched, source)
    for name, spec in searched.items():
        check_spec(space, name, spec)
    space.config({}, "check")
    return space


def check_spec(space: Space, name: str, spec: dict[str, Any]) -> None:
    """One searched field: a range or choices, each end a value the field accepts."""
    if "choices" in spec:
        if not isinstance(spec["choices"], list) or not spec["choices"]:
            raise ConfigError(f"{space.source}: {name!r} choices must be a non-empty list")
        ends = spec["choices"]
    elif {"low", "high"} <= spec.keys():
        low, high = spec["low"], spec["high"]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            raise ConfigError(f"{space.source}: {name!r} low and high must be numbers")
        if not low < high:
            raise ConfigError(f"{space.source}: {name!r} needs low < high, found {low}..{high}")
        if spec.get("log") and "step" in spec:
            raise ConfigError(f"{space.source}: {name!r} cannot have both log and step")
        ends = [low, high]
    else:
        raise ConfigError(
            f"{space.source}: field {name!r} needs low and high or choices, found {sorted(spec)}"
        )
    for value in ends:
        try:
            check_model_options(space.config({name: value}, "check"))
        except ConfigError as exc:
            raise ConfigError(f"{space.source}: [{name}] {value!r}: {exc}") from None


def suggest(trial: Any, name: str, spec: dict[str, Any]) -> Any:
    """Optuna's suggestion for one searched field."""
    if "choices" in spec:
        return trial.suggest_categorical(name, spec["choices"])
    log, step = spec.get("log", False), spec.get("step")
    if is_int_range(spec):
        return trial.suggest_int(name, spec["low"], spec["high"], step=step or 1, log=log)
    return trial.suggest_float(name, spec["low"], spec["high"], step=step, log=log)


def is_int_range(spec: dict[str, Any]) -> bool:
    return all(isinstance(spec.get(k, 1), int) for k in ("low", "high", "step"))


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def refine_space(space: Space, rows: list[dict[str, str]], source: str, top: float = 0.25) -> Space:
    """Coarse to fine: ``space`` narrowed to the span of its best trials (the top ``top``
    share of the complete ``rows`` of a trials table, at least two), widened by a tenth of
    that span on each side (on the log scale for log fields) and kept inside the old range;
    choices keep those the best trials used. A field left with one value becomes fixed."""
    complete = [r for r in rows if r.get("state") == "COMPLETE" and r.get("value")]
    if len(complete) < 2:
        raise ConfigError(
            f"{source}: refining needs at least 2 complete trials, found {len(complete)}"
        )
    complete.sort(key=lambda r: float(r["value"]), reverse=True)
    best = complete[: max(2, math.ceil(top * len(complete)))]
    fixed, searched = dict(space.fixed), {}
    for name, spec in space.searched.items():
        if "choices" in spec:
            used = {r[name] for r in best}
            narrowed = {"choices": [c for c in spec["choices"] if str(c) in used]}
        else:
            narrowed = narrow_range(spec, [float(r[name]) for r in best])
        values = narrowed.get("choices") or [narrowed["low"], narrowed["high"]]
        if len(set(values)) == 1:
            fixed[name] = values[0]
        else:
            searched[name] = narrowed
    return Space(fixed, searched, source)


def narrow_range(spec: dict[str, Any], values: list[float], widen: float = 0.1) -> dict[str, Any]:
    """The range ``spec`` narrowed to ``values`` widened by ``widen`` of their span."""
    log = bool(spec.get("log"))
    scale, unscale = (math.log, math.exp) if log else (float, float)
    low, high = scale(spec["low"]), scale(spec["high"])
    lo, hi = min(map(scale, values)), max(map(scale, values))
    pad = widen * ((hi - lo) or (high - low))
    lo, hi = unscale(max(low, lo - pad)), unscale(min(high, hi + pad))
    if "step" in spec:
        step = spec["step"]
        lo = spec["low"] + math.floor((lo - spec["low"]) / step + 1e-9) * step
        hi = spec["low"] + math.ceil((hi - spec["low"]) / step - 1e-9) * step
    elif is_int_range(spec):
        lo, hi = math.floor(lo + 1e-9), math.ceil(hi - 1e-9)
    return {**spec, "low": round_like(spec, lo), "high": round_like(spec, hi)}


def round_like(spec: dict[str, Any], value: float) -> float | int:
    """``value`` as the range's type (6 significant digits for floats), inside the range."""
    rounded = int(round(value)) if is_int_range(spec) else float(f"{value:.6g}")
    return min(max(rounded, spec["low"]), spec["high"])
