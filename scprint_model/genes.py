"""Matching a dataset's genes to a model vocabulary (symbols for the toy, Ensembl ids for published checkpoints).

Published scPRINT vocabularies are Ensembl gene ids. A dataset named by symbols is matched through, in order of
preference: a column of ``adata.var`` holding ids (``gene_ids=`` or one of :data:`ID_COLUMNS`), else the shipped
GENCODE v44 human table (``data/gencode_v44_human_symbols.tsv.gz``; exact symbols; a symbol with several ids takes
the first id that is in the vocabulary). The source with the most matches wins; ties keep ``var_names``.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

ID_COLUMNS = ("ensembl_id", "gene_ids", "gene_id", "ensembl_gene_id")
SYMBOL_TABLE = Path(__file__).with_name("data") / "gencode_v44_human_symbols.tsv.gz"


@lru_cache(maxsize=1)
def _symbol_table() -> pd.DataFrame:
    return pd.read_csv(SYMBOL_TABLE, sep="\t", dtype=str)


def _symbols_to_ids(symbols: pd.Index, vocab: pd.Index) -> pd.Index:
    table = _symbol_table()
    table = table[table["ensembl_id"].isin(vocab)].drop_duplicates("symbol")
    return pd.Index(symbols.map(pd.Series(table["ensembl_id"].to_numpy(), index=table["symbol"])).astype(object))


def vocabulary_index(var_names, var: pd.DataFrame | None, vocab, gene_ids: str | None = None
                     ) -> tuple[np.ndarray, str]:
    """(G,) vocabulary index of each gene (-1: not in the vocabulary) and the name of the identifier used.

    Parameters
    ----------
    var_names, var
        the dataset's gene names and ``adata.var``.
    vocab
        the model's vocabulary.
    gene_ids
        a column of ``var`` holding identifiers of the vocabulary's kind; ``None`` picks the best source.
    """
    vocab = pd.Index([str(g) for g in vocab])
    names = pd.Index([str(g) for g in var_names])
    if gene_ids is not None:
        if var is None or gene_ids not in var.columns:
            raise ValueError(f"gene_ids={gene_ids!r} is not a column of adata.var "
                             f"(columns: {list(var.columns) if var is not None else []})")
        candidates = {f"var[{gene_ids!r}]": pd.Index(var[gene_ids].astype(str))}
    else:
        candidates = {"var_names": names}
        for col in ID_COLUMNS:
            if var is not None and col in var.columns:
                candidates[f"var[{col!r}]"] = pd.Index(var[col].astype(str))
        if vocab.str.startswith("ENSG").mean() > 0.5:
            candidates["symbol table (GENCODE v44)"] = _symbols_to_ids(names, vocab)
    best_source, best = None, None
    for source, ids in candidates.items():
        idx = vocab.get_indexer(ids)
        if best is None or (idx >= 0).sum() > (best >= 0).sum():
            best_source, best = source, idx
    dup = pd.Series(best).duplicated().to_numpy() & (best >= 0)
    if dup.any():  # two dataset genes on one vocabulary id: keep the first, it would otherwise be tokenised twice
        log.warning("%d genes map to a vocabulary id already taken by another gene; kept with zero scores",
                    int(dup.sum()))
        best = np.where(dup, -1, best)
    return best.astype(np.int64), best_source
