"""K562 control cells of Replogle et al. 2022 (dataset ``k562-controls``): downloaded once, subset once, cached.

Upstream: figshare file 35773219 (https://plus.figshare.com/ndownloader/files/35773219), the K562 single-cell h5ad of
Replogle JM et al. (2022) Cell 185:2559 (several GB). Figshare file ids are immutable, so the id is the version; the
file's checksum is not known offline, so it is recorded at the first download (``<file>.checksum``, trust on first
use), re-checked on every use and keys the subset. Mirror path: :data:`RESOURCE` ``local_path``.

Layout (what this module relies on): an AnnData h5ad, cells x genes raw UMI counts in ``X`` (dense or sparse);
``obs["gene_id"]`` is the targeted gene's id, ``"non-targeting"`` for control cells; ``var`` indexed by Ensembl gene
id with the symbol in ``var["gene_name"]``.

Only the non-targeting control cells are the matched K562 expression (no perturbation), so the file is opened in
backed mode, the control rows alone are read and written to ``<cache>/datasets/k562-controls/<checksum>.h5ad``
(atomically, its sha256 recorded beside it); later loads read that subset. Progress goes to the callback:
``("download", {"url", "done", "total"})`` while downloading, ``("subset", {"done", "total"})`` once the controls
are selected (``done`` control cells of ``total`` cells).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ._store import Resource, atomic_path, atomic_write_bytes, cache_dir, file_hash, parse_checksum
from ._store.download import Progress
from ._store.mirror import recorded_checksum_path

if TYPE_CHECKING:  # anndata is imported lazily: loading truths should not pay for it
    import anndata as ad

__all__ = ["RESOURCE", "CONTROL_COLUMN", "CONTROL_VALUE", "control_cells", "subset_path"]

logger = logging.getLogger(__name__)

RESOURCE = Resource(
    key="replogle-k562-singlecell",
    url="https://plus.figshare.com/ndownloader/files/35773219",
    checksum=None,
    local_path="expression/replogle_k562/K562_singlecell.h5ad",
    note="Several GB; figshare file ids are immutable (version = file id 35773219); checksum recorded at the first "
         "download.",
)
CONTROL_COLUMN = "gene_id"
CONTROL_VALUE = "non-targeting"


def subset_path(checksum: str) -> Path:
    """Where the control-cell subset of the upstream file with ``checksum`` is cached."""
    algo, value = parse_checksum(checksum)
    return cache_dir() / "datasets" / "k562-controls" / f"{algo}-{value[:16]}.h5ad"


def _read_subset(dest: Path) -> ad.AnnData | None:
    import anndata as ad

    recorded = recorded_checksum_path(dest)
    if not dest.is_file() or not recorded.is_file():
        return None
    if f"sha256:{file_hash(dest)}" != recorded.read_text().strip():
        logger.warning("cached K562 control subset %s is corrupt; selecting the controls again", dest)
        return None
    return ad.read_h5ad(dest)


def _select_controls(path: Path, progress: Progress | None) -> ad.AnnData:
    import anndata as ad

    full = ad.read_h5ad(path, backed="r")
    try:
        if CONTROL_COLUMN not in full.obs:
            raise ValueError(
                f"{path}: no obs column {CONTROL_COLUMN!r}; this is not the Replogle 2022 K562 single-cell layout "
                f"(obs columns: {list(full.obs.columns)[:10]})"
            )
        mask = (full.obs[CONTROL_COLUMN].astype(str) == CONTROL_VALUE).to_numpy()
        if not mask.any():
            raise ValueError(f"{path}: no cell has obs[{CONTROL_COLUMN!r}] == {CONTROL_VALUE!r}; no control cells")
        controls = full[mask].to_memory()  # reads the control rows only
    finally:
        full.file.close()
    if progress is not None:
        progress("subset", {"done": int(mask.sum()), "total": int(mask.size)})
    logger.info("K562: %d non-targeting control cells of %d", int(mask.sum()), mask.size)
    x = controls.X
    controls.X = sp.csr_matrix(x, dtype=np.float32) if sp.issparse(x) else sp.csr_matrix(np.asarray(x, np.float32))
    return controls


def control_cells(path: Path, checksum: str, *, progress: Progress | None = None) -> ad.AnnData:
    """The non-targeting control cells of the upstream file ``path`` (upstream obs/var kept), from the cache when
    they were selected before."""
    dest = subset_path(checksum)
    cached = _read_subset(dest)
    if cached is not None:
        return cached
    controls = _select_controls(path, progress)
    with atomic_path(dest) as tmp:
        controls.write_h5ad(tmp)
    atomic_write_bytes(recorded_checksum_path(dest), f"sha256:{file_hash(dest)}".encode())
    return controls
