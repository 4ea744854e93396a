"""The web lab under abuse, on the shipped LeNet-5 served by a real uvicorn on loopback:
oversized uploads, bad images, random requests, and values that name files or URLs. Every
answer is a 4xx with one line, never a 500; the server's memory stays flat; and the audit
hooks of the server process show that no request opened a file or a connection."""

from __future__ import annotations

import socket

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_cases import BAD_FILES, GOOD, as_json
from lab_server import LabServer

MB = 2**20
IMAGE_ENDPOINTS = ["/api/analyse", "/api/unit", "/api/attack"]
OPTIONS = {  # the query options each endpoint declares
    "/api/analyse": ["attribution", "layers"],
    "/api/unit": ["layer", "channel", "y", "x"],
    "/api/attack": ["method", "eps", "steps"],
}
CONTENT_TYPES = [
    "application/json",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "text/plain",
    "image/png",
    "application/octet-stream",
    "",
]
RANDOM = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    canary = folder / "canary.png"
    canary.write_bytes(GOOD["PNG"])
    with LabServer("lab_app:lenet5_mnist", audit_log=folder / "audit.log") as server:
        server.canary = canary
        model = httpx.get(f"{server.url}/api/model", timeout=60).json()
        server.conv = next(row["name"] for row in model["layers"] if row["type"] == "Conv2d")
        server.client = httpx.Client(base_url=server.url, timeout=120)
        yield server
        server.client.close()


def options(lab: LabServer, path: str) -> dict:
    return {"layer": lab.conv} if path == "/api/unit" else {}


