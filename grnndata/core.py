"""The :class:`GRnnData` type: an AnnData whose gene x gene networks live in ``varp``.

Orientation: ``network[i, j]`` is the score of the edge regulator ``genes[i]`` -> target ``genes[j]``
(rows = sources, columns = targets). Use :meth:`GRnnData.as_target_rows` / :func:`from_target_rows` at the
boundary of methods that produce the other orientation instead of a bare ``.T``.

Storage: each network is ``adata.varp[key]`` (dense ``(genes, genes)``, dense per-head stack
``(genes, genes, heads)``, or scipy sparse CSR/CSC). Provenance of network ``key`` is a JSON string at
``adata.uns["grnndata"]["networks"][key]`` (JSON keeps lists/None/nesting exact through .h5ad).
"""
from __future__ import annotations

import copy as _copy
import datetime as _dt
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from . import edges as _edges
from ._checks import NetworkKeyError, check_genes, check_key, check_network, metadata_to_json
from ._legacy import LegacyAccessors
from ._files import atomic_path

logger = logging.getLogger(__name__)

DEFAULT_KEY = "GRN"
UNS_KEY = "grnndata"
ORIENTATION = "rows=regulators, columns=targets (network[i, j] scores regulator i -> target j)"
FORMAT_VERSION = "1"

