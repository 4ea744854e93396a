"""Published weights by name, downloaded from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io

import pytest
import torch

from cnnlab import models
from cnnlab.errors import DataError, UnknownNameError
from cnnlab.train.pretrained import load_pretrained
from cnnlab.weights.published import PUBLISHED, published_path
from data.http_mirror import serve_files


@pytest.fixture(scope="module")
def published():
    """A LeNet-5 state dict saved by torch.save, named as torchvision names its files."""
    buffer = io.BytesIO()
    torch.manual_seed(0)
    state = models.create("lenet5").state_dict()
    torch.save(state, buffer)
    body = buffer.getvalue()
    name = f"lenet5-{hashlib.sha256(body).hexdigest()[:8]}.pth"
    return state, body, {"lenet5": name}


def test_a_published_file_is_downloaded_once_and_loads_without_code(published, tmp_path):
    state, body, table = published
    with serve_files() as server:
        server.files[table["lenet5"]] = body
        options = {"cache": tmp_path, "base_url": server.mirror("good"), "table": table}
        path = published_path("torchvision:lenet5", **options)
        assert path == tmp_path / table["lenet5"] and path.read_bytes() == body
        assert published_path("torchvision:lenet5", **options) == path
        assert len(server.requests) == 1  # the cached file was used
    model = models.create("lenet5")
    load_pretrained(model, path)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ("corrupt", "expected a sha256 starting"),
        ("missing", "found HTTP 404"),
        ("drop", "bytes, found"),
    ],
)
def test_a_bad_download_is_one_line_and_leaves_nothing(published, tmp_path, behaviour, message):
    _, body, table = published
    with serve_files() as server:
        server.files[table["lenet5"]] = body
        with pytest.raises(DataError, match=message) as caught:
            published_path(
                "torchvision:lenet5", cache=tmp_path, base_url=server.mirror(behaviour),
                table=table,
            )  # fmt: skip
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_published_name_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="Did you mean: resnet18"):
        published_path("torchvision:resnet81")
    registered = {info.name for info in models.list_models()}
    assert set(PUBLISHED) - registered == set()  # each names a cnnlab model of that name
