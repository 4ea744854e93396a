"""Images sent to the web lab: taken out of a request body, then decoded safely.

A request carries its image either as JSON ``{"image": "data:image/png;base64,..."}``
(a data URL or bare base64, as a canvas's ``toDataURL()`` gives it) or as a
multipart form with a file field ``image``. :func:`request_image` returns the image
file's bytes; :func:`decode_image` checks the header before any pixel is decoded (the
format is one the lab takes; width x height within the pixel cap) and then decodes the
whole first frame, so a truncated file fails here rather than later. Every failure is
a :class:`~cnnlab.errors.RequestError` whose ``status`` the server answers with:
400 malformed or not an image, 413 over the pixel cap, 415 a type the lab does not take.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import AsyncIterator, Iterable

from PIL import Image
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from cnnlab.data.images import ImageRefused, open_checked
from cnnlab.errors import RequestError, shown

SERVED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp")
# Raster formats Pillow recognises from their first bytes but the lab does not take:
# named in a 415, never decoded. (Formats without a signature, such as TGA, are left out:
# random bytes would pass for them.)
OTHER_FORMATS = ("TIFF", "PPM", "ICO", "PSD", "JPEG2000", "DDS", "ICNS", "QOI", "AVIF")
DEFAULT_MAX_PIXELS = 4096 * 4096  # a 12-megapixel photo passes; a decompression bomb does not
BODY_TYPES = ("application/json", "multipart/form-data")
STATUS = {"not an image": 400, "corrupt": 400, "too large": 413}
DATA_URL = re.compile(r"data:(?P<type>[^;,]*)(?P<params>(;[^;,]*)*),(?P<data>.*)", re.DOTALL)


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The image file ``data`` decoded: its first frame, fully loaded.

    The pixel count is checked from the header before decoding; Pillow's own
    decompression-bomb error (twice its ``Image.MAX_IMAGE_PIXELS``) becomes a 413 as well.
    Between once and twice that limit Pillow only warns (a log line): such an image is
    then refused here by the cap, whose default is far below it.
    """
    if not data:
        raise RequestError("expected an image file, found 0 bytes")
    try:
        image = open_checked(io.BytesIO(data), max_pixels, SERVED_FORMATS)
    except ImageRefused as exc:
        foreign = foreign_format(data)
        if exc.kind == "not an image" and foreign:
            raise RequestError(
                f"expected a PNG, JPEG, GIF, BMP or WebP image, found {foreign}", 415
            ) from None
        raise RequestError(str(exc), STATUS[exc.kind]) from None
    try:
        image.load()  # the first frame; a GIF or WebP animation's other frames stay unread
    except Exception as exc:  # truncated or corrupt data; Pillow's plugins raise many types
        raise RequestError(
            f"expected a complete {image.format} image, found corrupt data "
            f"({shown(exc)[:200] or type(exc).__name__})"
        ) from None
    return image


def foreign_format(data: bytes) -> str | None:
    """What ``data`` is when it is a known kind of file the lab does not take, else None."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "an SVG drawing (vector images are not decoded)"
    if head.startswith(b"%pdf-"):
        return "a PDF document"
    try:
        with Image.open(io.BytesIO(data), formats=OTHER_FORMATS) as handle:
            return f"an image in the {handle.format} format"
    except Exception:  # not one of them either: plain "not an image"
        return None


async def request_image(content_type: str, body: bytes) -> bytes:
    """The image file's bytes from a JSON or multipart request body (see module doc)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in BODY_TYPES:
        found = repr(shown(content_type)[:80]) if content_type else "no Content-Type"
        raise RequestError(
            f"expected a body of type application/json or multipart/form-data, found {found}",
            415,
        )
    if not body:
        raise RequestError(f"expected an image in the {media_type} body, found an empty body")
    if media_type == "application/json":
        return json_image(body)
    return await multipart_image(content_type, body)


def json_image(body: bytes) -> bytes:
    """The image of a JSON body ``{"image": "<data URL or base64>"}``."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
        reason = str(exc).splitlines()[0][:120] if isinstance(exc, ValueError) else "too deep"
        raise RequestError(f"expected a JSON object, found malformed JSON ({reason})") from None
    if not isinstance(document, dict):
        raise RequestError(f'expected a JSON object {{"image": ...}}, found {kind(document)}')
    if "image" not in document:
        raise RequestError(
            f'expected a JSON object with the field "image", found {fields(document)}'
        )
    extra = sorted(set(document) - {"image"})
    if extra:
        raise RequestError(
            f'expected only the field "image" (options go in the query), found {fields(extra)}'
        )
    value = document["image"]
    if not isinstance(value, str):
        raise RequestError(f'expected "image" to be a data URL or base64 text, found {kind(value)}')
    return text_image(value)


async def multipart_image(content_type: str, body: bytes) -> bytes:
    """The image of a multipart form whose only field is ``image`` (a file or text)."""

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    parser = MultiPartParser(
        Headers({"content-type": content_type}),
        chunks(),
        max_files=1,
        max_fields=1,
        max_part_size=len(body),  # the body is already within the upload cap
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise RequestError(
            f'expected a multipart form with the field "image", found invalid multipart '
            f"data ({shown(exc.message)[:120]})"
        ) from None
    try:
        names = list(form.keys())
        if names != ["image"]:
            raise RequestError(f'expected one multipart field "image", found {fields(names)}')
        value = form["image"]
        if isinstance(value, UploadFile):
            return await value.read()
        return text_image(value)
    finally:
        await form.close()


def text_image(text: str) -> bytes:
    """The bytes of a data URL or of bare base64 text."""
    found = DATA_URL.fullmatch(text)
    if found:
        media_type = found["type"].strip().lower()
        if media_type and media_type not in MEDIA_TYPES:
            raise RequestError(
                f"expected a data URL of type {', '.join(MEDIA_TYPES)}, "
                f"found {shown(media_type)[:60]!r}",
                415,
            )
        if ";base64" not in found["params"].lower():
            raise RequestError(
                "expected a base64 data URL (data:image/png;base64,...), found one without ;base64"
            )
        text = found["data"]
    compact = "".join(text.split())  # line breaks are allowed in base64
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(
            f"expected a data URL or base64 text, found {shown(text)[:40]!r}"
            f"{'...' if len(text) > 40 else ''} (not valid base64)"
        ) from None
    return data


def kind(value: object) -> str:
    """``a list``, ``a number``: what a JSON value is, for messages."""
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def fields(names: Iterable[object]) -> str:
    """``fields 'a', 'b'``: the (first eight) field names of a body, for messages."""
    listed = ", ".join(repr(shown(name)[:40]) for name in list(names)[:8])
    return f"fields {listed}" if listed else "no fields"
