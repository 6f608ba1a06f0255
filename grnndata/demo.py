"""Round-trip demo: ``python -m grnndata.demo``.

Builds a small network from the edge list of the toy truth (:mod:`grnndata.toy`), writes it to a temporary
.h5ad, reads it back with *plain* ``anndata.read_h5ad`` and logs that the values, the sparsity pattern and the metadata are identical.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import anndata
import numpy as np

from .core import GRnnData
from .io import from_edges
from .toy import toy, toy_genes

logger = logging.getLogger("grnndata.demo")


def run(directory: str | Path | None = None, seed: int = 0) -> bool:
    """Run the round trip in ``directory`` (default: a fresh temporary directory); True if identical."""
    rng = np.random.default_rng(seed)
    truth = toy(n_genes=50, n_regulators=8, n_edges=200, seed=seed).truth
    net = from_edges(truth, toy_genes(50, 8), metadata={"method": "demo", "parameters": {"seed": seed}})
    net.add_network("heads", rng.random((50, 50, 4)).astype(np.float32), metadata={"method": "demo-heads"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(directory or tmp) / "demo_network.h5ad"
        net.write_h5ad(path)
        logger.info("wrote %s", path)
        plain = anndata.read_h5ad(path)
        a, b = net.network("GRN"), plain.varp["GRN"]
        same_grn = a.shape == b.shape and (a != b).nnz == 0 and np.array_equal(a.indices, b.indices)
        same_heads = np.array_equal(net.network("heads"), plain.varp["heads"])
        same_meta = GRnnData(plain).network_metadata("GRN") == net.network_metadata("GRN")
        logger.info("plain anndata: %s", plain)
        logger.info(
            "GRN: %d edges, values identical: %s; heads stack %s identical: %s; metadata identical: %s",
            a.nnz, same_grn, plain.varp["heads"].shape, same_heads, same_meta,
        )
        logger.info("top edges:\n%s", GRnnData(plain).to_edges(top_k=1).head(5).to_string(index=False))
    return bool(same_grn and same_heads and same_meta)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ok = run()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
