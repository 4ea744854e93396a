"""Experiments over several runs: compare their learning curves and final figures, and
average their predictions as an ensemble."""

from cnnlab.experiments.compare import RunRow, compare, run_labels
from cnnlab.experiments.ensemble import EnsembleResult, ensemble

__all__ = ["EnsembleResult", "RunRow", "compare", "ensemble", "run_labels"]
