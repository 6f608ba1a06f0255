"""Write one real network in the file layouts of other tools, to try ``bengrn score`` on (docs/cli.md, ``score``).

The network: Pearson correlation of the Chen hESC cells (``chen-hesc``, 5,000 most variable genes, all cells, seed 0,
log-normalised as ``bengrn run``'s methods normalise them), TF rows only (``ground_truths.tf_list("human")``), as GRN tools that
take a TF list report it. Written as

- ``adjacencies.tsv``: pySCENIC / arboreto (``TF, target, importance`` = |r|, sorted by importance, tab-separated);
- ``rankedEdges.csv``: BEELINE (``Gene1, Gene2, EdgeWeight`` = signed r, tab-separated under a .csv name);
- ``genes.txt``: the 5,000 genes the method was given (``--genes``).

Both files hold the same edges, so ``bengrn score`` must give them identical metrics (it scores |weight|).

    python docs/examples/chen_networks_in_tool_layouts.py OUT_DIR
    bengrn score OUT_DIR/adjacencies.tsv OUT_DIR/rankedEdges.csv --genes OUT_DIR/genes.txt -t mccalla-hesc
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import ground_truths
from bengrn.prepare import load_data, log_normalize, prepare_groups
from ground_truths.ids import symbol_key


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    adata, info = load_data("chen-hesc")
    prep = prepare_groups(adata, info, celltype_key=None, n_cells=None, n_genes=5000, seed=0)[0]
    genes = np.asarray(prep.genes, dtype=object)
    # as bengrn's methods normalise: each cell scaled by its total counts over all genes of the dataset
    x = log_normalize(prep.adata.X, dtype=np.float64, totals=prep.adata.obs["total_counts"].to_numpy())
    r = np.corrcoef(x, rowvar=False)
    np.fill_diagonal(r, 0.0)
    tf_rows = np.flatnonzero(symbol_key(genes).isin(symbol_key(ground_truths.tf_list("human"))))
    rows, cols = np.nonzero(r[tf_rows] != 0)
    weight = r[tf_rows][rows, cols]
    edges = pd.DataFrame({"TF": genes[tf_rows][rows], "target": genes[cols], "importance": np.abs(weight)})
    order = np.argsort(-edges["importance"].to_numpy(), kind="stable")
    edges.iloc[order].to_csv(out / "adjacencies.tsv", sep="\t", index=False)
    beeline = pd.DataFrame({"Gene1": edges["TF"], "Gene2": edges["target"], "EdgeWeight": weight})
    beeline.iloc[order].to_csv(out / "rankedEdges.csv", sep="\t", index=False)
    (out / "genes.txt").write_text("\n".join(genes) + "\n")
    print(f"{len(tf_rows)} TF rows x {len(genes)} genes: {len(edges):,} edges in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "chen-networks"))
