"""What a picture-making function returns: the numbers behind the picture, a title, the
file it goes to unless told otherwise, and ``save`` to draw it as PNG.

``saliency_picture(run, index=3).save()`` writes ``RUN/plots/saliency-test3.png`` from a
notebook exactly as ``cnnlab viz saliency RUN --index 3`` does from the shell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cnnlab.errors import ConfigError


@dataclass(kw_only=True)
class Picture:
    title: str
    default_path: Path | None  # where save() writes when given no path (None: it must be told)
    notes: list[str] = field(default_factory=list)  # lines worth printing beside the path

    def save(self, path: str | Path | None = None) -> Path:
        """Draw the picture into the PNG ``path`` (default: ``default_path``); the path."""
        target = path if path is not None else self.default_path
        if target is None:
            raise ConfigError(f"no file named for {self.title!r}: give a path (--out)")
        return self.draw(Path(target))

    def draw(self, path: Path) -> Path:
        raise NotImplementedError
