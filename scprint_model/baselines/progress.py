"""Progress reporting of the baselines: a callback ``progress(event, info)``, never a progress bar.

``progress`` may be a callable (called with an event name and a dict holding at least ``done`` and ``total``),
``True`` (events go to this module's logger at INFO level) or ``False`` / ``None`` (nothing). Only the CLI draws bars.
"""
from __future__ import annotations

import logging
from typing import Callable, Union

logger = logging.getLogger(__name__)

Progress = Union[Callable[[str, dict], None], bool, None]

__all__ = ["Progress", "as_callback"]


def _log(event: str, info: dict) -> None:
    logger.info("%s: %s", event, ", ".join(f"{k}={v}" for k, v in info.items()))


def as_callback(progress: Progress) -> Callable[[str, dict], None] | None:
    """The callable behind ``progress``: itself, a logging reporter for ``True``, ``None`` for ``False`` / ``None``."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return _log
    if not callable(progress):
        raise TypeError(f"progress must be a callable(event, info), True, False or None, got {progress!r}")
    return progress
