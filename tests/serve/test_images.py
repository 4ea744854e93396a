"""Images sent to the lab, against a real uvicorn server on loopback: the formats it takes
arrive decoded, every bad image or body is a 4xx with a one-line message, a decompression
bomb is refused from its header without the server decoding it."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from image_cases import BAD_FILES, GOOD, as_json, bomb_png, encoded
from lab_server import LabServer
from PIL import Image

from cnnlab.errors import RequestError
from cnnlab.serve.images import decode_image

MB = 2**20


@pytest.fixture(scope="module")
def server():
    with LabServer("guarded_app:guarded") as running:
        yield running


def send_json(server: LabServer, body) -> httpx.Response:
    return httpx.post(f"{server.url}/image", json=body, timeout=60)


def send_file(server: LabServer, data: bytes, field: str = "image") -> httpx.Response:
    files = {field: ("upload.bin", data, "application/octet-stream")}
    return httpx.post(f"{server.url}/image", files=files, timeout=60)


@pytest.mark.parametrize("fmt", list(GOOD))
@pytest.mark.parametrize("carrier", ["data-url", "bare-base64", "multipart"])
def test_every_format_the_lab_takes_arrives_decoded(server, fmt, carrier):
    data = GOOD[fmt]
    if carrier == "multipart":
        answer = send_file(server, data)
    elif carrier == "data-url":
        answer = send_json(server, as_json(data, f"image/{fmt.lower()}"))
    else:
        answer = send_json(server, {"image": base64.b64encode(data).decode()})
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == fmt
    assert answer.json()["size"] == [40, 30]


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("carrier", ["json", "multipart"])
def test_a_bad_image_is_a_4xx_with_a_one_line_message(server, name, carrier):
    data, status, words = BAD_FILES[name]
    answer = send_file(server, data) if carrier == "multipart" else send_json(server, as_json(data))
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert words in detail
    assert "\n" not in detail and "Traceback" not in detail


@pytest.mark.parametrize(
    ("side", "bits"), [(20000, 1), (9000, 8)], ids=["over-pillows-own-limit", "under-it"]
)
def test_a_decompression_bomb_is_refused_without_decoding_it(server, side, bits):
    """20000 x 20000 is over Pillow's own limit; 9000 x 9000 at 8 bits (81 MB decoded) is
    under it and over the lab's cap, which alone stops it: the peak memory must not move."""
    send_json(server, as_json(GOOD["PNG"]))
    before = server.memory("VmHWM")
    answer = send_json(server, as_json(bomb_png(side, bits)))
    assert answer.status_code == 413
    assert f"{side}x{side}" in answer.json()["detail"] or "exceeds limit" in answer.json()["detail"]
    assert server.memory("VmHWM") - before < 20 * MB


BAD_BODIES = [
    ("application/json", b"{not json", 400, "expected a JSON object, found malformed JSON"),
    ("application/json", b"[" * 100_000, 400, "found malformed JSON"),
    ("application/json", b"\xff\xfe\x00", 400, "found malformed JSON"),
    ("application/json", b'["image"]', 400, 'expected a JSON object {"image": ...}, found a list'),
    ("application/json", b'{"picture": "x"}', 400, "found fields 'picture'"),
    ("application/json", b'{"image": 7}', 400, "found a number"),
    ("application/json", b'{"image": "%%%"}', 400, "found '%%%' (not valid base64)"),
    ("application/json", b'{"image": "data:text/html;base64,PGI+"}', 415, "found 'text/html'"),
    ("application/json", b'{"image": "data:image/png,rawtext"}', 400, "without ;base64"),
    ("application/json", b"", 400, "found an empty body"),
    ("text/plain", b"hello", 415, "application/json or multipart/form-data, found 'text/plain'"),
    ("image/png", GOOD["PNG"], 415, "found 'image/png'"),
    ("multipart/form-data", b"--x\r\n", 400, "Missing boundary"),
    ("multipart/form-data; boundary=x", b"no parts at all", 400, "invalid multipart data"),
]  # fmt: skip


@pytest.mark.parametrize(("content_type", "body", "status", "words"), BAD_BODIES)
def test_a_malformed_body_or_content_type_is_a_4xx_naming_what_was_found(
    server, content_type, body, status, words
):
    answer = httpx.post(f"{server.url}/image", content=body, headers={"content-type": content_type})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_a_request_without_a_content_type_is_a_415(server):
    answer = httpx.post(f"{server.url}/image", content=b"x", headers={"content-type": ""})
    assert answer.status_code == 415
    assert "found no Content-Type" in answer.json()["detail"]


def test_a_multipart_form_takes_the_one_field_image_only(server):
    assert "found fields 'file'" in send_file(server, GOOD["PNG"], field="file").json()["detail"]
    two = httpx.post(
        f"{server.url}/image",
        files={"image": ("a.png", GOOD["PNG"], "image/png")},
        data={"path": "/etc/passwd"},
    )
    assert two.status_code == 400
    as_text = httpx.post(f"{server.url}/image", data=as_json(GOOD["PNG"]), files={"x": b""})
    assert as_text.status_code == 400  # two fields, one of them a file


def test_a_data_url_in_a_multipart_text_field_is_taken(server):
    boundary = "lab-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"\r\n\r\n'
        f"{as_json(GOOD['PNG'])['image']}\r\n--{boundary}--\r\n"
    ).encode()
    answer = httpx.post(
        f"{server.url}/image",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == "PNG"


def test_an_animation_gives_its_first_frame():
    frames = [Image.new("L", (8, 8), value) for value in (10, 200, 90)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    picture = decode_image(buffer.getvalue())
    assert picture.convert("L").getpixel((0, 0)) == 10


def test_the_pixel_cap_is_the_callers():
    data = encoded(Image.new("L", (100, 100)), "PNG")
    assert decode_image(data, max_pixels=100 * 100).size == (100, 100)
    with pytest.raises(RequestError, match=r"at most 9,999 pixels, found 100x100") as refused:
        decode_image(data, max_pixels=9_999)
    assert refused.value.status == 413
