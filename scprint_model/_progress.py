"""Progress reporting: library functions call back, only command-line front ends draw bars."""
from __future__ import annotations

from typing import Callable

#: ``progress(event, info)``: ``event`` names the job ("attention", "train", "download"); ``info`` has at least
#: ``done`` and ``total`` where they are meaningful.
ProgressFn = Callable[[str, dict], None]


def as_callback(progress) -> ProgressFn | None:
    """A callable, or ``None`` for "no progress" (``None`` and the old booleans ``True``/``False``)."""
    if progress is None or isinstance(progress, bool):
        return None
    if not callable(progress):
        raise TypeError(f"progress must be a callable progress(event, info) or None, got {type(progress).__name__}")
    return progress
