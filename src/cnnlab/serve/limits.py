"""A cap on request bodies, enforced before anything parses them.

:class:`BodyLimit` is a pure ASGI middleware. A request whose Content-Length is over
the cap is answered 413 at once, without reading a byte of its body. A body of
unknown length (chunked, streamed) is counted as its ``http.request`` messages
arrive; the message that crosses the cap is never handed to the application: the
wrapped ``receive`` raises instead, the application's own answer (if it makes one
from that error) is dropped, and the middleware answers 413. The server reads no
more of the body after that, so a client sending gigabytes costs one message of
memory, not gigabytes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_UPLOAD = 5 * 2**20  # bytes: a drawing or a photo, not a dataset


class BodyTooLarge(Exception):
    """Raised inside the wrapped ``receive`` when the body passes the cap."""


def size_text(size: int) -> str:
    """``5 MB``, ``512 KB``, ``1,000 bytes``: a byte count as a person wrote it."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    if size >= 2**20:
        return f"{size / 2**20:.1f} MB"
    return f"{size:,} bytes"


class BodyLimit:
    """Answer 413 to any HTTP request whose body is over ``max_bytes``.

    ``option`` names the setting a user changes to raise the cap; it ends the message.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_UPLOAD, option: str = ""):
        if max_bytes < 0:
            raise ValueError(f"expected a body cap of 0 bytes or more, found {max_bytes}")
        self.app, self.max_bytes = app, max_bytes
        hint = f" ({option})" if option else ""
        self.message = f"request body over the {size_text(max_bytes)} limit{hint}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await answer(send, 413, self.message)
            return
        await self.counted(scope, receive, send)

    async def counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application on a ``receive`` that counts the body's bytes."""
        received = 0
        over = started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:  # the application asked again after the refusal
                raise BodyTooLarge(self.message)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise BodyTooLarge(self.message)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # whatever the application makes of the refusal, the answer is 413
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await answer(send, 413, self.message)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none that is one whole number
    (the HTTP server refuses those itself; the count as the body arrives still holds)."""
    values = {
        value.strip() for name, value in scope["headers"] if name.lower() == b"content-length"
    }
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdigit() else None


async def answer(send: Send, status: int, detail: str) -> None:
    """A complete JSON response ``{"detail": ...}``; the connection closes after it,
    since the rest of the request body is never read."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
