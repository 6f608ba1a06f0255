"""ground_truths: reference gene networks as clean, directed edge tables of HGNC symbols.

Quick start::

    import ground_truths as gt
    gt.available()                      # names of built-in (and imported) truths
    edges = gt.load("mccalla-hesc")     # DataFrame[source, target, ...]; works offline (shipped)
    adata = gt.load_dataset(gt.matched_dataset("mccalla-hesc"))   # Chen hESC, recovered counts, shipped
    tfs = gt.tf_list("human")           # Lambert 2018

Data locations: shipped package data, a local mirror (env var ``GROUND_TRUTHS_LOCAL``, laid out like
``../shared/data``) or verified downloads, cached under :func:`cache_dir` (env var ``GROUND_TRUTHS_CACHE``).
See docs/truths.md for every source, its upstream, and the normalisation rules.
"""
from __future__ import annotations

from . import sources as _sources  # noqa: F401  (registers the built-in truths)
from ._store import cache_dir, set_cache_dir
from .datasets import available_datasets, load_dataset, matched_dataset, recover_counts
from .genesets import encode_tf_targets, tf_list
from .ids import classify_ids, detect_organism, normalize_symbols
from .loader import available, fetch, info, load
from .userfile import from_file, import_file

__all__ = [
    "available",
    "available_datasets",
    "cache_dir",
    "classify_ids",
    "detect_organism",
    "encode_tf_targets",
    "fetch",
    "from_file",
    "import_file",
    "info",
    "load",
    "load_dataset",
    "matched_dataset",
    "normalize_symbols",
    "recover_counts",
    "set_cache_dir",
    "tf_list",
]
