"""The web lab's HTTP API on the shipped LeNet-5, through a real uvicorn server on a free
loopback port, as the page (or any client) calls it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
import torch
from serve_pictures import data_url, decoded, stroke_png

from cnnlab.inspect.receptive import receptive_field
from cnnlab.predict import predict_files
from cnnlab.serve import create_app
from cnnlab.serve.server import serving_in_background
from cnnlab.train import Run

MODEL = "cnnlab:lenet5-mnist"


@pytest.fixture(scope="module")
def run() -> Run:
    return Run.open(MODEL)


@pytest.fixture(scope="module")
def app(run):
    return create_app(run)


@pytest.fixture(scope="module")
def client(app):
    """An httpx client of the lab served by uvicorn in a thread on 127.0.0.1."""
    with serving_in_background(app) as address, httpx.Client(base_url=address, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def analysed(client):
    answer = client.post("/api/analyse?attribution=saliency,gradcam,occlusion&layers=1",
                         json=data_url(stroke_png()))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert client.get("/static/lab.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_model_describes_the_shipped_lenet5(client, run):
    about = client.get("/api/model").json()
    assert (about["name"], about["source"]) == ("lenet5", MODEL)
    assert about["classes"] == [str(digit) for digit in range(10)]
    assert about["input"] == {"channels": 1, "height": 32, "width": 32, "background": "dark"}
    assert about["summary"]["total_params"] == 61706  # LeCun et al. (1998)'s LeNet-5
    first = about["summary"]["rows"][0]
    assert first == {"layer": "features.0", "type": "Conv2d", "depth": 1,
                     "output_shape": [6, 28, 28], "params": 156, "macs": 117600}  # fmt: skip
    layers = {layer["name"]: layer for layer in about["layers"]}
    assert layers["features.3"]["shape"] == [16, 10, 10]
    assert layers["features.3"]["convolution"] == {
        "kernel": [5, 5], "stride": [1, 1], "padding": [0, 0], "in_channels": 6
    }  # fmt: skip
    assert layers["classifier.3"] == {"name": "classifier.3", "type": "Linear", "shape": [10],
                                      "convolution": None}  # fmt: skip
    assert about["curves"] is None  # shipped weights carry no training history


def test_top5_is_what_run_predict_and_cnnlab_predict_give_the_image(analysed, run, tmp_path):
    top = analysed["top"]
    assert len(top) == 5 and top[0]["class"] == "1"
    assert sum(row["probability"] for row in top) <= 1 + 1e-6
    assert [row["probability"] for row in top] == sorted(
        (row["probability"] for row in top), reverse=True
    )
    seen = decoded(analysed["input"]["png"])  # the image as the model received it
    assert seen.shape == (32, 32)
    probabilities = run.predict(torch.from_numpy(seen.copy())[None, None])[0]
    for row in top:
        assert row["probability"] == pytest.approx(float(probabilities[row["index"]]), abs=1e-5)
    (tmp_path / "one.png").write_bytes(stroke_png())
    predicted = predict_files(run, [tmp_path / "one.png"], top=5).rows[0]
    assert [label for label, _ in predicted.top] == [row["class"] for row in top]
    notes = " ".join(analysed["input"]["notes"])
    assert "resized 280x280 to 28x28" in notes and "inverted" in notes


def test_every_layer_comes_as_a_grid_of_its_maps(analysed):
    layers = {layer["name"]: layer for layer in analysed["layers"]}
    conv1 = layers["features.0"]
    grid = conv1["grid"]
    assert (grid["rows"], grid["cols"], grid["channels_shown"]) == (2, 3, 6)
    assert decoded(grid["png"]).shape == (2 * 28 + 1, 3 * 28 + 2)
    assert conv1["min"] < conv1["max"]
    f6 = layers["classifier.1"]  # a vector: one 1x1 cell per unit, the first 64 shown
    assert f6["shape"] == [84] and f6["grid"]["channels_shown"] == 64
    assert (f6["grid"]["cell_height"], f6["grid"]["cell_width"]) == (1, 1)


def test_attribution_overlays_decode_at_the_inputs_size(analysed):
    assert set(analysed["attribution"]) == {"saliency", "gradcam", "occlusion"}
    for url in analysed["attribution"].values():
        assert decoded(url).shape == (32, 32, 3)


def test_an_uploaded_file_gets_the_same_answer_as_a_data_url(client, analysed):
    answer = client.post(
        "/api/analyse?attribution=&layers=0", files={"image": ("one.png", stroke_png())}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["top"] == analysed["top"]
    assert body["layers"] == [] and body["attribution"] == {}


def test_a_conv_units_arithmetic_adds_up_to_its_activation(client, run, analysed):
    answer = client.post(
        "/api/unit?layer=features.3&channel=2&y=4&x=5", json=data_url(stroke_png())
    )
    assert answer.status_code == 200, answer.text
    unit = answer.json()
    maths = unit["arithmetic"]
    patch, kernel = np.array(maths["patch"]), np.array(maths["kernel"])
    assert patch.shape == kernel.shape == (6, 5, 5)
    assert maths["products_sum"] == pytest.approx(float((patch * kernel).sum()), abs=1e-9)
    assert maths["sum"] == pytest.approx(maths["products_sum"] + maths["bias"], abs=1e-9)
    assert maths["sum"] == pytest.approx(unit["value"], abs=1e-5)
    seen = torch.from_numpy(decoded(analysed["input"]["png"]).copy())[None, None]
    with torch.no_grad():
        conv2 = run.model.features[:4](run.prepare(seen))  # C1, ReLU, S2, C3 by hand
    assert unit["value"] == pytest.approx(float(conv2[0, 2, 4, 5]), abs=1e-5)


def test_a_conv2_unit_sees_14x14_input_pixels(client, run):
    unit = client.post("/api/unit?layer=features.3&channel=0&y=4&x=5",
                       json=data_url(stroke_png())).json()  # fmt: skip
    rows = {row.name: row for row in receptive_field(run.model, run.input_shape)}
    height, width = rows["features.3"].field
    assert (height.field, width.field) == (14, 14)
    assert unit["receptive_field"] == {
        "top": int(height.start + 4 * height.jump - 7),
        "left": int(width.start + 5 * width.jump - 7),
        "height": 14,
        "width": 14,
    }
    assert unit["receptive_field"]["top"] == 8  # rows 8..21: 2 pixels per unit, 14 wide


def test_a_unit_that_is_not_a_convolution_has_no_arithmetic(client):
    unit = client.post("/api/unit?layer=classifier.3&channel=1", json=data_url(stroke_png()))
    assert unit.status_code == 200, unit.text
    body = unit.json()
    assert body["arithmetic"] is None
    assert body["receptive_field"] == {"top": 0, "left": 0, "height": 32, "width": 32}


def test_eps_zero_leaves_the_prediction_and_pgd_at_03_flips_it(client):
    image = data_url(stroke_png())
    calm = client.post("/api/attack?method=pgd&eps=0&steps=5", json=image).json()
    assert not calm["flipped"] and calm["after"] == calm["before"]
    broken = client.post("/api/attack?method=pgd&eps=0.3&steps=20", json=image)
    assert broken.status_code == 200, broken.text
    body = broken.json()
    assert body["before"][0]["class"] == "1" and body["flipped"]
    assert body["after"][0]["class"] != "1"
    before = decoded(client.post("/api/analyse?attribution=&layers=0", json=image)
                     .json()["input"]["png"]).astype(int)  # fmt: skip
    after = decoded(body["adversarial"]).astype(int)
    assert 0 < np.abs(after - before).max() <= round(0.3 * 255) + 1  # within eps
    assert decoded(body["perturbation"]).shape == (32, 32)


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "words"),
    [
        ("/api/analyse?attribution=deepdream", {"json": {}}, 400, "attribution: expected"),
        (
            "/api/analyse",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "malformed JSON",
        ),  # fmt: skip
        (
            "/api/analyse",
            {"content": b"hello", "headers": {"content-type": "text/plain"}},
            415,
            "expected a body of type",
        ),  # fmt: skip
        ("/api/unit?layer=features.99", {"json": {}}, 400, "unknown layer 'features.99'"),
        (
            "/api/unit?layer=features.3&channel=16",
            {"stroke": True},
            400,
            "channel 16 is out of range",
        ),  # fmt: skip
        ("/api/attack?eps=5", {"stroke": True}, 422, "eps: "),
        ("/api/attack?method=cw", {"stroke": True}, 422, "method: "),
    ],
)
def test_bad_requests_get_a_4xx_with_one_line(client, path, kwargs, status, words):
    if kwargs.pop("stroke", False):
        kwargs["json"] = data_url(stroke_png())
    answer = client.post(path, **kwargs)
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and words in detail


def test_the_server_answers_while_the_model_thread_is_busy(client, app):
    """The model's work queues on its own thread: the event loop still serves the page and
    /api/model, so drawing stays responsive while an analysis runs."""
    gate = threading.Event()
    app.state.lab.worker.submit(gate.wait)  # the model thread is busy until the gate opens
    with ThreadPoolExecutor(1) as other:
        pending = other.submit(client.post, "/api/analyse?attribution=&layers=0",
                               json=data_url(stroke_png()))  # fmt: skip
        try:
            queue = app.state.lab.worker._work_queue  # the analysis arrives behind the gate
            deadline = time.monotonic() + 30
            while queue.qsize() < 1:
                assert not pending.done() and time.monotonic() < deadline, "no analysis queued"
                time.sleep(0.01)
            assert client.get("/api/model").status_code == 200
            assert client.get("/").status_code == 200
            assert not pending.done()  # the analysis waits for the model thread
        finally:
            gate.set()
        assert pending.result(timeout=60).status_code == 200
