"""A worked derivation: the steps a person reads and the numbers a program reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Derivation:
    """``steps`` are the lines of the worked example, the formulas with the numbers filled
    in; ``values`` holds every number they arrive at, for ``--json`` and for tests."""

    topic: str
    title: str
    steps: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, line: str = "", **values: Any) -> None:
        """One step, and the numbers it establishes."""
        self.steps.append(line)
        self.values.update(values)

    def text(self) -> str:
        return "\n".join([self.title, *self.steps]) + "\n"

    def json(self) -> str:
        return json.dumps({"topic": self.topic, **self.values}, indent=2) + "\n"


def count(n: int) -> str:
    """``102,760,448``: a count as the lectures print it."""
    return f"{n:,}"


def volume(shape: tuple[int, ...]) -> str:
    """``32x32x3``: a volume as the lectures write it, width x height x depth."""
    return "x".join(map(str, shape))
