"""`classify` from Python: a method name in, a tested classifier's result out."""

import json

import pytest

from cnnlab.classic.classify import classify
from cnnlab.errors import ConfigError, UnknownNameError


def test_knn_on_digit_pixels_in_one_call(tmp_path):
    result = classify("knn", grid=["k=1,3"], folds=3, per_class=30, seed=0)
    assert (result.method, result.data, result.features) == ("knn", "digits", "pixels")
    assert result.train_images == 300 and result.test_images == 360 and result.dim == 1024
    assert [row.params["k"] for row in result.cross_validation] == [1, 3]
    assert result.best["k"] in (1, 3) and result.test_accuracy > 0.8
    saved = json.loads(result.save_json(tmp_path / "knn.json").read_text())
    assert saved["test_accuracy"] == result.test_accuracy and len(saved["cross_validation"]) == 2


def test_bad_names_and_options_fail_before_any_data_is_read():
    with pytest.raises(ConfigError, match="--layer picks a layer of a run's network"):
        classify("knn", "pixels", layer="features.3", data="no-such-data")
    with pytest.raises(UnknownNameError, match="unknown classic method 'nearest'"):
        classify("nearest", data="no-such-data")
