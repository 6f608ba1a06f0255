"""The GRnnData 1.3.2 README usage, as written there (seeded; results to $COMPAT_OUT)."""
import json
import os

import anndata
import numpy as np

from grnndata import GRNAnnData, read_h5ad
from grnndata import utils

np.random.seed(0)
grn = np.random.rand(10, 10)
adata = anndata.AnnData(X=np.random.rand(10, 10))

grn = GRNAnnData(adata, grn=grn)

print(grn)  # shows the number of elements
grn.grn  # shows the GRN
subgrn = grn.get(["0", "1"])  # only gets some elements from the GRN
subgrn.targets  # shows the target connections

out = os.environ["COMPAT_OUT"]
subgrn.write_h5ad(out + ".h5ad")  # writes it
back = read_h5ad(out + ".h5ad")  # reads it
top = utils.get_centrality(grn, top_k_to_disp=3)

with open(out, "w") as handle:
    json.dump({"grn": grn.grn.values.tolist(), "sub_targets": subgrn.targets.values.tolist(),
               "back_grn": np.asarray(back.varp["GRN"]).tolist(), "central": [g for g, _ in top]}, handle)
