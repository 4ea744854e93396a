"""Reading files a run folder claims to hold, defensively: regular files only, of a bounded
size, so a symlink to ``/dev/zero`` or a FIFO cannot hang a command or fill memory."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cnnlab.errors import CnnlabError, RunError

MiB = 1 << 20


def regular_file(path: str | os.PathLike, limit: int, error: type[CnnlabError] = RunError) -> Path:
    """``path`` if it is a regular file (not a link, device or FIFO) of at most ``limit``
    bytes; otherwise ``error`` saying what was found."""
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise error(f"{path} does not exist") from None
    except OSError as exc:
        raise error(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        raise error(f"{path}: expected a regular file, found {kind}")
    if info.st_size > limit:
        raise error(
            f"{path}: expected at most {limit / MiB:,.0f} MiB, found {info.st_size / MiB:,.1f} MiB"
        )
    return path


def read_text(path: str | os.PathLike, limit: int, error: type[CnnlabError] = RunError) -> str:
    """The UTF-8 text of a bounded regular file; ``error`` naming it otherwise."""
    path = regular_file(path, limit, error)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path} cannot be read as text: {exc}") from exc


def sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def user_cache(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/cnnlab/PARTS`` (``~/.cache`` when the variable is unset): where
    downloaded datasets, generated datasets and published weights are kept."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root, "cnnlab", *parts)
