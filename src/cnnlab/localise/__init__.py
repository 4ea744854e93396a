"""Beyond one label per image: class-score maps from a convolutionized classifier."""

from cnnlab.localise.classmap import ClassMap, class_map, sliding_scores

__all__ = ["ClassMap", "class_map", "sliding_scores"]
