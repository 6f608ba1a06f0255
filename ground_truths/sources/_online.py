"""The online clients of the OmniPath / CollecTRI / DoRothEA truths: ``omnipath`` and ``decoupler`` (extra
``grnsuite[online]``), imported on first use only.

ground_truths may not import grnndata, so this is its tiny copy of the optional-import rule
(:mod:`grnndata._odeps`). The clients' tables carry no checksum; :func:`frame_provenance` records the client's
version and a sha256 of the table it returned, which go to the truth's ``attrs`` and cache manifest.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator

import pandas as pd

from .._store import MissingDataError

EXTRA = 'pip install "grnsuite[online]"'


def available(module: str) -> bool:
    """True when the client ``module`` is installed (checked without importing it)."""
    return importlib.util.find_spec(module) is not None


def client(module: str, purpose: str) -> ModuleType:
    """Import the client ``module`` (``omnipath`` or ``decoupler``) or raise ImportError naming the extra."""
    if module == "omnipath":
        # the omnipath client queries its server at import unless told not to; fetches happen when we ask
        os.environ.setdefault("OMNIPATH_AUTOLOAD", "0")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] != module:
            raise  # the client is installed but one of its own imports is missing
        raise ImportError(f"{purpose} needs the optional {module!r} client: {EXTRA}, or set GROUND_TRUTHS_LOCAL "
                          "to a local mirror holding the pinned snapshot") from exc


@contextmanager
def reaching(purpose: str) -> Iterator[None]:
    """Turn a client's network failure (requests' errors are OSErrors) into one clear :class:`MissingDataError`."""
    try:
        yield
    except OSError as exc:
        raise MissingDataError(
            f"{purpose}: the online service could not be reached ({type(exc).__name__}: {str(exc)[:200]}); "
            "if this machine is offline, set GROUND_TRUTHS_LOCAL to a local mirror holding the pinned snapshot "
            "(laid out like shared/data) or pass snapshot=<a pinned snapshot name>"
        ) from exc


def frame_provenance(frame: pd.DataFrame, module: ModuleType, **extra: object) -> dict:
    """``{"client", "client_version", "rows", "sha256"}`` of a table a client returned (+ ``extra``)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update("\t".join(map(str, frame.columns)).encode())
    return {"client": module.__name__, "client_version": str(getattr(module, "__version__", "unknown")),
            "rows": int(len(frame)), "sha256": digest.hexdigest(), **extra}
