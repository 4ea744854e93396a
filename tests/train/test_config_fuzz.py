"""Random configurations: each is refused with a one-line message or trains one step."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.errors import CnnlabError
from cnnlab.train import TrainConfig, fit

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, 1e-3, 0.5, 1.0, -1.0, math.nan, math.inf, 1e30]),
)
augment_ops = st.sampled_from(
    ["flip", "crop:4", "crop:size=28", "rotate:10", "affine:rot=10:p=0.5", "cutout:8",
     "scale_jitter", "color:brightness=0.4", "elastic", "crop:pad=100000", "flip:p=2",
     "resized_crop:size=24", "lighting:0.1", "bogus"]
)  # fmt: skip
configs = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["lenet5", "smallcnn_bn", "alexnet", "nonet"]),
        "lr": numbers,
        "momentum": numbers,
        "weight_decay": numbers,
        "batch_size": st.integers(-2, 70000),
        "pad": st.integers(-1, 40),  # larger pads and sizes train too: minutes, gigabytes
        "augment": st.lists(augment_ops, max_size=3).map(",".join),
        "preprocess": st.sampled_from(
            ["none", "mean", "standardize", "pca", "zca:eps=0.1", "zca:eps=nan", "whiten"]
        ),  # fmt: skip
        "optimizer": st.sampled_from(["sgd", "momentum", "adam", "adamw", "rmsprop", "lbfgs"]),
        "schedule": st.sampled_from(["constant", "cosine", "onecycle", "step", "exp"]),
        "dropout": st.one_of(st.none(), numbers),
        "label_smoothing": numbers,
        "image_size": st.integers(-1, 96),
        "seed": st.integers(-5, 2**40),
        "val_split": numbers,
    },
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same 25 configurations on every machine: a bounded test time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=configs)
def test_a_random_config_is_refused_in_one_line_or_trains_a_step(values, tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz") / "run"
    fixed = {"data": "digits", "epochs": 1, "max_steps": 1, "tensorboard": False,
             "out": str(out)}  # fmt: skip
    try:
        config = TrainConfig(**{**values, **fixed})
        fit(config)
    except CnnlabError as exc:
        message = str(exc)
        assert message and "\n" not in message, message
        assert "Traceback" not in message
