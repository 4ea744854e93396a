import pytest
import torch

from cnnlab.errors import ModelError
from cnnlab.nn import LocalResponseNorm, Maxout


def paper_lrn(a: torch.Tensor, n: int, alpha: float, beta: float, k: float) -> torch.Tensor:
    """b_i = a_i / (k + alpha * sum_{|j - i| <= n/2} a_j^2)^beta, clipped at the edges."""
    channels = a.shape[1]
    out = torch.empty_like(a)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + n // 2)
        total = (a[:, lo : hi + 1] ** 2).sum(dim=1)
        out[:, i] = a[:, i] / (k + alpha * total) ** beta
    return out


def test_lrn_is_the_papers_formula():
    torch.manual_seed(0)
    a = 3 * torch.randn(2, 7, 4, 4, dtype=torch.float64)
    expected = paper_lrn(a, n=5, alpha=1e-4, beta=0.75, k=2.0)
    torch.testing.assert_close(LocalResponseNorm(5, 1e-4, 0.75, 2.0)(a), expected)


def test_torch_lrn_divides_alpha_by_n():
    torch.manual_seed(0)
    a = 3 * torch.randn(1, 8, 3, 3, dtype=torch.float64)
    ours = LocalResponseNorm(size=5, alpha=0.1, beta=0.75, k=2.0)(a)
    same_numbers = torch.nn.LocalResponseNorm(5, alpha=0.1, beta=0.75, k=2.0)(a)
    scaled = torch.nn.LocalResponseNorm(5, alpha=0.1 * 5, beta=0.75, k=2.0)(a)
    assert not torch.allclose(ours, same_numbers)  # torch normalises n times more weakly
    torch.testing.assert_close(ours, scaled)


def test_maxout_takes_the_max_of_each_group_of_pieces():
    x = torch.tensor([[1.0, 5.0, 2.0, -1.0, -3.0, -2.0]]).reshape(1, 6, 1, 1)
    assert Maxout(3)(x).flatten().tolist() == [5.0, -1.0]


def test_maxout_after_linear_is_the_max_of_affine_pieces():
    torch.manual_seed(0)
    linear = torch.nn.Linear(4, 3 * 2)
    x = torch.randn(5, 4)
    pieces = linear(x).reshape(5, 3, 2)
    torch.testing.assert_close(Maxout(2)(linear(x)), pieces.amax(dim=2))


def test_maxout_channels_must_divide():
    with pytest.raises(ModelError, match="divisible by 4, got 6 channels"):
        Maxout(4)(torch.zeros(1, 6, 2, 2))
