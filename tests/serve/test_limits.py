"""The body cap, against a real uvicorn server on loopback: over the cap is a 413 before
anything parses the body, chunked bodies included, and the server never holds the excess."""

from __future__ import annotations

import socket

import httpx
import pytest
from guarded_app import MAX_UPLOAD
from lab_server import LabServer

from cnnlab.serve.limits import size_text

MB = 2**20
REFUSAL = {"detail": "request body over the 5 MB limit (--max-upload)"}
ENDPOINTS = ["/echo", "/json", "/image"]  # raw body, FastAPI's JSON parsing, the lab's images


@pytest.fixture(scope="module")
def server():
    with LabServer("guarded_app:guarded") as running:
        warm_up(running)
        yield running


def warm_up(server: LabServer) -> None:
    """Requests of every kind first, so that later memory growth is the upload's alone."""
    for _ in range(3):
        httpx.post(f"{server.url}/echo", content=bytes(MAX_UPLOAD))
        httpx.post(f"{server.url}/echo", content=chunks(MAX_UPLOAD))
        httpx.post(f"{server.url}/json", json={"a": 1})
        httpx.post(f"{server.url}/image", json={"image": ""})


def chunks(total: int, size: int = 64 * 1024):
    """``total`` bytes as a generator: httpx sends it chunked, without a Content-Length."""
    block = bytes(size)
    while total > 0:
        yield block[: min(size, total)]
        total -= size


def post(server: LabServer, path: str, content) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", content=content, timeout=60)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_up_to_the_cap_reaches_the_app_whole(server, chunked):
    for size in (0, 1000, MAX_UPLOAD):
        answer = post(server, "/echo", chunks(size) if chunked else bytes(size))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"bytes": size}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_one_byte_over_the_cap_is_a_413_naming_the_cap_and_the_option(server, chunked):
    answer = post(server, "/echo", chunks(MAX_UPLOAD + 1) if chunked else bytes(MAX_UPLOAD + 1))
    assert answer.status_code == 413
    assert answer.json() == REFUSAL
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50_mb_upload_is_refused_and_the_server_memory_stays_flat(server, path, chunked):
    """The peak resident memory (VmHWM) of the server process, not just its memory now: a
    server that buffered the upload and then freed it would still show the peak."""
    before = server.memory("VmHWM")
    answer = post(server, path, chunks(50 * MB) if chunked else bytes(50 * MB))
    growth = server.memory("VmHWM") - before
    assert answer.status_code == 413, answer.text
    assert answer.json() == REFUSAL
    assert growth < 20 * MB, f"the server's peak memory grew by {growth / MB:.1f} MB"
    assert post(server, "/echo", b"still here").json() == {"bytes": 10}


def test_the_memory_measure_sees_an_upload_that_is_buffered():
    """The same upload to the same app without the cap: the peak grows by the body's size,
    so the flat peak above is the cap's doing, not a measure blind to buffering."""
    with LabServer("guarded_app:bare") as bare:
        httpx.post(f"{bare.url}/echo", content=bytes(MB))
        before = bare.memory("VmHWM")
        answer = post(bare, "/echo", chunks(50 * MB))
        growth = bare.memory("VmHWM") - before
    assert answer.json() == {"bytes": 50 * MB}
    assert growth > 40 * MB, f"the peak grew by only {growth / MB:.1f} MB"


def test_a_declared_length_over_the_cap_is_refused_before_any_body_byte_is_sent(server):
    """Headers alone, the body never sent: the answer comes at once, so the server did
    not wait to read (or buffer) the body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n"
        )
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            data = connection.recv(65536)
            if not data:
                break
            reply += data
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert body.decode() == '{"detail": "request body over the 5 MB limit (--max-upload)"}'


@pytest.mark.parametrize(
    ("size", "text"),
    [(5 * MB, "5 MB"), (512 * 1024, "512 KB"), (2**30, "1 GB"), (1000, "1,000 bytes"),
     (3 * MB + 1, "3.0 MB")],
)  # fmt: skip
def test_the_cap_is_written_as_a_person_would(size, text):
    assert size_text(size) == text
