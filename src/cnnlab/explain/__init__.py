"""The lectures' worked maths with the user's numbers: each function returns a
:class:`Derivation`, the steps to read and the numbers they arrive at.

``explain_conv``, ``explain_pool``, ``explain_toeplitz``, ``explain_receptive``,
``explain_fc_to_conv``, ``explain_locally_connected``, ``explain_tf_padding``,
``explain_inception`` and ``explain_backprop``; ``cnnlab explain TOPIC`` prints them.
"""

from cnnlab.explain.backprop import explain_backprop
from cnnlab.explain.conv import explain_conv, explain_pool
from cnnlab.explain.derivation import Derivation
from cnnlab.explain.inception import explain_inception
from cnnlab.explain.layers import explain_fc_to_conv, explain_locally_connected, explain_tf_padding
from cnnlab.explain.receptive import explain_receptive
from cnnlab.explain.toeplitz import explain_toeplitz, parse_matrix

__all__ = [
    "Derivation",
    "explain_backprop",
    "explain_conv",
    "explain_fc_to_conv",
    "explain_inception",
    "explain_locally_connected",
    "explain_pool",
    "explain_receptive",
    "explain_tf_padding",
    "explain_toeplitz",
    "parse_matrix",
]
