"""Real single-cell datasets matched to truths: ``chen-hesc`` (shipped), ``liu-hesc``, ``semrau-mesc``, ``thp1``,
``k562-controls``.

Every dataset carries its ``context`` (``uns["dataset"]["context"]``: organism, cell line, cell type, the same dict as
the truths' ``attrs["context"]``), so that a benchmark can tell when cells and truth do not match.

McCalla datasets (Chen, Liu, Semrau)
    Files ``expression/mccalla/<name>_rna_filtered_log2.tsv.gz`` (genes x cells TSV, header = cell barcodes) from the
    benGRN repository history (McCalla et al. 2023 preprocessing). Counts are recovered as the scPRINT paper
    describes: undo ``log2(x + 1)`` and divide each cell by its smallest non-zero value, then round.

    Finding (measured, see tests): undoing the log ONCE leaves only 87% (Chen), 19% (Liu), 70% (Semrau) of the
    non-zero values integral, whereas undoing ``log2(x + 1)`` TWICE makes 100% of them integral with a per-cell
    minimum of exactly 1 in every cell: the files are effectively ``log2(log2(count + 1) + 1)``. :func:`recover_counts`
    therefore undoes up to ``max_layers=2`` log layers and keeps the number of layers that maximises the integral
    fraction; ``uns["dataset"]`` records ``log_layers_undone``, the integral fraction for each layer count and the
    final ``fraction_integral`` (share of non-zero values within 1e-3 of an integer before rounding).

THP1 (BEELINE)
    ``expression/beeline/THP1/ExpressionData.csv`` (genes x cells, 45 TFs x 960 cells) from Murali-group/Beeline,
    THP-1 monocyte differentiation time course of Kouno et al. 2013 (single-cell qRT-PCR). The values are continuous
    log-scale expression levels (min 3.49, no zeros, 0.02% integral), NOT counts: they are stored as given (dense
    float32) with ``uns["dataset"]["value_type"] = "normalised"``; pseudotime goes to ``obs``.

K562 control cells (Replogle et al. 2022)
    The non-targeting control cells of the K562 single-cell h5ad (figshare file 35773219), matched to ``gwps``,
    ``k562-chipseq`` and ``k562-perturb-essential``: raw UMI counts, downloaded once (streamed, progress to a
    callback, checksum recorded at the first download), subset to the controls once and cached
    (:mod:`ground_truths.replogle`). Symbols come from ``var["gene_name"]``.

All ``var_names`` go through :func:`ground_truths.ids.normalize_symbols` (original ids kept in
``var["original_id"]``); genes whose id is not a gene symbol are dropped and duplicate symbols are summed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .ids import normalize_symbols
from . import replogle
from ._store import Resource, resolve
from ._store.download import Progress
from .protocols import CELLS, make_context
from .registry import truth_key

if TYPE_CHECKING:  # anndata is imported lazily: loading truths should not pay for it
    import anndata as ad

logger = logging.getLogger(__name__)

INTEGRAL_TOL = 1e-3
BENGRN_RAW = "https://raw.githubusercontent.com/jkobject/benGRN/b8436c5ffda898fb3c4a63049b94ed12387d1cee/data/GroundTruth/stone_and_sroy/scRNA"
BEELINE_RAW = "https://raw.githubusercontent.com/Murali-group/Beeline/4869e58fcee010722346a20e97ed7c75c20166a0/inputs/datasets/human/THP1"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    organism: str
    kind: str  # "mccalla-log2", "beeline" or "replogle-controls"
    resource: Resource
    extra: tuple[Resource, ...] = ()
    citation: str = ""
    truth: str | None = None
    cells: str = "ESC"  # key of ground_truths.protocols.CELLS: where the cells come from


def _mccalla(name: str, file: str, md5: str, organism: str, desc: str, citation: str, truth: str | None,
             shipped: bool = False) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        description=desc,
        organism=organism,
        kind="mccalla-log2",
        resource=Resource(
            key=name,
            url=f"{BENGRN_RAW}/{file}",
            checksum=f"md5:{md5}",
            local_path=f"expression/mccalla/{file}",
            package_file=file if shipped else None,
        ),
        citation=citation,
        truth=truth,
    )


DATASETS: dict[str, DatasetSpec] = {
    "chen-hesc": _mccalla(
        "chen-hesc", "chen_rna_filtered_log2.tsv.gz", "57f6884ee4c3da62db16395882df06c5", "human",
        "Chen hESC scRNA-seq as preprocessed by McCalla et al. 2023 (8,595 genes x 385 cells)",
        "McCalla SG et al. (2023) G3 13(3):jkad004", "mccalla-hesc", shipped=True,
    ),
    "liu-hesc": _mccalla(
        "liu-hesc", "liu_rna_filtered_log2.tsv.gz", "da9943fbc2ed7ec6528c872ea5ce11dc", "human",
        "Liu hESC scRNA-seq as preprocessed by McCalla et al. 2023 (23,153 genes x 72 cells)",
        "McCalla SG et al. (2023) G3 13(3):jkad004", "mccalla-hesc",
    ),
    "semrau-mesc": _mccalla(
        "semrau-mesc", "semrau_rna_filtered_log2.tsv.gz", "56a64425dc6cbccae4b2ec40c3b7661b", "mouse",
        "Semrau mESC scRNA-seq as preprocessed by McCalla et al. 2023 (10,243 genes x 384 cells)",
        "McCalla SG et al. (2023) G3 13(3):jkad004", "mccalla-mesc",
    ),
    "thp1": DatasetSpec(
        name="thp1",
        description="BEELINE THP-1 differentiation time course (45 TFs x 960 cells, single-cell qRT-PCR, Kouno 2013)",
        organism="human",
        kind="beeline",
        resource=Resource(
            key="thp1",
            url=f"{BEELINE_RAW}/ExpressionData.csv",
            checksum="md5:a78d16da11926cd062b063de3216713d",
            local_path="expression/beeline/THP1/ExpressionData.csv",
            package_file="THP1_ExpressionData.csv",
        ),
        extra=(
            Resource(
                key="thp1-pseudotime",
                url=f"{BEELINE_RAW}/PseudoTime.csv",
                checksum="md5:9c098aa9b32c09e8fbf93b9712e0bd88",
                local_path="expression/beeline/THP1/PseudoTime.csv",
                package_file="THP1_PseudoTime.csv",
            ),
        ),
        citation="Pratapa A et al. (2020) Nat Methods 17:147; Kouno T et al. (2013) Genome Biol 14:R118",
        truth="beeline-thp1",
        cells="THP-1",
    ),
    "k562-controls": DatasetSpec(
        name="k562-controls",
        description="Replogle 2022 K562 single cells (figshare 35773219): the non-targeting control cells, raw UMI counts",
        organism="human",
        kind="replogle-controls",
        resource=replogle.RESOURCE,
        citation="Replogle JM et al. (2022) Cell 185:2559",
        truth="gwps",
        cells="K562",
    ),
}

# truth -> the dataset measured in the same cell type (Liu is also hESC but Chen is the McCalla/scPRINT default)
MATCHED = {"mccalla-hesc": "chen-hesc", "mccalla-mesc": "semrau-mesc", "beeline-thp1": "thp1",
           "gwps": "k562-controls", "k562-chipseq": "k562-controls", "k562-perturb-essential": "k562-controls"}


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return sorted(DATASETS)


def matched_dataset(truth_name: str) -> str | None:
    """Dataset measured in the same cell type as the truth (``mccalla-hesc`` -> ``chen-hesc``), else None."""
    return MATCHED.get(truth_key(truth_name))


def integral_fraction(values: np.ndarray, tol: float = INTEGRAL_TOL) -> float:
    """Share of non-zero values within ``tol`` of an integer."""
    nz = values[values > 0]
    if nz.size == 0:
        return float("nan")
    return float(np.mean(np.abs(nz - np.round(nz)) < tol))


def _per_cell_scaled(x: np.ndarray) -> np.ndarray:
    masked = np.where(x > 0, x, np.inf)
    smallest = masked.min(axis=1, keepdims=True)
    smallest[~np.isfinite(smallest)] = 1.0  # empty cell: nothing to scale
    return x / smallest


def recover_counts(log_values: np.ndarray, *, max_layers: int = 2) -> tuple[np.ndarray, dict]:
    """Recover integer counts from cells x genes ``log2(x + 1)`` values.

    Undo ``log2(x + 1)`` 1..``max_layers`` times, divide each cell by its smallest non-zero value, and keep the
    layer count with the largest integral fraction (ties -> fewer layers). Returns rounded float32 counts and a
    report ``{"log_layers_undone", "fraction_integral", "fraction_integral_by_layers"}``.
    """
    if max_layers < 1:
        raise ValueError("max_layers must be >= 1")
    values = np.asarray(log_values, dtype=np.float64)
    if np.any(values < 0):
        raise ValueError("log2(x+1) values must be non-negative; got negative entries (already centred/scaled?)")
    layer = values
    best = (-1.0, 0, None)
    fractions = {}
    for n in range(1, max_layers + 1):
        layer = np.exp2(layer) - 1.0
        layer[layer < 1e-12] = 0.0  # exp2(0) - 1 is exactly 0, guard rounding of tiny values
        scaled = _per_cell_scaled(layer)
        frac = integral_fraction(scaled)
        fractions[n] = frac
        if frac > best[0] + 1e-9:
            best = (frac, n, scaled)
        if frac >= 0.999:
            break
    frac, n, scaled = best
    counts = np.round(scaled).astype(np.float32)
    return counts, {"log_layers_undone": n, "fraction_integral": frac,
                    "fraction_integral_by_layers": {str(k): v for k, v in fractions.items()}}


def _symbols(ids: pd.Index, organism: str) -> tuple[pd.Series, int]:
    canon = normalize_symbols(ids.astype(str), organism)
    return canon, int(canon.isna().sum())


def _collapse(x: np.ndarray | sp.csr_matrix, canon: pd.Series) -> tuple[np.ndarray, pd.Index, pd.Series, int]:
    """Drop unmapped genes and sum duplicate symbols (columns of cells x genes ``x``, dense or CSR)."""
    keep = canon.notna().to_numpy()
    x = x[:, keep]
    names = canon[keep].to_numpy()
    codes, uniques = pd.factorize(names)
    n_dup = int(len(names) - len(uniques))
    if n_dup:
        summer = sp.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(uniques)))
        x = x @ summer if sp.issparse(x) else np.asarray(x @ summer)
    first = pd.Series(np.arange(len(names))).groupby(codes).first().to_numpy()
    return x, pd.Index(uniques, dtype=object), first, n_dup


def _provenance(spec: DatasetSpec, path: Path, checksum: str, n_unmapped: int, n_dup: int, **extra) -> dict:
    """``uns["dataset"]``: where the values came from and what was done to them."""
    return {
        "name": spec.name,
        "description": spec.description,
        "organism": spec.organism,
        "context": make_context(spec.organism, **CELLS[spec.cells]),
        "source": spec.resource.url,
        "file": str(path),
        "checksum": checksum,
        **extra,
        "n_genes_unmapped": n_unmapped,
        "n_duplicate_symbols_summed": n_dup,
        "matched_truth": spec.truth,
        "citation": spec.citation,
    }


def _load_mccalla(spec: DatasetSpec, path: Path, checksum: str) -> ad.AnnData:
    import anndata as ad
    frame = pd.read_csv(path, sep="\t", index_col=0)
    if frame.shape[1] == 0:
        raise ValueError(f"{path}: expected a genes x cells TSV, got no cell columns")
    counts, report = recover_counts(frame.to_numpy().T)
    logger.info("%s: %d log layer(s) undone, %.4f of non-zero values integral before rounding",
                spec.name, report["log_layers_undone"], report["fraction_integral"])
    canon, n_unmapped = _symbols(frame.index, spec.organism)
    x, genes, first, n_dup = _collapse(counts, canon)
    original = frame.index.to_numpy()[canon.notna().to_numpy()][first]
    adata = ad.AnnData(
        X=sp.csr_matrix(x.astype(np.float32)),
        obs=pd.DataFrame(index=pd.Index(frame.columns.astype(str), name="cell")),
        var=pd.DataFrame({"original_id": original}, index=pd.Index(genes, name="gene")),
    )
    adata.uns["dataset"] = _provenance(
        spec, path, checksum, n_unmapped, n_dup,
        value_type="counts (recovered from log2(x+1))",
        recovery="undo log2(x+1) (layers chosen by integrality), divide each cell by its smallest non-zero value, round",
        **report,
    )
    return adata


def _load_beeline(spec: DatasetSpec, path: Path, checksum: str) -> ad.AnnData:
    import anndata as ad
    frame = pd.read_csv(path, index_col=0)
    values = frame.to_numpy(dtype=np.float64).T
    canon, n_unmapped = _symbols(frame.index, spec.organism)
    x, genes, first, n_dup = _collapse(values, canon)
    obs = pd.DataFrame(index=pd.Index(frame.columns.astype(str), name="cell"))
    for res in spec.extra:
        try:
            ptime_path, _ = resolve(res)
        except FileNotFoundError:
            continue
        ptime = pd.read_csv(ptime_path, index_col=0)
        ptime.index = ptime.index.astype(str)
        obs = obs.join(ptime, how="left")
    frac = integral_fraction(values)
    adata = ad.AnnData(
        X=x.astype(np.float32),
        obs=obs,
        var=pd.DataFrame({"original_id": frame.index.to_numpy()[canon.notna().to_numpy()][first]},
                         index=pd.Index(genes, name="gene")),
    )
    adata.uns["dataset"] = _provenance(
        spec, path, checksum, n_unmapped, n_dup,
        value_type="normalised",
        value_note=(f"continuous log-scale qRT-PCR expression, min {values.min():.3f}, "
                    f"{float(np.mean(values == 0)):.3f} zeros, {frac:.4f} integral: NOT counts; stored as given"),
        fraction_integral=frac,
    )
    return adata


def _load_replogle(spec: DatasetSpec, path: Path, checksum: str, progress: Progress | None) -> ad.AnnData:
    import anndata as ad
    controls = replogle.control_cells(path, checksum, progress=progress)
    ids = controls.var["gene_name"] if "gene_name" in controls.var else controls.var_names
    canon, n_unmapped = _symbols(pd.Index(ids), spec.organism)
    x, genes, first, n_dup = _collapse(sp.csr_matrix(controls.X), canon)
    original = controls.var_names.to_numpy()[canon.notna().to_numpy()][first]
    adata = ad.AnnData(X=sp.csr_matrix(x, dtype=np.float32), obs=controls.obs.copy(),
                       var=pd.DataFrame({"original_id": original}, index=pd.Index(genes, name="gene")))
    adata.uns["dataset"] = _provenance(
        spec, path, checksum, n_unmapped, n_dup,
        value_type="counts", subset=f"obs[{replogle.CONTROL_COLUMN!r}] == {replogle.CONTROL_VALUE!r}",
        subset_file=str(replogle.subset_path(checksum)), fraction_integral=integral_fraction(adata.X.data),
    )
    return adata


def load_dataset(name: str, *, progress: Progress | None = None) -> ad.AnnData:
    """Load a dataset as cells x genes AnnData.

    ``.X``: float32 counts (CSR) for the McCalla datasets (recovered integers) and the K562 controls (raw UMI counts),
    dense float32 normalised values for THP1 (see ``uns["dataset"]["value_type"]``). ``var_names``: normalised gene
    symbols. ``uns["dataset"]``: provenance (source URL, file, checksum, organism, ``context``, recovery report).
    ``progress`` receives download (and, for ``k562-controls``, subset) events.
    """
    key = str(name).strip().lower()
    if key not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(available_datasets())}")
    spec = DATASETS[key]
    path, checksum = resolve(spec.resource, progress=progress)
    if spec.kind == "replogle-controls":
        return _load_replogle(spec, path, checksum, progress)
    loader = _load_mccalla if spec.kind == "mccalla-log2" else _load_beeline
    return loader(spec, path, checksum)