def one_line_refusal(answer: httpx.Response) -> str:
    """The answer's message, checked to be a 4xx with one line of JSON ``detail``."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    assert "Traceback" not in detail
    return detail


@pytest.mark.parametrize("path", IMAGE_ENDPOINTS)
def test_every_image_endpoint_answers_a_good_image(lab, path):
    """The baseline the refusals below are measured against."""
    by_json = lab.client.post(path, params=options(lab, path), json=as_json(GOOD["PNG"]))
    by_file = lab.client.post(
        path, params=options(lab, path), files={"image": ("7.jpg", GOOD["JPEG"], "image/jpeg")}
    )
    assert by_json.status_code == 200, by_json.text
    assert by_file.status_code == 200, by_file.text


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("path", IMAGE_ENDPOINTS)
def test_a_bad_image_is_refused_by_every_endpoint(lab, path, name):
    data, status, words = BAD_FILES[name]
    for answer in (
        lab.client.post(path, params=options(lab, path), json=as_json(data)),
        lab.client.post(path, params=options(lab, path), files={"image": ("x.png", data)}),
    ):
        assert answer.status_code == status, answer.text
        assert words in one_line_refusal(answer)


def chunks(total: int, size: int = 64 * 1024):
    block = bytes(size)
    for start in range(0, total, size):
        yield block[: min(size, total - start)]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", IMAGE_ENDPOINTS)
def test_a_50_mb_upload_is_refused_by_every_endpoint_with_memory_flat(lab, path, chunked):
    before = lab.memory("VmHWM")
    answer = httpx.post(
        f"{lab.url}{path}",
        params=options(lab, path),
        content=chunks(50 * MB) if chunked else bytes(50 * MB),
        headers={"content-type": "application/json"},
        timeout=120,
    )
    growth = lab.memory("VmHWM") - before
    assert answer.status_code == 413
    assert "request body over the 5 MB limit (--max-upload)" in one_line_refusal(answer)
    assert growth < 20 * MB, f"the server's peak memory grew by {growth / MB:.1f} MB"


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@RANDOM
@given(path=st.sampled_from(IMAGE_ENDPOINTS), body=JSON | st.fixed_dictionaries({"image": JSON}))
def test_random_json_bodies_get_a_4xx(lab, path, body):
    one_line_refusal(lab.client.post(path, params=options(lab, path), json=body))


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(
    str.strip
)


@RANDOM
@given(
    path=st.sampled_from(IMAGE_ENDPOINTS),
    content_type=st.sampled_from(CONTENT_TYPES) | HEADER_TEXT,
    body=st.binary(max_size=3000),
)
def test_random_content_types_and_bytes_get_a_4xx(lab, path, content_type, body):
    answer = lab.client.post(
        path, params=options(lab, path), content=body, headers={"content-type": content_type}
    )
    one_line_refusal(answer)


QUERY = st.dictionaries(
    st.sampled_from(sorted({name for names in OPTIONS.values() for name in names})) | st.text(),
    st.text(max_size=30) | st.integers().map(str) | st.floats().map(str),
    max_size=4,
)


@RANDOM
@given(path=st.sampled_from([*IMAGE_ENDPOINTS, "/api/model", "/"]), query=QUERY)
def test_random_query_options_get_an_answer_or_a_4xx_never_a_500(lab, path, query):
    if path.startswith("/api/") and path != "/api/model":
        answer = lab.client.post(path, params=query, json=as_json(GOOD["PNG"]))
    else:
        answer = lab.client.get(path, params=query)
    if answer.status_code != 200:
        one_line_refusal(answer)


@pytest.mark.parametrize("path", IMAGE_ENDPOINTS)
def test_an_option_the_endpoint_does_not_declare_is_a_400_naming_it(lab, path):
    answer = lab.client.post(
        path, params={**options(lab, path), "atribution": "gradcam"}, json=as_json(GOOD["PNG"])
    )
    detail = one_line_refusal(answer)
    assert answer.status_code == 400
    assert detail.startswith(f"unknown option 'atribution' for {path}; it takes ")
    assert ", ".join(sorted(OPTIONS[path])) in detail


def named_things(lab: LabServer) -> list[str]:
    """Values that name a file, a URL or a module, the canary file among them."""
    return [
        "../../etc/passwd",
        "file:///etc/passwd",
        f"http://127.0.0.1:{lab.port}/canary",
        "cnnlab.models",
        str(lab.canary),
        lab.canary.as_uri(),
    ]


@pytest.mark.parametrize("path", IMAGE_ENDPOINTS)
def test_values_naming_files_urls_or_modules_are_refused_and_nothing_is_opened(lab, path):
    image = as_json(GOOD["PNG"])["image"]
    for value in named_things(lab):
        base = options(lab, path)
        refused = [
            lab.client.post(path, params=base, json={"image": value}),
            lab.client.post(path, params=base, files={"image": (None, value)}),
            lab.client.post(path, params=base, json={"image": image, "model": value}),
            lab.client.post(path, params=base, json={"image": image, "path": value}),
            lab.client.post(path, params={**base, "model": value}, json={"image": image}),
            lab.client.post(path, params={**base, "file": value}, json={"image": image}),
            *(
                lab.client.post(path, params={**base, name: value}, json={"image": image})
                for name in OPTIONS[path]
            ),
        ]
        for answer in refused:
            one_line_refusal(answer)
        named_upload = lab.client.post(
            path, params=base, files={"image": (value, GOOD["PNG"], "image/png")}
        )
        assert named_upload.status_code == 200  # the file name is a label, never opened
    assert_nothing_opened(lab)


def raw_get(lab: LabServer, target: str) -> bytes:
    """The status line of ``GET target`` sent as written (a client library would resolve
    its dot segments first)."""
    with socket.create_connection(("127.0.0.1", lab.port), timeout=30) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return connection.recv(4096).split(b"\r\n", 1)[0]


def test_dot_segments_cannot_leave_the_static_folder(lab):
    """The canary file by a path climbing out of /static/, plain and percent-encoded."""
    climb = "../" * 16 + str(lab.canary).lstrip("/")
    targets = [
        f"/static/{climb}",
        "/static/" + climb.replace("../", "%2e%2e/"),
        "/static/" + climb.replace("../", "..%2f"),
        f"/static//{lab.canary}",
        "/static/../../../../../../../../etc/passwd",
    ]
    for target in targets:
        assert raw_get(lab, target).startswith(b"HTTP/1.1 404 "), target
    assert raw_get(lab, "/static/lab.js").startswith(b"HTTP/1.1 200 ")
    assert_nothing_opened(lab)


def assert_nothing_opened(lab: LabServer) -> None:
    """The server's audit log shows no file a request named and no connection at all; a
    page request before it shows the log does record the files the server opens."""
    assert lab.client.get("/").status_code == 200
    log = lab.audit_log.read_text()
    assert "index.html" in log  # the hook is live
    for line in log.splitlines():
        assert "passwd" not in line and "canary" not in line, line
        assert not line.startswith("connect"), line
