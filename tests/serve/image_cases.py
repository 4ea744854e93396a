"""Images for the lab's tests: good files in every format it takes, and bad ones (with the
status and words of their refusal)."""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib

from PIL import Image


def encoded(picture: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 20000, bits: int = 1) -> bytes:
    """A ``side`` x ``side`` black grey-level PNG of ``bits`` bits a pixel, written row by
    row: 20000 x 20000 at one bit is under 50 KB on disk and 400 megapixels decoded."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (side * bits + 7) // 8)  # the filter byte, then the packed pixels
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, bits, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def noise(fmt: str) -> bytes:
    return encoded(Image.effect_noise((200, 200), 60), fmt)


SEVEN = Image.new("RGB", (40, 30), (200, 30, 10))
GOOD = {
    "PNG": encoded(SEVEN, "PNG"),
    "JPEG": encoded(SEVEN, "JPEG", quality=95),
    "GIF": encoded(SEVEN, "GIF"),
    "BMP": encoded(SEVEN, "BMP"),
    "WEBP": encoded(SEVEN, "WEBP", lossless=True),
}


def as_json(data: bytes, media_type: str = "image/png") -> dict:
    return {"image": f"data:{media_type};base64,{base64.b64encode(data).decode()}"}


BAD_FILES = {
    "zero bytes": (b"", 400, "expected an image file, found 0 bytes"),
    "random bytes": (os.urandom(4096), 400, "found 4,096 bytes that are not PNG, JPEG"),
    "a text file": (b"just some words\n", 400, "found 16 bytes that are not PNG"),
    "a truncated JPEG": (noise("JPEG")[:3000], 400, "expected a complete JPEG image"),
    "a truncated PNG": (noise("PNG")[:3000], 400, "expected a complete PNG image"),
    "an SVG drawing": (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9" '
        b'height="9"><image href="file:///etc/passwd"/></svg>',
        415,
        "found an SVG drawing",
    ),
    "a TIFF image": (encoded(SEVEN, "TIFF"), 415, "found an image in the TIFF format"),
    "a decompression bomb": (bomb_png(), 413, "expected an image of at most 16,777,216 pixels"),
    "an image over the pixel cap": (
        encoded(Image.new("1", (5000, 4000)), "PNG"),
        413,
        "found 5000x4000 = 20,000,000",
    ),
}
