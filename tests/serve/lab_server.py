"""A real uvicorn server in its own process, for tests that talk to it over loopback.

The test binds a listening socket on 127.0.0.1 (port 0: the system picks a free one) and
hands it to the child process, so there is no race for the port. The server runs in its
own process so that its memory (``VmRSS``, and ``VmHWM``, the peak) can be read from
``/proc`` apart from the test's own.

Run as a script, the module is that child: ``python lab_server.py FD MODULE:FACTORY
[AUDIT_LOG]`` serves ``FACTORY()`` on the inherited socket FD. With AUDIT_LOG, every file
the server opens and every outgoing connection it makes is appended to that file
(Python's audit hooks), so a test can check that a request made it open nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


class LabServer:
    """``with LabServer("module:factory") as server:`` serves until the block ends."""

    def __init__(self, target: str, audit_log: Path | None = None, timeout: float = 120):
        self.target, self.audit_log, self.timeout = target, audit_log, timeout

    def __enter__(self) -> LabServer:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        fd = self.listener.fileno()
        command = [sys.executable, str(Path(__file__)), str(fd), self.target]
        if self.audit_log:
            command.append(str(self.audit_log))
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{HERE}", "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            command, pass_fds=[fd], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{output}")
            try:
                httpx.get(f"{self.url}/ready-probe", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {self.timeout} s")

    def memory(self, field: str = "VmHWM") -> int:
        """The server process's ``VmRSS`` (now) or ``VmHWM`` (peak so far), in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def alive(self) -> bool:
        return self.process.poll() is None

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.listener.close()


def audit_to(path: str) -> None:
    """Append each file opened and each outgoing connection to ``path``."""
    log = open(path, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)

    def hook(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str | bytes):
            log.write(f"open {os.fsdecode(args[0])}\n")
        elif event == "socket.connect":
            log.write(f"connect {args[1]!r}\n")

    sys.addaudithook(hook)


def serve(fd: int, target: str, audit_log: str | None) -> None:
    import uvicorn

    module, name = target.split(":")
    app = getattr(importlib.import_module(module), name)()
    if audit_log:  # after start-up: what the requests make the server do
        audit_to(audit_log)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    asyncio.run(uvicorn.Server(config).serve(sockets=[socket.socket(fileno=fd)]))


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
