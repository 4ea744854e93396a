"""A real HTTP server on 127.0.0.1 that serves generated files, well or badly.

The first path segment says how: ``/good/NAME`` serves the file, ``/missing/NAME``
answers 404, ``/corrupt/NAME`` serves it with one byte changed, ``/drop/NAME``
announces the full length, sends half and closes the connection.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class FileServer:
    base: str  # http://127.0.0.1:PORT/
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def mirror(self, behaviour: str) -> str:
        return f"{self.base}{behaviour}/"


def _handler(server: FileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the http.server API)
            server.requests.append(self.path)
            behaviour, _, name = self.path.lstrip("/").partition("/")
            body = server.files.get(name)
            if body is None or behaviour == "missing":
                self.send_error(404)
                return
            if behaviour == "corrupt":
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if behaviour == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_files() -> Iterator[FileServer]:
    """A server in a thread for the ``with`` block; put the files in its ``files``."""
    state = FileServer("")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
