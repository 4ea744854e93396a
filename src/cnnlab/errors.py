"""cnnlab's own exceptions.

Every problem a user can cause (a wrong name, a bad file, a wrong shape) raises a
subclass of :class:`CnnlabError` whose message names the thing, what was expected
and what was found. The CLI prints the message without a traceback and exits with
``exit_code``.
"""

from __future__ import annotations

import difflib
import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path


class CnnlabError(Exception):
    """Base class: a problem the user can fix, reported without a traceback.

    Exit status 2: the input was bad (a name, a value, a file); 1: the work failed (a
    fault of the machine, a NaN loss); 130: interrupted."""

    exit_code = 2


class UnknownNameError(CnnlabError, KeyError):
    """A model, dataset or option name that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        if not close:
            close = [k for k in known if name.lower() in k.lower() or k.lower() in name.lower()][:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        plural = f"{kind}es" if kind.endswith("s") else f"{kind}s"
        message = f"unknown {kind} {name!r}.{hint} Known {plural}: {', '.join(known)}."
        super().__init__(message)
        self.kind, self.name, self.close_matches = kind, name, close

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])


class DataError(CnnlabError):
    """A dataset file or folder that cannot be read as what it claims to be."""


class ModelError(CnnlabError):
    """A model that cannot be built or run as asked (wrong input shape, bad options)."""


class RunError(CnnlabError):
    """A run folder that is missing, incomplete or unreadable."""


class CheckpointError(CnnlabError):
    """A checkpoint that cannot be written or does not verify."""

    exit_code = 1


class TrainingError(CnnlabError):
    """Training that had to stop (a NaN loss, say); what was done is kept."""

    exit_code = 1


class ConfigError(CnnlabError):
    """A configuration value or recipe file that is not valid."""


class FaultError(CnnlabError):
    """The machine refused an operation (disk full, read-only folder, no permission, out
    of memory); what was written before is kept."""

    exit_code = 1


class RequestError(CnnlabError):
    """A request to the web lab that cannot be served as sent. ``status`` is the HTTP
    status of the answer: 400 malformed, 413 too large, 415 an unsupported type."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def fault_reason(exc: BaseException, path: str | os.PathLike) -> str:
    """Why writing ``path`` failed, in a few words. Libraries that wrap the OS error
    (torch.save, safetensors) lose its errno: a full disk is then recognised by its
    free space."""
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, OSError) and exc.errno in REASONS:
        return REASONS[exc.errno]
    folder = Path(path).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        if shutil.disk_usage(folder).free < 1 << 20:
            return "the disk is full"
    except OSError:
        pass
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def write_fault(exc: BaseException, path: str | os.PathLike, kept: str) -> FaultError:
    """A FaultError saying that ``path`` could not be written, why, and what was kept."""
    return FaultError(f"cannot write {path}: {fault_reason(exc, path)}; {kept}")


def shown(text: object) -> str:
    """``text`` with control characters escaped as ``repr`` writes them, so a file named
    ``x\nerror: y`` prints as one line and cannot pass for a message of its own."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
