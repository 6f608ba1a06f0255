"""GRnnData 1.3.2's ``grnndata.utils.enrichment``, here because it needs bengrn's GSEA engine (grnndata may not
import bengrn); ``grnndata.utils.enrichment`` raises an error pointing to :func:`enrichment`.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from anndata import AnnData

from grnndata import GRnnData, hub_scores
from grnndata._legacy import deprecated
from grnndata import utils as grnutils
from grnndata.utils import centrality

from ..enrichment import prerank_sets

logger = logging.getLogger(__name__)

#: 1.3.2's ``of=`` names -> our hub ranking. 1.3.2 ranked "Targets" by row sums (a gene's out-going strength)
#: and "Regulators" by column sums (in-coming strength).
_RANKINGS = {"Targets": "out_degree", "Regulators": "in_degree"}


@dataclass
class PrerankResult:
    """What 1.3.2's ``enrichment`` returned (a gseapy prerank object), reduced to ``res2d``; ``table`` is ours."""

    res2d: pd.DataFrame
    table: pd.DataFrame


def _gene_sets(gene_sets: Sequence[Any] | None) -> list[Any]:
    if gene_sets is None:
        return [{"TFs": grnutils.TF}, os.path.join(grnutils.file_dir, "celltype.gmt")]
    online = [g for g in gene_sets if isinstance(g, str) and not os.path.isfile(g)]
    if online:
        raise ValueError(
            f"gene sets {online} are neither files nor dicts; Enrichr library names need gseapy's online API, "
            "which this offline enrichment does not call: pass dicts name -> genes or GMT files"
        )
    return list(gene_sets)


def _ranking(grn: AnnData, of: str) -> pd.Series:
    if of == "Central":
        centrality(grn, top_k_to_disp=0)
        return grn.var["centrality"].astype(float)
    if of not in _RANKINGS:
        raise ValueError("of must be one of 'Targets', 'Regulators', or 'Central'")
    net = grn if isinstance(grn, GRnnData) else GRnnData(grn)
    return hub_scores(net, absolute=False)[_RANKINGS[of]]  # raw sums, as 1.3.2


def enrichment(
    grn: AnnData,
    of: str = "Targets",
    doplot: bool = True,
    top_k: int = 30,
    gene_sets: Sequence[Any] | None = None,
    min_size: int = 3,
    max_size: int = 4000,
    permutation_num: int = 1000,
    **kwargs: Any,
) -> PrerankResult | None:
    """1.3.2's ``grnndata.utils.enrichment``: GSEA prerank of a hub ranking (via :func:`bengrn.enrichment.prerank_sets`).

    ``of``: "Targets" (row sums), "Regulators" (column sums) or "Central" (centrality, see ``get_centrality``).
    Default gene sets: the human TF list as ``"TFs"`` and the cell-type markers (1.3.2 also queried online Enrichr
    libraries). Returns ``None`` when the ranking has at most one distinct non-zero value, as 1.3.2.
    """
    deprecated("grnndata.utils.enrichment", "bengrn.enrichment.prerank_sets(hub_scores(net)[...], gene_sets)")
    seed = int(kwargs.pop("seed", 0))
    if kwargs:
        logger.info("grnndata.utils.enrichment: ignored gseapy options %s", sorted(kwargs))
    rnk = _ranking(grn, of)
    rnk = rnk[rnk != 0]
    if rnk.nunique() <= 1:
        logger.warning("the ranking of %s has at most one distinct non-zero value: nothing to enrich", of)
        return None
    table = prerank_sets(rnk, _gene_sets(gene_sets), seed=seed, permutations=permutation_num,
                         min_size=min_size, max_size=max_size)
    res2d = pd.DataFrame({
        "Name": "prerank", "Term": table["term"], "ES": table["es"], "NES": table["nes"],
        "NOM p-val": table["pval"], "FDR q-val": table["fdr"], "Lead_genes": table["lead_genes"],
    })
    if doplot:
        sig = res2d[(res2d["FDR q-val"] < 0.1) & (res2d["NES"] > 1)]
        logger.info("enrichment of %s: %s", of, sig["Term"].tolist()[:top_k])
    return PrerankResult(res2d=res2d, table=table)
