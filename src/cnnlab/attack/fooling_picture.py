"""The picture of ``cnnlab viz fooling``: noise a run's network calls a chosen class, found
by gradient ascent (:func:`cnnlab.viz.synthesis_pictures.fooling_picture`) or by the
gradient-free evolutionary search of :mod:`cnnlab.attack.evolve` (Nguyen et al., 2015
evolved theirs), which works where the gradient is masked."""

from __future__ import annotations

from cnnlab.attack.evolve import evolve_fooling
from cnnlab.errors import ConfigError
from cnnlab.train.run import Run
from cnnlab.viz.synthesis_pictures import RowPicture, fooling_picture, prediction

SEARCHES = ("gradient", "evolution")


def evolved_fooling_picture(
    run: Run,
    target: int,
    *,
    confidence: float = 0.99,
    generations: int = 200,
    population: int = 64,
    seed: int = 0,
) -> RowPicture:
    """The fittest image of ``generations`` of evolution from uniform noise towards class
    ``target`` through the run's real preprocessing, forward passes only; saved to
    RUN/plots/fooling-evolved-TARGET.png by default."""
    model, classes = run.scoring_model(), run.classes
    found = evolve_fooling(
        model,
        target,
        run.input_shape,
        confidence=confidence,
        generations=generations,
        population=population,
        seed=seed,
    )
    return RowPicture(
        title=(
            f"evolved fooling image for {classes[target]!r}: p {found.confidence:.3f} "
            f"(asked for {confidence}) after {found.generations} generations, no gradients"
        ),
        default_path=run.folder.plots / f"fooling-evolved-{target}.png",
        panels=[(found.image[0], f"evolved: {prediction(model, found.image, classes)}")],
    )


def fooling_search_picture(
    run: Run,
    target: int,
    search: str = "gradient",
    *,
    confidence: float = 0.99,
    steps: int = 500,
    generations: int = 200,
    population: int = 64,
    seed: int = 0,
) -> RowPicture:
    """The fooling picture by ``search``: gradient (``steps`` sign steps) or evolution
    (``generations`` of ``population`` images)."""
    if search not in SEARCHES:
        raise ConfigError(f"--search: expected one of {', '.join(SEARCHES)}, found {search!r}")
    if search == "gradient":
        return fooling_picture(run, target, confidence=confidence, steps=steps, seed=seed)
    return evolved_fooling_picture(
        run, target, confidence=confidence, generations=generations, population=population,
        seed=seed,
    )  # fmt: skip
