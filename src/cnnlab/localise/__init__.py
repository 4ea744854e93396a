"""Beyond one label: where in a larger image each class scores (class-score maps)."""

from cnnlab.localise.classmap import (
    ClassMap,
    class_map,
    on_canvas,
    picture,
    plot_class_map,
    sliding_scores,
)

__all__ = ["ClassMap", "class_map", "on_canvas", "picture", "plot_class_map", "sliding_scores"]
