"""The web lab: `cnnlab serve`, a trained network to draw on and look inside, in the browser.

``create_app(run)`` is the FastAPI application for one run, chosen at start-up; ``serve``
runs it. The page (``static/``) calls:

    GET  /api/model    the model: classes, input, summary table, shown layers, curves
    POST /api/analyse  top-5, every shown layer's feature maps, attribution overlays
    POST /api/unit     one unit's value, receptive field and convolution arithmetic
    POST /api/attack   FGSM or PGD on the image: the adversarial image and its top-5

Each POST takes the image as JSON ``{"image": "<data URL>"}`` or as a multipart file field
``image``, and its options in the query.
"""

from cnnlab.serve.app import create_app
from cnnlab.serve.server import serve

__all__ = ["create_app", "serve"]
