"""Every command that reads a run sees the same model: eval, report, viz mistakes,
``Run.predict`` and the pixel model give the same prediction for every test image, whatever
the preprocessing and whether or not training changed the image size."""

from __future__ import annotations

import re

import pytest
import torch

from cnnlab.data.preprocess import load_preprocess
from cnnlab.train import Run, TrainConfig, evaluate_run, fit
from cnnlab.viz.mistakes import predict
from cnnlab.viz.report import build_report

PREPROCESSING = ["none", "mean", "standardize", "pca", "zca"]
SIZE_CHANGES = {"same size": {}, "crop 40 -> 32": {"pad": 4, "augment": "crop:size=32,flip"}}


@pytest.fixture(scope="module", params=PREPROCESSING)
def preprocessing(request):
    return request.param


@pytest.fixture(scope="module", params=list(SIZE_CHANGES))
def tiny_run(request, preprocessing, tmp_path_factory):
    out = tmp_path_factory.mktemp("agree") / f"{preprocessing}-{request.param.replace(' ', '')}"
    config = TrainConfig(
        model="lenet5", data="digits", epochs=1, max_steps=12, batch_size=64, lr=3e-3,
        preprocess=preprocessing, tensorboard=False, out=str(out), **SIZE_CHANGES[request.param],
    )  # fmt: skip
    result = fit(config)
    return out, result


def test_every_reader_gives_the_same_predictions(tiny_run):
    out, trained = tiny_run
    run = Run.open(out)
    test = run.dataset("test")
    probabilities = run.predict(test.images)
    predicted = probabilities.argmax(1)
    # the pixel model on the evaluation view is the model on the prepared batch
    with torch.no_grad():
        pixel_logits = run.pixel_model()(run.view(test.images))
        model_logits = run.model(run.prepare(test.images))
    assert torch.allclose(pixel_logits, model_logits, atol=1e-5)
    assert torch.equal(pixel_logits.argmax(1).cpu(), predicted)
    # viz mistakes
    assert torch.equal(predict(run, "test").predicted, predicted)
    # eval: the same confusion matrix, and the figure training printed at its end
    evaluated = evaluate_run(out)
    n = len(run.classes)
    confusion = torch.bincount(test.labels * n + predicted, minlength=n * n).view(n, n)
    assert evaluated.confusion == confusion.tolist()
    assert evaluated.accuracy == pytest.approx(trained.accuracy, abs=1e-12)
    # the report prints the same accuracy
    page = build_report(out, out.parent / f"{out.name}.html").read_text()
    shown = re.search(r"<td>test accuracy</td><td>([0-9.]+)%</td>", page)
    assert shown and shown[1] == f"{100 * evaluated.accuracy:.2f}"


def test_the_prepared_batch_is_the_crop_then_the_stored_preprocessing(tiny_run):
    out, _ = tiny_run
    run = Run.open(out)
    images = run.dataset("test").images[:8]
    x = images.float() / 255
    height, width = x.shape[-2:]
    size = run.input_shape[1]
    top, left = (height - size) // 2, (width - size) // 2
    cropped = x[..., top : top + size, left : left + size]
    expected = load_preprocess(out)(cropped)
    assert run.input_shape == (1, 32, 32)
    assert torch.allclose(run.prepare(images), expected, atol=1e-5)
