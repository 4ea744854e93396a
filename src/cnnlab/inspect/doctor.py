"""The babysitting checklist (Karpathy's CS231n notes), run on a fresh model and its data.

1. Initial loss, no regularisation: close to ln(C) for softmax (C - 1 for the hinge loss).
2. Raising the regularisation raises the loss.
3. The model overfits 20 training examples to 100% training accuracy.
4. The learning rate neither diverges nor stalls: short runs at lr / 10, lr and 10 lr from
   the same initialisation on the same batches; a rate beaten clearly by a ten times smaller
   one is too high, one beaten by a ten times larger one could be higher.
5. Hidden units, after that short run, are neither dead nor strongly correlated.
6. Backprop agrees with centred finite differences (float64).

Each check gives pass, warn or fail, the number it measured and one line of advice.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from cnnlab.inspect.gradcheck import gradcheck
from cnnlab.inspect.probes import (
    accuracy,
    mean_loss,
    train_steps,
    unit_reports,
    unregularised,
)
from cnnlab.inspect.setup import Prepared, endless
from cnnlab.train.optim import split_decay

INITIAL_LOSS_PASS, INITIAL_LOSS_WARN = 0.1, 0.5  # relative distance from the expected loss
OVERFIT_EXAMPLES = 20
BETTER = 0.5  # a probe "clearly" wins when its final loss is below half of the other's
DEAD_PASS, DEAD_FAIL = 0.5, 0.9  # fraction of a layer's units that never respond
CORRELATION_PASS, CORRELATION_FAIL = 0.85, 0.95  # mean |r| between a layer's units


@dataclass
class Check:
    name: str  # the checklist item
    status: str  # pass, warn or fail
    measured: str  # what was measured, with numbers
    advice: str  # one line


@dataclass
class DoctorSettings:
    batch_size: int = 256  # examples for the loss and unit measurements
    probe_steps: int = 100  # optimiser steps of each learning-rate probe
    overfit_steps: int = 300  # most full-batch steps allowed to overfit 20 examples
    gradcheck_samples: int = 4  # coordinates per tensor in the gradient check


def grade(value: float, passes: float, fails: float) -> str:
    if not math.isfinite(value) or value >= fails:
        return "fail"
    return "pass" if value < passes else "warn"


def check_initial_loss(prepared: Prepared, settings: DoctorSettings) -> Check:
    config = unregularised(prepared.config)
    x, y = prepared.batch(settings.batch_size)
    loss = mean_loss(prepared.model, x, y, config)
    classes = prepared.num_classes
    expected, formula = (
        (classes - 1.0, f"C-1 = {classes - 1}")
        if config.loss == "hinge"
        else (math.log(classes), f"ln({classes}) = {math.log(classes):.3f}")
    )
    distance = abs(loss - expected) / expected
    status = grade(distance, INITIAL_LOSS_PASS, INITIAL_LOSS_WARN)
    advice = {
        "pass": "scores start near uniform, as a fresh classifier should",
        "warn": "scores start somewhat uneven: look at the last layer's initial weights",
        "fail": "the initial scores are far from uniform: scale the last layer's initial "
        "weights down (smaller init), or look for a bug in the loss",
    }[status]
    return Check("initial loss ~ expected", status, f"{loss:.3f} vs {formula}", advice)


def check_regularisation(prepared: Prepared, settings: DoctorSettings) -> Check:
    config = unregularised(prepared.config)
    x, y = prepared.batch(settings.batch_size)
    data_loss = mean_loss(prepared.model, x, y, config)
    decayed = split_decay(prepared.model, prepared.config.decay_all)[0]
    if not decayed:
        return Check(
            "loss rises with regularisation",
            "fail",
            "no weights to regularise",
            "every trainable tensor is a bias or scale: weight decay and L1 act on nothing",
        )
    base = prepared.config.weight_decay or 1e-3
    squares = sum(p.detach().square().sum() for p in decayed).item()
    strengths = [0.0, base, 10 * base, 100 * base]
    # weight decay wd on the gradient is the penalty wd/2 ||w||^2 on the loss
    totals = [data_loss + s / 2 * squares for s in strengths]
    rising = all(b > a for a, b in zip(totals, totals[1:], strict=False))
    measured = (
        ", ".join(f"{t:.3f}" for t in totals)
        + " at weight decay "
        + ", ".join(f"{s:g}" for s in strengths)
    )
    if rising:
        return Check("loss rises with regularisation", "pass", measured, "the penalty is wired in")
    return Check(
        "loss rises with regularisation",
        "fail",
        measured,
        "the regularised loss does not grow with its strength: are the weights all zero?",
    )


def check_overfit(prepared: Prepared, settings: DoctorSettings) -> Check:
    config = unregularised(prepared.config)
    model = prepared.fresh_model()
    x, y = prepared.batch(OVERFIT_EXAMPLES)
    steps, best = 0, 0.0
    while steps < settings.overfit_steps and best < 1.0:
        losses = train_steps(model, iter([(x, y)] * 10), config, 10)
        steps += len(losses)
        best = accuracy(model, x, y)
        if not math.isfinite(losses[-1]):
            break
    measured = f"{best:.0%} training accuracy on {len(y)} examples after {steps} steps"
    if best >= 1.0:
        return Check("overfits 20 examples", "pass", measured, "the model can learn")
    status = "warn" if best >= 0.8 else "fail"
    return Check(
        "overfits 20 examples",
        status,
        measured,
        "a network should memorise 20 examples: check the learning rate (too high or too "
        "low), the labels and the loss; a buggy backward shows in the gradient check",
    )


@dataclass
class Probe:
    lr: float
    losses: list[float]

    @property
    def final(self) -> float:
        tail = self.losses[-20:]
        if len(self.losses) == 0 or not all(math.isfinite(v) for v in tail):
            return math.inf
        return sum(tail) / len(tail)


def run_probes(prepared: Prepared, settings: DoctorSettings) -> tuple[list[Probe], object]:
    """Short runs at lr / 10, lr and 10 lr; returns them and the model trained at lr."""
    probes, trained = [], None
    for factor in (0.1, 1.0, 10.0):
        config = dataclasses.replace(prepared.config, lr=prepared.config.lr * factor)
        model = prepared.fresh_model()
        batches = endless(prepared.loader(prepared.config.batch_size))
        probes.append(Probe(config.lr, train_steps(model, batches, config, settings.probe_steps)))
        if factor == 1.0:
            trained = model
    return probes, trained


def check_learning_rate(probes: list[Probe]) -> Check:
    lower, probe, higher = probes
    start = probe.losses[0]
    measured = (
        f"lr {probe.lr:.3g}: loss {start:.3f} -> {probe.final:.3g} in {len(probe.losses)} "
        f"steps (lr {lower.lr:.3g}: {lower.final:.3g}, lr {higher.lr:.3g}: {higher.final:.3g})"
    )
    name = "learning rate neither diverges nor stalls"
    if math.isfinite(lower.final) and lower.final < BETTER * probe.final:
        advice = f"too high: {lower.lr:.3g} does clearly better; lower the learning rate"
        return Check(name, "fail", measured, advice)
    if not math.isfinite(probe.final) or probe.final > start:
        advice = "the loss diverges: lower the learning rate (divide by 2 until it does not)"
        return Check(name, "fail", measured, advice)
    if probe.final > 0.9 * start:
        if higher.final < BETTER * probe.final:
            return Check(
                name, "warn", measured, f"stalls: raise the learning rate to {higher.lr:.3g}"
            )
        advice = "the loss does not go down at any of these rates: check data, labels and model"
        return Check(name, "fail", measured, advice)
    if higher.final < BETTER * probe.final:
        advice = f"could be higher: {higher.lr:.3g} does clearly better in a short run"
        return Check(name, "warn", measured, advice)
    return Check(name, "pass", measured, "the loss falls steadily; neighbours do no better")


def check_units(prepared: Prepared, trained, settings: DoctorSettings) -> Check:
    x, _ = prepared.batch(settings.batch_size, split="val")
    reports = unit_reports(trained, x)
    name = "hidden units alive and uncorrelated"
    if not reports:
        return Check(name, "warn", "no activation modules", "units cannot be measured")
    dead = max(reports, key=lambda r: r.dead)
    tied = max(reports, key=lambda r: r.correlation)
    measured = (
        f"{dead.dead:.0%} dead in {dead.layer}; mean |r| {tied.correlation:.2f} in {tied.layer}"
    )
    dead_status = grade(dead.dead, DEAD_PASS, DEAD_FAIL)
    tied_status = grade(tied.correlation, CORRELATION_PASS, CORRELATION_FAIL)
    status = max(dead_status, tied_status, key=("pass", "warn", "fail").index)
    advice = "units respond to the input and differ from each other"
    if tied_status != "pass":
        advice = "units copy each other: initialise weights randomly (never constant), or use fewer"
    if dead_status != "pass":
        advice = "many units never respond: lower the learning rate, or use He initialisation"
    return Check(name, status, measured, advice)


def check_gradients(prepared: Prepared, settings: DoctorSettings) -> Check:
    # Gaussian inputs: real images have flat regions whose exact ties in max pooling are
    # true kinks that no finite difference can measure
    generator = torch.Generator().manual_seed(prepared.config.seed)
    x = torch.randn(2, *prepared.train.image_shape, generator=generator)
    model = copy.deepcopy(prepared.model).cpu()
    result = gradcheck(model, x, samples=settings.gradcheck_samples)
    worst = max(result.rows, key=lambda row: row.max_error)
    measured = f"max relative error {result.max_error:.1e} ({worst.name})"
    advice = {
        "pass": "backprop agrees with finite differences",
        "warn": "suspect: a kink or a small bug; run cnnlab inspect gradcheck for every tensor",
        "fail": f"backprop is wrong for {worst.name}: fix its backward",
    }[result.verdict]
    return Check("backprop matches finite differences", result.verdict, measured, advice)


def run_doctor(prepared: Prepared, settings: DoctorSettings | None = None) -> Iterator[Check]:
    """The checks, one at a time (each takes a moment), on copies of the model."""
    settings = settings or DoctorSettings()
    yield check_initial_loss(prepared, settings)
    yield check_regularisation(prepared, settings)
    yield check_overfit(prepared, settings)
    probes, trained = run_probes(prepared, settings)
    yield check_learning_rate(probes)
    yield check_units(prepared, trained, settings)
    yield check_gradients(prepared, settings)


def doctor(prepared: Prepared, settings: DoctorSettings | None = None) -> list[Check]:
    return list(run_doctor(prepared, settings))
