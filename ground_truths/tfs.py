"""Transcription-factor lists shipped with the package (:func:`tf_list`).

- human: Lambert et al. 2018 "The Human Transcription Factors" (Cell 172:650), 1,639 HGNC symbols, file
  ``gene_sets/hs_hgnc_tfs_lambert2018.txt`` of the shared data (omicverse 2.3.2 copy, md5 7b9ceeb2...). It is the
  list scPRINT/grnndata use (``grnndata_TF_human.txt`` is the same list minus one line), and the curated reference
  standard for human TFs.
- mouse: grnndata 1.3.2 ``mTF.txt`` (1,860 MGI symbols, md5 8954f9b6...), the list scPRINT uses for mouse.

Symbols pass through :func:`ground_truths.ids.normalize_symbols`, so they match truths and datasets.
"""
from __future__ import annotations

import functools

from ._store import package_file
from .ids import check_organism, normalize_symbols

FILES = {"human": "hs_hgnc_tfs_lambert2018.txt", "mouse": "grnndata_mTF_mouse.txt"}


@functools.lru_cache(maxsize=2)
def _tf_tuple(organism: str) -> tuple[str, ...]:
    with open(package_file(FILES[organism])) as handle:
        raw = [line.strip() for line in handle if line.strip()]
    canon = normalize_symbols(raw, organism).dropna()
    return tuple(dict.fromkeys(canon))  # keep file order, drop duplicates


def tf_list(organism: str = "human") -> list[str]:
    """Transcription-factor symbols for ``organism`` (``"human"``: Lambert 2018; ``"mouse"``: grnndata mTF)."""
    return list(_tf_tuple(check_organism(organism)))
