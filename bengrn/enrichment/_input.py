"""Input check of the enrichment functions: grnndata's network check plus the size a ranking needs."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from grnndata.views import resolve_network


def network_and_genes(network: Any, genes: Sequence[str] | None) -> tuple[np.ndarray | sp.csr_matrix, pd.Index]:
    """``(matrix, genes)`` of a GRnnData (its ``"GRN"`` network), a dense array or a scipy sparse matrix + genes."""
    mat, genes = resolve_network(network, genes)
    if mat.shape[0] < 3:
        raise ValueError("network needs at least 3 genes for a ranking")
    return mat, genes
