"""Optional dependencies: the one route from a missing import to "pip install ...".

Used by grnndata, scprint_model and bengrn (``ground_truths`` may import none of them and keeps a two-line copy for its
online clients). ``import_optional("torch", "DeepSEM")`` returns the module or raises
:class:`MissingDependencyError` naming the extra to install.
"""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

__all__ = ["MissingDependencyError", "EXTRAS", "import_optional", "has_module", "missing_dependency"]

# top-level module -> pip extra of grnsuite that provides it
EXTRAS = {
    "torch": "model",
    "flash_attn": "gpu",
    "dask": "dask",
    "distributed": "dask",
    "omnipath": "online",
    "decoupler": "online",
    "mkdocs": "docs",
}


class MissingDependencyError(ImportError):
    """An optional dependency is not installed; the message names the pip extra that provides it."""


def missing_dependency(module: str, purpose: str) -> MissingDependencyError:
    """The error for ``module`` missing when ``purpose`` needs it."""
    root = module.split(".")[0]
    extra = EXTRAS.get(root)
    fix = f'pip install "grnsuite[{extra}]"' if extra else f"pip install {root}"
    return MissingDependencyError(f"{purpose} needs the optional dependency {root!r}, which is not installed: {fix}")


def has_module(name: str) -> bool:
    """True when ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def import_optional(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` saying which extra ``purpose`` needs."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] != module.split(".")[0]:
            raise  # the module exists but one of *its* imports is missing: a broken install, not an extra
        raise missing_dependency(module, purpose) from exc
