"""A request's image, as the model receives it: the body read (the body cap of
:mod:`cnnlab.serve.limits` counts it as it arrives), the image file taken out of its JSON
or multipart wrapping and decoded under the pixel cap (:mod:`cnnlab.serve.images`), then
fitted to the run's training images off the event loop."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from cnnlab.serve.images import decode_image, request_image
from cnnlab.serve.lab import Fitted, Lab


async def read_image_body(request: Request) -> bytes:
    """The image file's bytes from a JSON data URL or a multipart field ``image``."""
    return await request_image(request.headers.get("content-type", ""), await request.body())


async def fitted_image(request: Request, lab: Lab, max_pixels: int) -> Fitted:
    """The request's image decoded and fitted (both in a worker thread: a large photo
    takes a while to decode and the page keeps drawing meanwhile)."""
    data = await read_image_body(request)
    return await run_in_threadpool(lambda: lab.fit(decode_image(data, max_pixels)))
