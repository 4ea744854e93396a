"""The web lab: `cnnlab serve`, a trained network to draw on and look inside, in the browser."""
