"""Images the lab's tests send and decode, as the page does."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def stroke_png(size: int = 280) -> bytes:
    """A "1" as a person draws it on the page: a dark vertical stroke on white."""
    canvas = np.full((size, size), 255, np.uint8)
    canvas[size // 7 : size - size // 7, size // 2 - size // 28 : size // 2 + size // 28] = 0
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    return buffer.getvalue()


def data_url(png: bytes) -> dict:
    return {"image": "data:image/png;base64," + base64.b64encode(png).decode()}


def decoded(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as picture:
        assert picture.format == "PNG"
        return np.asarray(picture.convert("L") if picture.mode == "P" else picture)  # as shown
