"""Query options the endpoint does not declare are refused, not ignored.

FastAPI drops query parameters an endpoint does not name, so ``?atribution=gradcam`` (a
typo) or ``?model=../other.safetensors`` would be answered as if it were not there. The
lab answers 400 instead, naming the option and the ones the endpoint takes: a typo shows,
and no request can even appear to choose a model or a file. The page itself (``/``) is
left alone: a browser or a bookmark may add what it likes there.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cnnlab.errors import RequestError, shown


def declared_options_only(request: Request) -> None:
    """An app-wide dependency: a RequestError for the first undeclared query option."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
        return
    declared = query_options(route.dependant)
    unknown = [name for name in request.query_params if name not in declared]
    if unknown:
        takes = ", ".join(sorted(declared)) if declared else "no options"
        raise RequestError(
            f"unknown option {shown(unknown[0])[:40]!r} for {route.path}; it takes {takes}"
        )


def query_options(dependant: Dependant) -> set[str]:
    """The query parameter names an endpoint and its dependencies declare."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_options(sub)
    return names
