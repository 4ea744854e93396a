"""Breaking CNNs: gradient attacks, robustness curves and fooling images.

The gradient attacks (FGSM, PGD) live in :mod:`cnnlab.train.attacks`, where adversarial
training uses them too; this package measures a run's robustness with them and searches
for fooling images without gradients.
"""

from cnnlab.attack.evolve import Evolved, evolve_fooling
from cnnlab.train.attacks import Attack, attack, fgsm, pgd

__all__ = ["Attack", "Evolved", "attack", "evolve_fooling", "fgsm", "pgd"]
