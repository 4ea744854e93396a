"""A tiny real app behind the web lab's guards, for the guards' own tests.

``/echo`` streams the body and counts it, ``/json`` lets FastAPI parse a JSON body,
``/image`` takes an image as the lab's endpoints do and says what it decoded. The
factories are what :class:`lab_server.LabServer` serves.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cnnlab.errors import RequestError
from cnnlab.serve.images import decode_image, request_image
from cnnlab.serve.limits import BodyLimit

MAX_UPLOAD = 5 * 2**20
MAX_PIXELS = 4096 * 4096


def bare() -> FastAPI:
    app = FastAPI()

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.get("/ready-probe")
    async def ready() -> dict:
        return {"ready": True}

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        body = await request.body()
        return {"bytes": len(body)}

    @app.post("/json")
    async def parsed(payload: dict) -> dict:
        return {"keys": len(payload)}

    @app.post("/image")
    async def image(request: Request) -> dict:
        data = await request_image(request.headers.get("content-type", ""), await request.body())
        picture = decode_image(data, MAX_PIXELS)
        return {
            "format": picture.format,
            "size": list(picture.size),
            "mode": picture.mode,
            "pixel": picture.getpixel((0, 0)),
        }

    return app


def guarded() -> BodyLimit:
    return BodyLimit(bare(), MAX_UPLOAD, "--max-upload")
