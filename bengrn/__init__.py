"""bengrn: benchmark gene networks against reference networks.

Convention used everywhere: ``network[i, j]`` scores the edge regulator i -> target j (rows = sources).

The functions most scripts need are exported here: :func:`bengrn.benchmark` (methods and existing networks against
truths, returning :class:`bengrn.Results`), :func:`bengrn.align` (truth edge table -> sparse boolean matrix over a
network's genes) and :func:`bengrn.evaluate` (all metrics, see ``docs/metrics.md``). Submodules: ``metrics``,
``alignment``, ``methods`` (the registry), ``enrichment``; ``api`` (benchmark, Results), ``networks`` (existing
networks read from files), ``scorer`` (scoring them); the benchmark pipeline ``prepare`` (expression data),
``truths`` (load and align references), ``protocols`` (plain and held-out scoring), ``store`` (output folder, resume,
provenance), ``runner`` (the grid), ``results`` (results.json/csv), ``plots``, ``check`` (regression check);
``errors``; ``cli`` (the ``bengrn`` command).
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from bengrn import _clash  # noqa: F401  (refuses a bengrn folder shared with another distribution)
from bengrn.alignment import align
from bengrn.metrics import evaluate, pr_curve
from bengrn.compat import __getattr__ as _compat_getattr  # benGRN 1.3.2 names: BenGRN, get_sroy_gt, ... (on first use)


def __getattr__(name: str):
    """``benchmark`` and ``Results`` (:mod:`bengrn.api`) on first use, else the benGRN 1.3.2 names of bengrn.compat."""
    if name in ("benchmark", "Results"):
        # Not at import: bengrn.api loads the runner, anndata and the methods (import bengrn 0.4 s -> 1.3 s).
        from bengrn import api

        return getattr(api, name)
    return _compat_getattr(name)


try:
    __version__ = version("grnsuite")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
__all__ = ["align", "benchmark", "evaluate", "pr_curve", "Results", "__version__"]
