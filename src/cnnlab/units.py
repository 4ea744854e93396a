"""Counts written for people: what tables print for MACs."""

from __future__ import annotations


def format_macs(macs: int) -> str:
    """``1.81G``, ``40.55M``, ``416.52K``: three significant decimals at most."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if macs >= scale:
            return f"{macs / scale:.2f}{unit}"
    return str(macs)
