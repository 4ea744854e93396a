"""Downloads into the data folder: checksum-verified, atomic, falling back across mirrors.

A file is streamed into a temporary file beside its target and renamed into place
only after its MD5 matches the catalogue (:func:`cnnlab.atomic.atomic_write`), so an
interrupted or corrupted download never leaves a file that looks complete. When a
mirror fails (unreachable, an HTTP error, a dropped connection, a wrong checksum)
the next one is tried; when all fail, the DataError lists what each one did.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from cnnlab.atomic import atomic_write
from cnnlab.data.catalogue import CatalogueEntry, RemoteFile, catalogue_entry
from cnnlab.errors import DataError, FaultError, fault_reason

CHUNK = 1 << 16
TIMEOUT_S = 30.0  # seconds a mirror may stay silent before it counts as failed


class MirrorFailed(Exception):
    """One mirror could not deliver one file; the next mirror is tried."""


def md5_of(path: str | os.PathLike) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    dataset: str | CatalogueEntry,
    data_dir: str | os.PathLike,
    *,
    mirrors: list[str] | tuple[str, ...] | None = None,
    console: Console | None = None,
) -> list[Path]:
    """Fetch every file of ``dataset`` into ``data_dir/<folder>/`` and verify it.

    Files already there with the right checksum are kept. ``mirrors`` replaces the
    catalogue's base URLs (a local mirror, or a test server). Returns the files' paths.
    """
    entry = catalogue_entry(dataset) if isinstance(dataset, str) else dataset
    if mirrors is not None:
        entry = replace(entry, mirrors=tuple(mirrors))
    folder = Path(data_dir) / entry.folder
    console = console or Console(stderr=True)
    paths = []
    for remote in entry.files:
        target = folder / remote.name
        if not (target.is_file() and md5_of(target) == remote.md5):
            fetch(remote, entry.mirrors, target, console)
        paths.append(target)
    return paths


def fetch(remote: RemoteFile, mirrors: tuple[str, ...], target: Path, console: Console) -> Path:
    """Try each mirror in turn until one delivers ``remote`` with its checksum."""
    failures = []
    for position, base in enumerate(mirrors, start=1):
        url = base + remote.name
        try:
            atomic_write(target, lambda tmp, url=url: _fetch_to(url, tmp, remote.md5, console))
            return target
        except FaultError as exc:  # the folder, not the mirror: no use trying another
            reason = fault_reason(exc.__cause__ or exc, target)
            raise DataError(f"{target}: cannot write the download ({reason})") from exc
        except MirrorFailed as exc:
            failures.append(f"{url}: {exc}")
            if position < len(mirrors):
                console.print(
                    f"{url}: {exc}; trying the next mirror", markup=False, highlight=False
                )
    tried = "; ".join(failures) if failures else "no mirrors are listed"
    raise DataError(
        f"{target}: could not download {remote.name} with md5 {remote.md5} from any mirror "
        f"({tried})"
    )


def _fetch_to(url: str, tmp: Path, md5: str, console: Console) -> None:
    """Stream ``url`` into ``tmp``; raise MirrorFailed unless every byte arrived and matches."""
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(tmp, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with _progress(console) as bar:
                task = bar.add_task(url.rsplit("/", 1)[-1], total=total)
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(task, completed=received)
    except urllib.error.HTTPError as exc:
        raise MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise MirrorFailed(f"connection failed after {received:,} bytes ({reason})") from None
    if total is not None and received != total:
        raise MirrorFailed(f"connection closed after {received:,} of {total:,} bytes")
    if digest.hexdigest() != md5:
        raise MirrorFailed(f"expected md5 {md5}, found {digest.hexdigest()}")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
