"""Declared configuration fields: each field's help text and valid values, in one place.

A config dataclass declares every field with :func:`option`, which keeps the help text and
a :class:`Check` in the field's metadata::

    @dataclass
    class Settings:
        lr: float = option(1e-3, "base learning rate", Real(0, low_open=True))
        seed: int = option(0, "seeds everything", Integer(0, 2**32 - 1, high_text="2**32 - 1"))

        def __post_init__(self) -> None:
            validate(self)

:func:`validate` runs every field's check when the config is built; a bad value raises
:class:`~cnnlab.errors.ConfigError` with one line naming the field, the valid values and
the value found (``lr must be a finite number > 0, found nan``). The command line takes
each flag's help from :func:`help_line`. This module sits at the base layer: it imports
only :mod:`cnnlab.errors` and the standard library.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from cnnlab.errors import ConfigError

MAX_SIDE = 4096  # pixels: the largest image side, crop or resize a config may ask for
MAX_PAD = 1024  # pixels of zero padding per side: 2 * 1024 + 32 already makes 4 MiB per image
MAX_SHOWN = 120  # characters of a bad value quoted in a message


class Invalid(Exception):
    """Raised by :meth:`Check.convert`: the value is outside the check's valid values."""


def shown(value: Any) -> str:
    """``value`` as a message quotes it: its repr on one line, cut if very long."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def bound(value: float) -> str:
    """A range end as messages write it: 0, 1, 0.5, 1e-08."""
    return f"{value:g}" if isinstance(value, float) else str(value)


class Check:
    """The valid values of one field. ``convert`` returns the value in its stored form (an
    int given for a float field becomes a float) or raises :class:`Invalid`."""

    def describe(self) -> str:
        raise NotImplementedError

    def convert(self, value: Any) -> Any:
        raise NotImplementedError

    def __call__(self, name: str, value: Any) -> Any:
        try:
            return self.convert(value)
        except Invalid:
            raise ConfigError(f"{name} must be {self.describe()}, found {shown(value)}") from None


@dataclasses.dataclass(frozen=True)
class Integer(Check):
    """An int (not a bool) in [low, high]."""

    low: int
    high: int
    high_text: str = ""  # how the help writes ``high`` (2**32 - 1), if not as digits

    def describe(self) -> str:
        return f"an integer in [{self.low}, {self.high_text or self.high}]"

    def convert(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise Invalid
        if not self.low <= value <= self.high:
            raise Invalid
        return int(value)

    def parse(self, text: str) -> int:
        """``text`` as an int; ValueError if it is not a whole number."""
        return int(text)


@dataclasses.dataclass(frozen=True)
class Real(Check):
    """A finite float between ``low`` and ``high`` (each end included unless open)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"in {left}{bound(self.low)}, {bound(self.high)}{right}"
        if self.low is not None:
            return f"a finite number {'>' if self.low_open else '>='} {bound(self.low)}"
        if self.high is not None:
            return f"a finite number {'<' if self.high_open else '<='} {bound(self.high)}"
        return "a finite number"

    def convert(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise Invalid
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            raise Invalid from None
        if not math.isfinite(number):
            raise Invalid
        if self.low is not None and (number <= self.low if self.low_open else number < self.low):
            raise Invalid
        if self.high is not None and (
            number >= self.high if self.high_open else number > self.high
        ):
            raise Invalid
        return number

    def parse(self, text: str) -> float:
        """``text`` as a float; ValueError if it is not a number."""
        return float(text)


@dataclasses.dataclass(frozen=True)
class OneOf(Check):
    """One of a fixed set of names; ``label`` is what the message calls the field."""

    choices: tuple[str, ...]
    label: str = ""

    def describe(self) -> str:
        return "one of " + ", ".join(self.choices)

    def convert(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise Invalid
        return value

    def __call__(self, name: str, value: Any) -> Any:
        try:
            return self.convert(value)
        except Invalid:
            raise ConfigError(
                f"unknown {self.label or name} {shown(value)}: expected one of "
                + ", ".join(self.choices)
            ) from None


@dataclasses.dataclass(frozen=True)
class Flag(Check):
    """True or False (not 0 or 1)."""

    def describe(self) -> str:
        return "true or false"

    def convert(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid
        return value


@dataclasses.dataclass(frozen=True)
class Text(Check):
    """A string, optionally non-empty."""

    nonempty: bool = False

    def describe(self) -> str:
        return "a non-empty string" if self.nonempty else "a string"

    def convert(self, value: Any) -> str:
        if not isinstance(value, str) or (self.nonempty and not value.strip()):
            raise Invalid
        return value


@dataclasses.dataclass(frozen=True)
class Maybe(Check):
    """None, or a value ``inner`` accepts."""

    inner: Check
    none: str = "None"  # what None means, for the help text

    def describe(self) -> str:
        return f"{self.none} or {self.inner.describe()}"

    def convert(self, value: Any) -> Any:
        return None if value is None else self.inner.convert(value)


@dataclasses.dataclass(frozen=True)
class ListOf(Check):
    """A list (or tuple) of values ``item`` accepts, stored as a list; optionally of a fixed
    ``length``, or strictly increasing (not both)."""

    item: Check
    length: int | None = None
    increasing: bool = False

    def describe(self) -> str:
        if self.length is not None:
            count = f"{self.length} values"
        else:
            count = "increasing values" if self.increasing else "a list of values"
        return f"{count}, each {self.item.describe()}"

    def convert(self, value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise Invalid
        if self.length is not None and len(value) != self.length:
            raise Invalid
        items = [self.item.convert(v) for v in value]
        if self.increasing and any(a >= b for a, b in zip(items, items[1:], strict=False)):
            raise Invalid
        return items


@dataclasses.dataclass(frozen=True)
class Custom(Check):
    """A check written as a function ``fn(name, value) -> stored value`` that raises its own
    one-line ConfigError (or :class:`Invalid` for the generic message)."""

    text: str
    fn: Callable[[str, Any], Any]

    def describe(self) -> str:
        return self.text

    def convert(self, value: Any) -> Any:
        return self.fn("value", value)

    def __call__(self, name: str, value: Any) -> Any:
        try:
            return self.fn(name, value)
        except Invalid:
            raise ConfigError(f"{name} must be {self.text}, found {shown(value)}") from None


def option(default: Any, help: str, check: Check | None = None) -> Any:
    """A dataclass field with ``default``, its help text and its valid values; a list or dict
    default is copied for every instance."""
    metadata = {"help": help, "check": check}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def help_line(field: dataclasses.Field) -> str:
    """A field's help text followed by its valid values (none said for flags and strings)."""
    help, check = field.metadata.get("help", ""), field.metadata.get("check")
    if check is None or isinstance(check, Flag | Text):
        return help
    return f"{help}; {check.describe()}"


def help_texts(cls: type) -> dict[str, str]:
    """:func:`help_line` of every field of the dataclass ``cls``, by name."""
    return {f.name: help_line(f) for f in dataclasses.fields(cls)}


def validate(instance: Any, names: Sequence[str] | None = None) -> None:
    """Run every declared check of the dataclass ``instance`` (or those of ``names``), in
    field order, storing each value in its converted form; the first bad one raises."""
    for f in dataclasses.fields(instance):
        check = f.metadata.get("check")
        if check is not None and (names is None or f.name in names):
            setattr(instance, f.name, check(f.name, getattr(instance, f.name)))


def check_value(cls: type, name: str, value: Any) -> Any:
    """``value`` checked as field ``name`` of the dataclass ``cls`` would be."""
    check = {f.name: f for f in dataclasses.fields(cls)}[name].metadata["check"]
    return check(name, value)
