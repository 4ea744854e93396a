"""Running the lab: the listening socket, the words printed at start-up, uvicorn.

The lab binds the loopback address unless asked otherwise. Any other address makes it
reachable from other machines, with no login and the model's work on this machine's
processors for anyone who finds it, so start-up says so.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cnnlab.errors import ConfigError, FaultError
from cnnlab.train.run import Run

UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "M": 2**20, "MB": 2**20, "G": 2**30, "GB": 2**30}
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*", re.IGNORECASE)


def parse_size(text: str, option: str = "--max-upload") -> int:
    """``5MB``, ``512KB``, ``1.5MB`` or a number of bytes (KB = 1024 bytes) as bytes."""
    found = SIZE.fullmatch(text)
    if not found:
        raise ConfigError(
            f"{option}: expected a size such as 5MB, 512KB or 1000000 (bytes), found {text!r}"
        )
    return int(float(found[1]) * UNITS[found[2].upper()])


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it resolves to who knows what
        return False


def url(host: str, port: int) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}/"


def startup_lines(host: str, port: int, source: str) -> list[str]:
    """What ``cnnlab serve`` prints once it listens: the address, and a warning when the
    address is not the loopback one."""
    lines = [f"cnnlab lab for {source}: open {url(host, port)} (Ctrl+C stops it)"]
    if not is_loopback(host):
        lines.append(
            f"warning: --host {host} makes the lab reachable from other machines: anyone who "
            "can reach this address can use it (there is no login) and run the model on this "
            "machine; use --host 127.0.0.1 to keep it to yourself"
        )
    return lines


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) and listening; a one-line error when it cannot be.

    Made with protocol IPPROTO_TCP, not 0: asyncio turns off Nagle's algorithm only on
    sockets that say they are TCP, and with it on, an answer written as headers then body
    waits for the client's delayed acknowledgement, 40 ms a request."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise FaultError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc}); "
            "expected a free port on an address of this machine"
        ) from None
    sock.listen(128)
    return sock


def serve(
    run: Run,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_upload: int | None = None,
    threads: int | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the lab for ``run`` until interrupted; ``announce`` gets the start-up lines.
    ``threads``: torch's threads for the model's work (default: torch's, one per core)."""
    import torch
    import uvicorn

    from cnnlab.serve.app import create_app
    from cnnlab.serve.model_info import source_name

    if threads is not None:
        if threads < 1:
            raise ConfigError(f"--threads: expected 1 or more, found {threads}")
        torch.set_num_threads(threads)
    options = {} if max_upload is None else {"max_upload": max_upload}
    sock = listening_socket(host, port)  # a port in use is said before the lab is built
    app = create_app(run, **options)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    for line in startup_lines(host, sock.getsockname()[1], source_name(run)):
        announce(line)
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def serving_in_background(
    app: Any, *, host: str = "127.0.0.1", timeout: float = 60
) -> Iterator[str]:
    """``app`` under uvicorn on a thread of this process, on a free port of ``host``; yields
    its address and stops it on leaving. For notebooks, tests, benchmarks and screenshots:
    the same socket as ``cnnlab serve`` (so the same latency), while the caller goes on."""
    import uvicorn

    sock = listening_socket(host, 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    address = url(host, sock.getsockname()[1]).rstrip("/")  # callers add "/api/..."
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise FaultError(f"the lab did not start at {address} within {timeout:g} s")
            time.sleep(0.05)
        yield address
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
