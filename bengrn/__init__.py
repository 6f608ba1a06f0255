"""bengrn: benchmark gene networks against reference networks.

Convention used everywhere: ``network[i, j]`` scores the edge regulator i -> target j (rows = sources).

The two functions most scripts need are exported here: :func:`bengrn.align` (truth edge table -> sparse boolean
matrix over a network's genes) and :func:`bengrn.evaluate` (all metrics, see ``docs/metrics.md``). Submodules:
``metrics``, ``alignment``, ``methods`` (the registry), ``enrichment``; the benchmark pipeline ``prepare`` (expression
data), ``truths`` (load and align references), ``protocols`` (plain and held-out scoring), ``store`` (output folder,
resume, provenance), ``runner`` (the grid), ``results`` (results.json/csv), ``plots``, ``check`` (regression check);
``errors``; ``cli`` (the ``bengrn`` command).
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from bengrn import _clash  # noqa: F401  (refuses a bengrn folder shared with another distribution)
from bengrn.alignment import align
from bengrn.metrics import evaluate, pr_curve
from bengrn.compat import __getattr__  # noqa: F401  (benGRN 1.3.2 names: BenGRN, get_sroy_gt, ..., loaded on first use)

try:
    __version__ = version("grnsuite")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
__all__ = ["align", "evaluate", "pr_curve", "__version__"]
