"""Published ImageNet weights by name: ``torchvision:resnet18`` and the other models whose
cnnlab architecture uses torchvision's parameter names.

The file is downloaded once into a cache folder and kept only when every announced byte
arrived and its sha256 starts with the hash prefix in its published name (as torchvision
checks it); a 404, a dropped connection or a wrong hash is a one-line DataError and
leaves no file behind. The file is a PyTorch state dict, read with ``weights_only=True``
(:func:`cnnlab.weights.read_state_dict`): no code runs.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

from cnnlab.atomic import atomic_write
from cnnlab.errors import DataError, UnknownNameError
from cnnlab.files import sha256, user_cache

PREFIX = "torchvision:"
BASE_URL = "https://download.pytorch.org/models/"
TIMEOUT_S = 30.0  # seconds the server may stay silent
CHUNK = 1 << 16
PUBLISHED = {  # torchvision's IMAGENET1K_V1 files: NAME-<sha256 prefix>.pth
    "alexnet": "alexnet-owt-7be5be79.pth",
    "vgg11": "vgg11-8a719046.pth",
    "vgg11_bn": "vgg11_bn-6002323d.pth",
    "vgg13": "vgg13-19584684.pth",
    "vgg13_bn": "vgg13_bn-abd245e5.pth",
    "vgg16": "vgg16-397923af.pth",
    "vgg16_bn": "vgg16_bn-6c64b313.pth",
    "vgg19": "vgg19-dcbb9e9d.pth",
    "vgg19_bn": "vgg19_bn-c79401a0.pth",
    "googlenet": "googlenet-1378be20.pth",
    "resnet18": "resnet18-f37072fd.pth",
    "resnet34": "resnet34-b627a593.pth",
    "resnet50": "resnet50-0676ba61.pth",
    "resnet101": "resnet101-63fe2227.pth",
    "resnet152": "resnet152-394f9c45.pth",
    "resnext50_32x4d": "resnext50_32x4d-7cdf4587.pth",
    "resnext101_32x8d": "resnext101_32x8d-8ba56ff5.pth",
    "wide_resnet50_2": "wide_resnet50_2-95faca4d.pth",
    "wide_resnet101_2": "wide_resnet101_2-32ee1156.pth",
    "densenet121": "densenet121-a639ec97.pth",
    "densenet161": "densenet161-8d451a50.pth",
    "densenet169": "densenet169-b2777c0a.pth",
    "densenet201": "densenet201-c1103571.pth",
    "squeezenet1_0": "squeezenet1_0-b66bff10.pth",
    "squeezenet1_1": "squeezenet1_1-b8a52dc0.pth",
}


def is_published_name(source: str | Path) -> bool:
    return str(source).startswith(PREFIX)


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/cnnlab/weights`` (``~/.cache`` when unset), beside the datasets."""
    return user_cache("weights")


def hash_prefix(file_name: str) -> str:
    """The sha256 prefix a published file name carries after its last dash."""
    return file_name.rsplit("-", 1)[-1].split(".", 1)[0]


def published_path(
    source: str,
    *,
    cache: str | Path | None = None,
    base_url: str | None = None,
    table: dict[str, str] | None = None,
) -> Path:
    """The cached file of ``torchvision:NAME``, downloaded from ``base_url`` (BASE_URL by
    default) if it is not in ``cache`` yet (``table``: names to published file names,
    PUBLISHED by default)."""
    table = PUBLISHED if table is None else table
    base_url = BASE_URL if base_url is None else base_url
    name = source.removeprefix(PREFIX)
    if name not in table:
        raise UnknownNameError("published model", name, table)
    file_name = table[name]
    target = Path(cache or default_cache()) / file_name
    if target.is_file() and sha256(target).startswith(hash_prefix(file_name)):
        return target
    url = base_url + file_name
    atomic_write(target, lambda tmp: fetch(url, tmp, hash_prefix(file_name)))
    return target


def fetch(url: str, tmp: Path, prefix: str) -> None:
    """Stream ``url`` into ``tmp``; a DataError unless every byte arrived and the sha256
    starts with ``prefix`` (the caller removes ``tmp`` then)."""
    digest, received, total = hashlib.sha256(), 0, None
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(tmp, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise DataError(
            f"{url}: expected the weights file, found HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(
            f"{url}: expected the weights file, found the connection failing after "
            f"{received:,} bytes ({reason})"
        ) from None
    if total is not None and received != total:
        raise DataError(f"{url}: expected {total:,} bytes, found {received:,}")
    if not digest.hexdigest().startswith(prefix):
        raise DataError(
            f"{url}: expected a sha256 starting {prefix}, found {digest.hexdigest()}; "
            "the download was not kept"
        )
