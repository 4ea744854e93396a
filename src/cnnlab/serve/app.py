"""The web lab's application: the page, and the JSON endpoints it calls.

The model is chosen here, at start-up, and nothing a request sends can name another one,
a file, a URL or a module. Request bodies pass the body cap (:class:`BodyLimit`) before
anything reads them. Every error is ``{"detail": "<one line>"}``: cnnlab's own errors
with their status (400 unless they carry another), FastAPI's validation errors as 422.
Responses are built as plain JSON (no response models to validate). The model's work
runs on the lab's model thread, so the event loop keeps answering while an analysis
runs; the endpoints are listed in the module :mod:`cnnlab.serve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from cnnlab.errors import CnnlabError, shown
from cnnlab.serve.analysis import analyse, parse_attributions
from cnnlab.serve.attack import attack
from cnnlab.serve.images import DEFAULT_MAX_PIXELS
from cnnlab.serve.intake import fitted_image
from cnnlab.serve.lab import Lab
from cnnlab.serve.limits import DEFAULT_MAX_UPLOAD, BodyLimit
from cnnlab.serve.model_info import model_info
from cnnlab.serve.options import declared_options_only
from cnnlab.serve.units import unit
from cnnlab.train.run import Run

STATIC = Path(__file__).parent / "static"
MAX_STEPS = 100  # PGD steps one request may ask for: a few seconds on a small model


async def cnnlab_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=getattr(exc, "status", 400))


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's validation errors as one line: the option, what it expects, what it got."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    parts = [
        f"{error['loc'][-1]}: {error['msg'].lower()}, found {shown(error.get('input'))[:40]!r}"
        for error in errors[:3]
    ]
    return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)


async def on_worker(lab: Lab, work: Callable[..., Any], *args: Any) -> JSONResponse:
    """``work(lab, *args)`` on the lab's model thread, its result as JSON."""
    result = await asyncio.get_running_loop().run_in_executor(lab.worker, work, lab, *args)
    return JSONResponse(result)


def create_app(
    run: Run, *, max_upload: int = DEFAULT_MAX_UPLOAD, max_pixels: int = DEFAULT_MAX_PIXELS
) -> FastAPI:
    """The lab for ``run``: bodies over ``max_upload`` bytes and images over ``max_pixels``
    pixels are refused with 413."""
    lab = Lab(run)
    about = model_info(lab)
    app = FastAPI(
        title="cnnlab lab",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(declared_options_only)],  # an unknown option is a 400
    )
    app.state.lab = lab  # for whoever embeds the app: the model, its layers, its thread
    app.add_middleware(BodyLimit, max_bytes=max_upload, option="--max-upload")
    app.add_exception_handler(CnnlabError, cnnlab_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/model")
    def model() -> JSONResponse:
        return JSONResponse(about)

    @app.post("/api/analyse")
    async def analyse_image(
        request: Request, attribution: str = "saliency,gradcam", layers: bool = True
    ) -> JSONResponse:
        names = parse_attributions(attribution)
        fitted = await fitted_image(request, lab, max_pixels)
        return await on_worker(lab, analyse, fitted, names, layers)

    @app.post("/api/unit")
    async def unit_of_image(
        request: Request,
        layer: str,
        channel: int = Query(0, ge=0),
        y: int = Query(0, ge=0),
        x: int = Query(0, ge=0),
    ) -> JSONResponse:
        lab.layer(layer)  # an unknown layer is refused before the body is read
        fitted = await fitted_image(request, lab, max_pixels)
        return await on_worker(lab, unit, fitted, layer, channel, y, x)

    @app.post("/api/attack")
    async def attack_image(
        request: Request,
        method: Literal["fgsm", "pgd"] = "fgsm",
        eps: float = Query(0.1, ge=0, le=1),
        steps: int = Query(10, ge=1, le=MAX_STEPS),
    ) -> JSONResponse:
        fitted = await fitted_image(request, lab, max_pixels)
        return await on_worker(lab, attack, fitted, method, eps, steps)

    return app
