"""Looking inside a model: the summary table, receptive fields, activation and gradient
statistics, gradient checks, the LR range test and the babysitting doctor."""

from cnnlab.inspect.activations import LayerStats, activation_stats, plot_activation_stats
from cnnlab.inspect.doctor import Check, DoctorSettings, doctor, run_doctor
from cnnlab.inspect.gradcheck import GradcheckResult, GradcheckRow, gradcheck
from cnnlab.inspect.gradients import GradientReport, gradient_stats
from cnnlab.inspect.init_table import InitRun, deep_net, init_table, plot_init_table
from cnnlab.inspect.lr_finder import LRFinderResult, lr_find, plot_lr_find
from cnnlab.inspect.receptive import receptive_field
from cnnlab.inspect.setup import Prepared, prepare, prepare_run
from cnnlab.inspect.summary import summary

__all__ = [
    "Check",
    "DoctorSettings",
    "GradcheckResult",
    "GradcheckRow",
    "GradientReport",
    "InitRun",
    "LRFinderResult",
    "LayerStats",
    "Prepared",
    "activation_stats",
    "deep_net",
    "doctor",
    "gradcheck",
    "gradient_stats",
    "init_table",
    "lr_find",
    "plot_activation_stats",
    "plot_init_table",
    "plot_lr_find",
    "prepare",
    "prepare_run",
    "receptive_field",
    "run_doctor",
    "summary",
]
