"""Figures from tensors: filters, activations, attribution, synthesis, plots, the HTML report.

Each submodule returns the tensor behind its picture and draws it on request; import the
one you need (``from cnnlab.viz.attribution import saliency``) so matplotlib loads only
when a picture is drawn.
"""
