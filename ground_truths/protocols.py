"""Evaluation protocols and contexts: which part of a truth can be scored, and where it was measured.

Every truth's ``attrs`` carry (the contract other packages rely on):

- ``attrs["protocol"] = {"name", "regulators", "targets", "description"}``: the truth's authors' evaluation universe.
  ``regulators``: the assayed regulators (symbols), or ``None`` = every regulator with at least one edge;
  ``targets``: the measurable targets, or ``None`` = every gene of the scored network.
- ``attrs["context"] = {"organism", "cell_line", "cell_type"}``: where the evidence comes from (``None`` = no
  particular cell line / type, e.g. literature).

Datasets carry the same ``context`` dict in ``adata.uns["dataset"]["context"]``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .ids import normalize_symbols

__all__ = ["PROTOCOLS", "CELLS", "make_protocol", "make_context", "describe_protocol"]

#: The cells truths and datasets were measured in (one spelling, so that contexts compare equal).
CELLS = {
    "K562": {"cell_line": "K562", "cell_type": "chronic myelogenous leukemia"},
    "ESC": {"cell_line": None, "cell_type": "embryonic stem cell"},
    "THP-1": {"cell_line": "THP-1", "cell_type": "monocyte"},
    "HepG2": {"cell_line": "HepG2", "cell_type": "hepatocellular carcinoma"},
    "mDC": {"cell_line": None, "cell_type": "dendritic cell"},
    "U2OS": {"cell_line": "U2OS", "cell_type": "osteosarcoma"},
}

#: Protocol name -> what it means (printed by ``info()`` and docs/truths.md).
PROTOCOLS = {
    "literature": "curated literature / database edges: regulators with at least one edge x every gene of the "
                  "network (absence of an edge is not evidence that a TF was tested)",
    "mccalla": "McCalla et al. 2023: the gold standard's regulators that are in the dataset's TF universe file x "
               "the genes of the dataset's gene universe file (per dataset: Chen/Liu hESC, Semrau/Duren mESC)",
    "perturbation": "perturbed (knocked-down) genes x measured responding genes: every perturbed gene was assayed, "
                    "every measured gene could respond",
    "chip": "ChIP-seq: the profiled TFs x every gene of the network (a TF without a peak near a gene is a negative)",
    "beeline": "BEELINE (Pratapa et al. 2020): regulators with at least one edge x the genes of the truth network, "
               "as in BEELINE's early-precision code",
    "interaction": "undirected protein interactions (expanded to both directions): proteins with at least one "
                   "interaction x every gene of the network",
    "roylab": "Roy lab (Siahpirani & Roy 2017): the gold standard's TFs (each with ChIP or knock-out data) x every "
              "gene of the network (the platform's gene list is not published beside the files)",
    "user": "a user file: regulators with at least one edge x every gene of the network",
}


def _symbols(values: Iterable[Any] | None, organism: str) -> list[str] | None:
    if values is None:
        return None
    canon = normalize_symbols(pd.unique(pd.Series(list(values), dtype=object)), organism)
    return sorted(pd.unique(canon.dropna()).tolist())


def make_protocol(
    name: str,
    edges: pd.DataFrame,
    organism: str,
    *,
    regulators: Iterable[Any] | None = None,
    targets: Iterable[Any] | None = None,
    description: str | None = None,
) -> dict:
    """The ``attrs["protocol"]`` dict of a normalised truth ``edges``.

    ``regulators`` / ``targets`` are raw ids from the upstream files (normalised here by the ids rule, sorted,
    unique); ``None`` keeps the contract's meaning. The ``beeline`` protocol's targets are the genes of the truth.
    """
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; one of {sorted(PROTOCOLS)}")
    if name == "beeline" and targets is None:
        targets = pd.unique(edges[["source", "target"]].to_numpy().ravel())
    return {"name": name, "regulators": _symbols(regulators, organism), "targets": _symbols(targets, organism),
            "description": description or PROTOCOLS[name]}


def make_context(organism: str, cell_line: str | None = None, cell_type: str | None = None) -> dict:
    """The ``context`` dict shared by truths and datasets."""
    return {"organism": organism, "cell_line": cell_line, "cell_type": cell_type}


def describe_protocol(protocol: dict, *, built: bool = True) -> dict:
    """The protocol as ``info()`` shows it: name, description and the size of each side of the universe."""
    def size(side: str, meaning: str) -> int | str | None:
        if not built:
            return None  # known once the truth is built (load or fetch)
        values = protocol.get(side)
        return meaning if values is None else len(values)

    return {"name": protocol["name"], "description": protocol["description"],
            "n_regulators": size("regulators", "every regulator with an edge"),
            "n_targets": size("targets", "every gene of the network")}
