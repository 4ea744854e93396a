"""Fooling images found without gradients, by evolution (Nguyen et al., 2015, evolved
theirs): a population of images, each generation mutated and the fittest kept, fitness
being the probability the model gives the target class. Only forward passes are made, so
it works on a model whose gradient is masked or unavailable."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnnlab.fields import Integer, Real
from cnnlab.train.attacks import attacking


@dataclass
class Evolved:
    image: torch.Tensor  # (1, C, H, W) on 0..1, the fittest image
    confidence: float  # the model's probability of the target class for it
    generations: int  # generations run (fewer than asked when the confidence was reached)


@torch.no_grad()
def evolve_fooling(
    model: nn.Module,
    target: int,
    shape: tuple[int, ...],
    *,
    confidence: float = 0.99,
    generations: int = 200,
    population: int = 64,
    mutation_rate: float = 0.1,
    sigma: float = 0.3,
    seed: int = 0,
) -> Evolved:
    """An image of ``shape`` (C, H, W) that ``model`` calls ``target`` with at least
    ``confidence``, by a (mu + lambda) evolution strategy from uniform noise: each of the
    ``population`` parents has one child in which each pixel is, with probability
    ``mutation_rate``, moved by N(0, sigma) and clipped to 0..1; the better half of parents
    and children survive. Stops once the best reaches ``confidence``."""
    confidence = Real(0, 1, low_open=True, high_open=True)("confidence", confidence)
    generations = Integer(1, 100_000)("generations", generations)
    population = Integer(2, 10_000)("population", population)
    mutation_rate = Real(0, 1, low_open=True)("mutation_rate", mutation_rate)
    sigma = Real(0, 1, low_open=True)("sigma", sigma)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    parents = torch.rand((population, *shape), generator=generator, device=device)
    with attacking(model):
        probabilities = model(parents).float().softmax(1)
        target = Integer(0, probabilities.shape[1] - 1)("target", target)
        fitness = probabilities[:, target]
        done = 0
        while done < generations and fitness.max().item() < confidence:
            mask = torch.rand(parents.shape, generator=generator, device=device) < mutation_rate
            step = torch.randn(parents.shape, generator=generator, device=device) * sigma
            children = (parents + mask * step).clamp(0, 1)
            pool = torch.cat([parents, children])
            scores = torch.cat([fitness, model(children).float().softmax(1)[:, target]])
            fitness, keep = scores.topk(population)
            parents = pool[keep]
            done += 1
    return Evolved(parents[:1].clone(), fitness[0].item(), done)
