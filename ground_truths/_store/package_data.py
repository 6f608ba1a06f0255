"""Access to the files shipped inside the package (``ground_truths/data``) via ``importlib.resources``."""
from __future__ import annotations

import functools
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

_STACK = ExitStack()


@functools.lru_cache(maxsize=None)
def package_file(name: str) -> Path | None:
    """Filesystem path of a shipped data file, or None when it is not shipped.

    ``as_file`` extracts the resource to a temporary file when the package is zipped; the ExitStack keeps that
    file alive for the life of the process.
    """
    ref = resources.files("ground_truths").joinpath("data", name)
    if not ref.is_file():
        return None
    return Path(_STACK.enter_context(resources.as_file(ref)))
