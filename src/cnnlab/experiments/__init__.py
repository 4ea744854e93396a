"""Experiments over several runs: compare their learning curves and final figures."""

from cnnlab.experiments.compare import RunRow, compare, run_labels

__all__ = ["RunRow", "compare", "run_labels"]
