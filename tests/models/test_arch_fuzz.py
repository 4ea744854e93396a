"""Random spec texts: a network or one of cnnlab's one-line errors, never anything else."""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab import models
from cnnlab.errors import CnnlabError
from cnnlab.nn.arch_spec import parse_arch

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LAYERS = [
    "conv3-4", "conv5-2:s=2", "conv3-4:p=same:s=3", "conv1-2:g=2", "conv3-6:p=1:d=2",
    "conv3-4:p=valid:s=2", "conv4-4:s=2:p=1", "lc3-2", "pool2", "avgpool3:s=1", "maxpool2:p=valid",
    "avgpool2:p=same:s=2", "pool3:s=2:p=1", "gap", "bn", "lrn", "dropout", "dropout0.3", "flatten",
    "fc8", "relu", "leaky0.2", "elu", "tanh", "sigmoid", "maxout", "maxout3",
]  # fmt: skip


@FUZZ
@given(
    st.lists(st.sampled_from(LAYERS), min_size=1, max_size=7).map(lambda t: ",".join(t) + ",fc"),
    st.integers(5, 20),
    st.integers(5, 20),
)
def test_a_network_the_builder_accepts_runs_with_the_shapes_it_worked_out(spec, height, width):
    """Every shape is worked out before anything runs: what is built, runs."""
    try:
        model = models.create_arch(spec, (2, height, width), num_classes=3)
    except CnnlabError as exc:
        assert "\n" not in str(exc)
        return
    with torch.no_grad():
        assert model(torch.randn(2, 2, height, width)).shape == (2, 3)


@FUZZ
@given(st.text(alphabet=",[]*:=-0123456789 convlcpoolfcgapbn²٣", max_size=40))
def test_any_text_parses_or_is_refused_in_one_line(text):
    try:
        parse_arch(text)
    except CnnlabError as exc:
        assert "\n" not in str(exc)