Matrix = Any  # np.ndarray | scipy.sparse matrix/array


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class GRnnData(LegacyAccessors, AnnData):
    """AnnData (cells x genes; may have 0 cells) holding named gene x gene networks in ``varp``.

    Parameters
    ----------
    adata
        Existing AnnData to wrap. Its arrays (``X``, ``varp`` networks, ...) are shared, not copied; its
        ``uns`` mapping is shallow-copied so that adding networks does not alter ``adata``.
    networks
        A matrix (stored under ``"GRN"``) or a mapping ``key -> matrix``. Rows = regulators.
    genes
        Gene names (required without ``adata``; if given with ``adata`` they must equal its ``var_names``).
    metadata
        Provenance: for a single matrix, its metadata dict; for a mapping of networks, either a mapping
        ``key -> dict`` (when all its keys are network keys) or one dict applied to every network.

    Notes
    -----
    Slicing (``net[cells, genes]``), ``copy()`` and :func:`read_h5ad` return ``GRnnData``. Slicing by cells
    keeps every network; slicing by genes keeps the induced sub-network (in the order asked for). A view
    is materialised (copied) before a network is added to it, as anndata does for any view modification.
    """

    def __init__(
        self,
        adata: AnnData | None = None,
        *,
        networks: Matrix | Mapping[str, Matrix] | None = None,
        genes: Sequence[str] | pd.Index | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if adata is None:
            if genes is None and isinstance(networks, pd.DataFrame):
                genes = networks.index
            genes = check_genes(genes)
            AnnData.__init__(self, var=pd.DataFrame(index=genes))
        else:
            if not isinstance(adata, AnnData):
                raise TypeError(
                    f"adata must be an AnnData, got {type(adata).__name__}; "
                    "for a bare matrix use GRnnData.from_matrix(matrix, genes)"
                )
            if adata.isbacked:
                raise NotImplementedError("backed AnnData is not supported; load it into memory first")
            if adata.is_view:
                if networks is None and metadata is None:
                    # wrap the parent and re-apply the same indices: still a view, nothing copied
                    parent = GRnnData(adata._adata_ref)
                    AnnData.__init__(self, parent, oidx=adata._oidx, vidx=adata._vidx, asview=True)
                    self._check_genes_arg(genes)
                    return
                adata = adata.copy()
            AnnData.__init__(self, adata)
            uns = dict(adata.uns)
            if UNS_KEY in uns:  # our nested store is small: deep-copy so the wrapped object stays untouched
                uns[UNS_KEY] = _copy.deepcopy(uns[UNS_KEY])
            self.uns = uns
            check_genes(self.var_names)
            self._check_genes_arg(genes)
            self._check_stored_networks()
        if networks is None:
            if metadata is not None:
                raise ValueError("metadata was given without networks")
            return
        if isinstance(networks, Mapping):
            if (
                metadata
                and all(k in networks for k in metadata)
                and all(v is None or isinstance(v, Mapping) for v in metadata.values())
            ):
                per_key = dict(metadata)
            else:
                per_key = {k: metadata for k in networks}
            for key, matrix in networks.items():
                self.add_network(key, matrix, metadata=per_key.get(key))
        else:
            self.add_network(DEFAULT_KEY, networks, metadata=metadata)

    def _check_stored_networks(self) -> None:
        """Networks already in ``varp`` (a read file, a wrapped AnnData) get the checks of :meth:`add_network`."""
        for key in list(self.varp.keys()):
            stored = self.varp[key]
            checked = check_network(stored, self.var_names, key, where=" (in adata.varp)")
            if checked is not stored:  # stored zeros removed or COO converted: the wrapped object keeps its own
                self.varp[key] = checked

    def _check_genes_arg(self, genes: Any) -> None:
        if genes is not None and not check_genes(genes).equals(self.var_names):
            raise ValueError("genes differ from adata.var_names; omit genes= or pass adata[:, genes]")

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_matrix(
        cls,
        matrix: Matrix,
        genes: Sequence[str] | pd.Index,
        *,
        key: str = DEFAULT_KEY,
        metadata: Mapping[str, Any] | None = None,
    ) -> GRnnData:
        """Network-only object (0 cells) from a square matrix with rows = regulators, columns = targets."""
        return cls(networks={key: matrix}, genes=genes, metadata={key: metadata})

    @classmethod
    def from_target_rows(
        cls,
        matrix: Matrix,
        genes: Sequence[str] | pd.Index,
        *,
        key: str = DEFAULT_KEY,
        metadata: Mapping[str, Any] | None = None,
    ) -> GRnnData:
        """Like :meth:`from_matrix` for a matrix whose rows are *targets* (``matrix[j, i]`` scores i -> j).

        The matrix is transposed once here (CSR becomes CSC, dense becomes a transposed view; a 3-D stack
        swaps its first two axes), so the stored network has rows = regulators.
        """
        return cls.from_matrix(_transpose(matrix), genes, key=key, metadata=metadata)

    # ------------------------------------------------------------------ anndata integration
    def __getitem__(self, index: Any) -> GRnnData:
        """Sliced view (cells, genes) that is still a :class:`GRnnData`; networks follow the gene slice."""
        oidx, vidx = self._normalize_indices(index)
        view = type(self).__new__(type(self))
        AnnData.__init__(view, self, oidx=oidx, vidx=vidx, asview=True)
        return view

    def copy(self, filename: os.PathLike[str] | str | None = None) -> GRnnData:
        """Full copy (a :class:`GRnnData`)."""
        return type(self)(AnnData.copy(self, filename))

    def to_memory(self, *, copy: bool = False) -> GRnnData:
        return type(self)(AnnData.to_memory(self, copy=copy))

    def __repr__(self) -> str:
        text = AnnData.__repr__(self).replace("AnnData object", "GRnnData object", 1)
        parts = []
        for key in self.network_keys:
            m = self.varp[key]
            kind = f"sparse, nnz={m.nnz}" if sp.issparse(m) else ("stack" if m.ndim == 3 else "dense")
            parts.append(f"{key!r} ({kind}, shape={tuple(m.shape)})")
        return text + ("\n    networks: " + ", ".join(parts) if parts else "")

    # ------------------------------------------------------------------ networks
    @property
    def genes(self) -> pd.Index:
        """Gene names (``var_names``), the row and column labels of every network."""
        return self.var_names

    @property
    def network_keys(self) -> list[str]:
        """Names of the stored networks (every ``varp`` entry is a network)."""
        return list(self.varp.keys())

    def _missing_key(self, key: str) -> NetworkKeyError:
        keys = self.network_keys
        hint = f"available: {keys}" if keys else "this object has no network yet; use add_network(key, matrix)"
        return NetworkKeyError(f"no network {key!r}; {hint}")

    def network(self, key: str = DEFAULT_KEY) -> Matrix:
        """The network matrix ``key`` (rows = regulators, columns = targets); not copied."""
        if key not in self.varp:
            raise self._missing_key(key)
        return self.varp[key]

    def add_network(
        self,
        key: str,
        matrix: Matrix,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Store ``matrix`` (rows = regulators) as network ``key`` with provenance ``metadata``.

        ``metadata`` is any JSON-serialisable dict (numpy values are converted); ``method`` (default None),
        ``parameters`` (default {}), ``created`` (default now, UTC ISO) and ``orientation`` (the convention; a caller's note is kept) are filled in.
        An existing network with the same key is replaced.
        """
        key = check_key(key)
        matrix = check_network(matrix, self.var_names, key)
        md: dict[str, Any] = {"method": None, "parameters": {}, "created": _now()}
        md.update(dict(metadata or {}))
        md.setdefault("orientation", ORIENTATION)  # a caller's own note (e.g. how it transposed) is kept
        if getattr(matrix, "ndim", 2) == 3:
            md["n_heads"] = int(matrix.shape[2])
        text = metadata_to_json(md, key)
        if self.is_view:
            self._init_as_actual(self.copy())
        if key in self.varp:
            logger.debug("replacing network %r", key)
        self.varp[key] = matrix
        self._set_metadata_json(key, text)

    def remove_network(self, key: str) -> None:
        """Delete network ``key`` and its metadata."""
        if key not in self.varp:
            raise self._missing_key(key)
        if self.is_view:
            self._init_as_actual(self.copy())
        del self.varp[key]
        store = self._store()
        store["networks"].pop(key, None)
        self.uns[UNS_KEY] = store

    def _store(self) -> dict[str, Any]:
        """Copy of ``uns["grnndata"]`` (copied so that views and wrapped objects never share nested dicts)."""
        old = self.uns.get(UNS_KEY, {})
        nets = old.get("networks", {}) if isinstance(old, Mapping) else {}
        return {"format_version": FORMAT_VERSION, "networks": dict(nets)}

    def _set_metadata_json(self, key: str, text: str) -> None:
        store = self._store()
        store["networks"][key] = text
        self.uns[UNS_KEY] = store

    def network_metadata(self, key: str = DEFAULT_KEY) -> dict[str, Any]:
        """Provenance of network ``key`` (method, parameters, created, orientation, ...); a fresh dict."""
        if key not in self.varp:
            raise self._missing_key(key)
        text = self.uns.get(UNS_KEY, {}).get("networks", {}).get(key)
        if text is None:  # a plain AnnData varp entry added without grnndata
            return {"method": None, "parameters": {}, "created": None}
        try:
            return json.loads(str(text))
        except ValueError as err:
            raise ValueError(
                f"metadata of network {key!r} (uns['{UNS_KEY}']['networks'][{key!r}]) is not valid JSON ({err}); "
                "the file is damaged: re-create it, or reset it with update_network_metadata after deleting that entry"
            ) from err

    def update_network_metadata(self, key: str = DEFAULT_KEY, **fields: Any) -> None:
        """Add or replace metadata fields of network ``key``."""
        md = self.network_metadata(key)
        md.update(fields)
        text = metadata_to_json(md, key)
        if self.is_view:
            self._init_as_actual(self.copy())
        self._set_metadata_json(key, text)

    # ------------------------------------------------------------------ orientation helpers
    def as_target_rows(self, key: str = DEFAULT_KEY) -> Matrix:
        """Network ``key`` with rows = targets (``out[j, i]`` scores i -> j), for methods that expect that."""
        return _transpose(self.network(key))

    def targets_of(
        self, regulator: str, key: str = DEFAULT_KEY, *, top_k: int | None = None, absolute: bool = False
    ) -> pd.Series:
        """Scores of ``regulator -> target`` for its targets (nonzero scores), best first."""
        return _top_scores(self.network(key), self.genes, regulator, top_k, absolute, axis=0)

    def regulators_of(
        self, target: str, key: str = DEFAULT_KEY, *, top_k: int | None = None, absolute: bool = False
    ) -> pd.Series:
        """Scores of ``regulator -> target`` for the regulators of ``target`` (nonzero scores), best first."""
        return _top_scores(self.network(key), self.genes, target, top_k, absolute, axis=1)

    # ------------------------------------------------------------------ edges and IO
    def to_edges(
        self,
        key: str = DEFAULT_KEY,
        top_k: int | None = None,
        min_score: float | None = None,
        *,
        absolute: bool = False,
        head: int | None = None,
    ) -> pd.DataFrame:
        """Edge table ``source, target, weight`` of network ``key`` (rules in :mod:`grnndata.edges`).

        ``min_score`` keeps ``score >= min_score``; then ``top_k`` keeps the k best regulators per *target*.
        Zero scores are not edges. ``head`` selects one head of a (genes, genes, heads) stack.
        """
        matrix = self.network(key)
        if head is not None:
            if getattr(matrix, "ndim", 2) != 3:
                raise ValueError(f"head= is only valid for a per-head stack; network {key!r} is 2-D")
            matrix = np.asarray(matrix)[:, :, head]
        return _edges.matrix_to_edges(matrix, self.genes, top_k=top_k, min_score=min_score, absolute=absolute)

    def write_h5ad(self, filename: os.PathLike[str] | str, **kwargs: Any) -> Path:  # type: ignore[override]
        """Write an ordinary ``.h5ad`` (plain ``anndata.read_h5ad`` reads the networks back intact).

        Written to a temporary file in the same directory, then renamed (never half-written).
        ``kwargs`` go to :meth:`anndata.AnnData.write_h5ad` (e.g. ``compression="gzip"``).
        """
        if filename is None:
            raise ValueError("write_h5ad needs a file name")
        path = Path(filename)
        if not path.parent.is_dir():  # a typo in the folder should not silently create it
            raise FileNotFoundError(f"directory {path.parent} does not exist; create it first")
        with atomic_path(path) as tmp:
            AnnData.write_h5ad(self, tmp, **kwargs)
        return path

    write = write_h5ad


def _transpose(matrix: Matrix) -> Matrix:
    if sp.issparse(matrix):
        return matrix.T
    arr = np.asarray(matrix)
    return np.swapaxes(arr, 0, 1)


def _gene_position(genes: pd.Index, gene: str) -> int:
    """Position of ``gene`` among a network's ``genes``; :class:`NetworkKeyError` (a KeyError) when absent."""
    pos = int(genes.get_indexer([gene])[0])
    if pos < 0:
        raise NetworkKeyError(f"gene {gene!r} is not among the {len(genes)} genes of this network")
    return pos


def _vector(matrix: Matrix, pos: int, axis: int) -> np.ndarray:
    """Row ``pos`` (axis=0) or column ``pos`` (axis=1) of a 2-D network as a dense vector."""
    if getattr(matrix, "ndim", 2) != 2:
        raise ValueError("this helper needs a 2-D network; reduce the per-head stack first (e.g. .mean(axis=2))")
    if sp.issparse(matrix):
        sl = matrix[[pos], :] if axis == 0 else matrix[:, [pos]]
        return np.asarray(sl.toarray()).ravel()
    return np.asarray(matrix[pos, :] if axis == 0 else matrix[:, pos]).ravel()


def _top_scores(matrix: Matrix, genes: pd.Index, gene: str, top_k: int | None, absolute: bool, *,
                axis: int) -> pd.Series:
    """Nonzero scores of ``gene``'s row (axis=0: its targets) or column (axis=1: its regulators), best first.

    Ties keep gene order; ``top_k`` keeps the first ``top_k`` (``None``: all); ``absolute`` ranks by ``|score|``.
    """
    values = _vector(matrix, _gene_position(genes, gene), axis=axis)
    nz = np.flatnonzero(values)
    score = np.abs(values[nz]) if absolute else values[nz]
    order = nz[np.argsort(-score.astype(np.float64), kind="stable")]
    if top_k is not None:
        order = order[:top_k]
    return pd.Series(values[order], index=genes[order], name="score")


# Module-level spellings of the constructors (bound classmethods, so they return GRnnData).
from_matrix = GRnnData.from_matrix
from_target_rows = GRnnData.from_target_rows
