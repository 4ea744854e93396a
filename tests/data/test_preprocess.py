"""Preprocessing fitted on the training split, stored in the run folder, applied everywhere."""

import json

import pytest
import torch

from cnnlab import data
from cnnlab.data.preprocess import Preprocess, fit_preprocess, load_preprocess, parse_preprocess
from cnnlab.errors import ConfigError, RunError
from cnnlab.train import Run, TrainConfig, evaluate_run, fit


@pytest.fixture(scope="module")
def train():
    return data.load("digits", "train")


def as_batch(dataset):
    return dataset.images.float() / 255


def test_mean_and_standardize_centre_and_scale_each_channel(train):
    x = as_batch(train)
    centred = fit_preprocess("mean", train)(x)
    assert abs(centred.mean().item()) < 1e-5
    assert torch.allclose(centred.std(), x.std(), atol=1e-5)
    standard = fit_preprocess("standardize", train)(x)
    assert abs(standard.mean().item()) < 1e-5 and abs(standard.std().item() - 1) < 1e-3
    assert torch.equal(fit_preprocess("none", train)(x), x)


@pytest.mark.parametrize("kind", ["pca", "zca"])
def test_whitening_decorrelates_the_training_pixels(train, kind):
    eps = 1e-3
    preprocess = fit_preprocess(f"{kind}:eps={eps}", train)
    white = preprocess(as_batch(train)).flatten(1).double()
    covariance = torch.cov(white.T)
    values, vectors = preprocess.eigenvalues.double(), preprocess.eigenvectors.double()
    shrink = values / (values + eps)  # 1 where the data varies, 0 where it does not
    expected = torch.diag(shrink) if kind == "pca" else vectors @ torch.diag(shrink) @ vectors.T
    assert torch.allclose(covariance, expected, atol=2e-3)
    assert abs(white.mean().item()) < 1e-4


def test_zca_stays_close_to_the_image_and_pca_does_not(train):
    x = as_batch(train)[:50]
    zca, pca = fit_preprocess("zca", train), fit_preprocess("pca", train)
    centred = (x - x.mean()).flatten(1)

    def similarity(white):
        return torch.nn.functional.cosine_similarity(white.flatten(1), centred).mean()

    assert similarity(zca(x)) > 0.5 > similarity(pca(x)).abs()
    for preprocess in (zca, pca):
        assert torch.allclose(preprocess.invert(preprocess(x)), x, atol=1e-3)


def test_whitening_refuses_images_too_large_for_a_covariance():
    big = data.Dataset("big", torch.zeros(4, 3, 64, 64, dtype=torch.uint8), torch.zeros(4), ["a"])
    with pytest.raises(
        ConfigError, match=r"'big': images of shape \(3, 64, 64\) have 12288 values"
    ):
        fit_preprocess("zca", big)
    with pytest.raises(ConfigError, match="bad option 'eps=-1'"):
        fit_preprocess("zca:eps=-1", big)
    with pytest.raises(ConfigError, match="only pca and zca take one"):
        fit_preprocess("mean:eps=1", big)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("zca:eps=nan", "bad option 'eps=nan'"),
        ("pca:eps=inf", "bad option 'eps=inf'"),
        ("zca:eps=-inf", "eps=E with E a finite number > 0"),
        ("zca:eps=0", "bad option 'eps=0'"),
        ("zca:eps=0.1:eps=0.2", "2 options given; only pca and zca take one"),
    ],
)
def test_preprocess_specs_refuse_eps_that_is_not_a_finite_positive_number(spec, words):
    with pytest.raises(ConfigError) as caught:
        parse_preprocess(spec)
    assert words in str(caught.value) and len(str(caught.value).splitlines()) == 1
    assert parse_preprocess("zca:eps=0.5") == ("zca", 0.5)


def test_old_preprocess_files_with_mean_and_std_only_still_read(tmp_path):
    (tmp_path / "preprocess.json").write_text(json.dumps({"mean": [0.5], "std": [0.25]}))
    preprocess = load_preprocess(tmp_path)
    assert preprocess.kind == "standardize"
    assert torch.allclose(preprocess(torch.full((1, 1, 2, 2), 0.75)), torch.ones(1, 1, 2, 2))


def test_broken_preprocess_files_name_the_file(tmp_path):
    (tmp_path / "preprocess.json").write_text(json.dumps({"kind": "zca", "mean": [0], "std": [1]}))
    with pytest.raises(RunError, match="preprocess.safetensors: cannot read the zca whitening"):
        load_preprocess(tmp_path)
    (tmp_path / "preprocess.json").write_text(json.dumps({"kind": "fancy"}))
    with pytest.raises(RunError, match="preprocess.json: expected a kind in none, mean"):
        load_preprocess(tmp_path)


def test_a_whitened_round_trip_through_the_folder_is_exact(train, tmp_path):
    preprocess = fit_preprocess("zca:eps=0.05", train)
    preprocess.save(tmp_path)
    again = load_preprocess(tmp_path)
    x = as_batch(train)[:8]
    assert again.kind == "zca" and again.eps == 0.05
    assert torch.equal(again(x), preprocess(x))


@pytest.fixture(scope="module")
def zca_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "zca"
    config = TrainConfig(
        model="lenet5", data="digits", epochs=1, batch_size=64, preprocess="zca",
        augment="crop:2,flip", tensorboard=False, out=str(out),
    )  # fmt: skip
    return out, fit(config)


def test_a_run_stores_its_whitening_and_evaluation_applies_it(zca_run):
    out, result = zca_run
    stored = json.loads((out / "preprocess.json").read_text())
    assert stored["kind"] == "zca" and stored["tensors"] == "preprocess.safetensors"
    assert (out / "preprocess.safetensors").is_file()
    again = evaluate_run(out)
    assert again.accuracy == result.accuracy and abs(again.loss - result.loss) < 1e-5


def test_a_run_prepares_images_as_training_did(zca_run):
    out, _ = zca_run
    loaded = Run.open(out)
    images = loaded.dataset("test").images[:4]
    expected = load_preprocess(out)(images.float() / 255)
    assert isinstance(loaded.preprocess, Preprocess)
    assert torch.allclose(loaded.prepare(images), expected)
    assert torch.allclose(loaded.denormalise(expected), images.float() / 255, atol=1e-3)
