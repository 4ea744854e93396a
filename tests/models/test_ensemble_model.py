"""The committee as one module: its softmax is the mean of its members' softmax."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.errors import ModelError


def test_softmax_of_the_output_is_the_members_mean_probability_and_its_loss_their_nll():
    torch.manual_seed(0)
    members = [models.create("lenet5").eval() for _ in range(3)]
    committee = models.Ensemble(members).eval()
    x = torch.randn(6, 1, 32, 32)
    labels = torch.tensor([0, 1, 2, 3, 4, 5])
    with torch.no_grad():
        mean = torch.stack([member(x).softmax(1) for member in members]).mean(0)
        output = committee(x)
    assert torch.allclose(output.softmax(1), mean, atol=1e-6)
    assert torch.allclose(output.exp().sum(1), torch.ones(6), atol=1e-6)  # log-probabilities
    nll = -mean[torch.arange(6), labels].log().mean()
    assert torch.allclose(F.cross_entropy(output, labels), nll, atol=1e-6)


def test_one_member_gives_its_own_log_softmax_and_none_is_refused():
    member = models.create("lenet5").eval()
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(models.Ensemble([member])(x), member(x).log_softmax(1), atol=1e-6)
    with pytest.raises(ModelError, match="an ensemble needs at least one member, found none"):
        models.Ensemble([])
