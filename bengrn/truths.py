"""Reference networks for a benchmark: load each truth once, align it to each group's genes, say why nothing overlaps.

``ground_truths`` may import nothing of bengrn, so its user-facing failures (a missing mirror file, a failed download,
a checksum mismatch, an unreadable user file) arrive as built-in exceptions; :func:`ground_truths_errors` is the one
place that turns them into :class:`~bengrn.errors.BenchmarkError`.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

import ground_truths
from bengrn.alignment import align
from bengrn.errors import BenchmarkError
from bengrn.prepare import PreparedData
from grnndata._files import matrix_sha256
from ground_truths.ids import symbol_key

logger = logging.getLogger(__name__)

__all__ = ["TruthData", "AlignedTruth", "ground_truths_errors", "load_truth", "align_truth", "align_groups",
           "aligned_sha256", "context_mismatch", "tf_regulators"]


@dataclass(frozen=True)
class TruthData:
    """A loaded truth: its edge table (``source``, ``target``, ...) and the provenance recorded with every result."""

    name: str
    edges: Any
    info: dict


@dataclass(frozen=True)
class AlignedTruth:
    """A truth aligned to one group's genes: the boolean matrix, the alignment stats and the matrix's checksum."""

    truth: TruthData
    matrix: sp.csr_matrix
    stats: dict
    sha256: str

    def provenance(self) -> dict:
        """What a result records about its truth."""
        return {**self.truth.info, "aligned_sha256": self.sha256, "n_edges_aligned": int(self.matrix.nnz)}

    def alignment(self) -> dict:
        """The alignment stats as recorded: counts and names, not the per-gene masks."""
        return {k: v for k, v in self.stats.items() if not isinstance(v, np.ndarray)}


@contextlib.contextmanager
def ground_truths_errors(what: str) -> Iterator[None]:
    """Turn the documented failures of a ``ground_truths`` call (I/O, download, checksum, parsing) into user errors."""
    try:
        yield
    except (OSError, ValueError, KeyError) as exc:  # missing/failed download, checksum mismatch, bad user file
        if isinstance(exc, BenchmarkError):
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise BenchmarkError(f"{what}: {message}") from exc


def load_truth(name: str, progress: Callable[[str, dict], None] | None = None) -> TruthData:
    """``ground_truths.load(name)`` with the provenance fields every result records; ``progress`` gets its download
    events."""
    with ground_truths_errors(f"could not load truth {name!r}"):
        df = ground_truths.load(name, progress=progress)
    attrs = dict(df.attrs)
    context = dict(attrs.get("context") or {})
    info = {
        "name": name,
        "checksum": attrs.get("checksum"),
        "version": attrs.get("version"),
        "source": attrs.get("source"),
        "directed": attrs.get("directed"),
        "organism": attrs.get("organism"),
        "context": {"organism": context.get("organism") or attrs.get("organism"),
                    "cell_line": context.get("cell_line"), "cell_type": context.get("cell_type")},
        "protocol": (attrs.get("protocol") or {}).get("name"),
        "n_edges_total": int(len(df)),
    }
    return TruthData(name=name, edges=df, info=info)


def align_truth(truth: TruthData, genes: Sequence[str]) -> tuple[sp.csr_matrix | None, dict | None]:
    """Boolean truth matrix over ``genes`` and the alignment stats; ``(None, None)`` when no truth edge is left."""
    try:
        matrix, stats = align(truth.edges, list(genes))
    except ValueError:  # bengrn.align refuses a truth sharing no edge with the genes
        return None, None
    matrix = sp.csr_matrix(matrix, dtype=bool)
    matrix.eliminate_zeros()
    return (matrix, dict(stats)) if matrix.nnz else (None, None)


def aligned_sha256(matrix: sp.csr_matrix, genes: Sequence[str]) -> str:
    """sha256 of the aligned edges (canonical CSR of the boolean matrix) and the genes they index."""
    return matrix_sha256(matrix, genes, dtype=bool)


def _overlap_error(truth: TruthData, dataset: str, genes: Sequence[str], organism: str, selected: bool):
    t_genes = list(dict.fromkeys(list(truth.edges["source"][:50]) + list(truth.edges["target"][:50])))[:4]
    t_org = truth.info.get("organism") or "unknown organism"
    where = f"the {len(genes)} selected genes of dataset {dataset!r}" if selected else \
        f"dataset {dataset!r} ({len(genes)} genes)"
    hint = "select more genes (--n-genes, 0 = all)" if selected else \
        "use a dataset of the truth's organism (--data) or another truth"
    return BenchmarkError(
        f"no edge of truth {truth.name!r} ({t_org}, genes like {', '.join(map(str, t_genes))}) links two genes of "
        f"{where} ({organism}, genes like {', '.join(map(str, list(genes)[:4]))}); {hint}"
    )


def align_groups(truth: TruthData, groups: Sequence[PreparedData], full_genes: Sequence[str]) -> list[AlignedTruth]:
    """Align ``truth`` to every group's selected genes, or raise an error saying what to change.

    When a group keeps no truth edge, the truth is aligned to all genes of the dataset (``full_genes``) to tell "wrong
    organism or id type" (no edge at all) from "too few genes selected".
    """
    out = []
    for prep in groups:
        matrix, stats = align_truth(truth, prep.genes)
        if matrix is None:
            in_full = align_truth(truth, full_genes)[0] is not None
            raise _overlap_error(truth, prep.dataset, prep.genes if in_full else full_genes, prep.organism,
                                 selected=in_full)
        out.append(AlignedTruth(truth, matrix, stats, aligned_sha256(matrix, prep.genes)))
    return out


def context_mismatch(truth_context: dict, data_context: dict) -> list[str]:
    """The context fields (organism, cell line, cell type) known on both sides that differ, described.

    Comparison is case-insensitive; a field unknown on either side (None) cannot mismatch.
    """
    out = []
    for key in ("organism", "cell_line", "cell_type"):
        a, b = truth_context.get(key), data_context.get(key)
        if a is not None and b is not None and str(a).strip().lower() != str(b).strip().lower():
            out.append(f"{key.replace('_', ' ')}: truth {a}, cells {b}")
    return out


def tf_regulators(genes: Sequence[str], organism: str) -> tuple[np.ndarray, int]:
    """Boolean mask over ``genes`` of the TFs of ``ground_truths.tf_list(organism)`` and the list's length.

    The mask is the one form ``--tf-only`` takes from here to the metric; names match by the symbol rule.
    """
    tfs = ground_truths.tf_list(organism)
    return np.asarray(symbol_key(genes).isin(symbol_key(tfs))), len(tfs)
