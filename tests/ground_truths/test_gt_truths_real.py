"""Real truths from ../shared/data: edge counts after normalisation, clean ids, overlaps between truths.

Raw row counts come from the PROVENANCE files of the shared data; each lower bound is justified next to it.
"""
from __future__ import annotations

import itertools
import logging
import re

import pandas as pd
import pytest

import ground_truths as gt
from ground_truths.ids import UNIPROT_RE, reference_spellings

logger = logging.getLogger(__name__)

# name -> (raw rows upstream, minimum kept fraction, why)
EXPECTED = {
    "mccalla-hesc": (12986, 0.99, "symbols only; 19 self-loops and 5 retired UniProt-shaped ids go"),
    "mccalla-mesc": (11634, 0.99, "symbols only; 15 self-loops go"),
    "dorothea": (5434 + 974 + 6815, 0.99, "levels A+B+C rows of dorothea_hs; symbols only"),
    "k562-chipseq": (892990, 0.99, "symbols only; 92 self-loops go"),
    "k562-perturb-essential": (26710, 0.99, "in_top_set rows; symbols only"),
    "beeline-thp1": (335, 1.0, "45 clean TF symbols, no loops"),
    "beeline-chip-mdc": (30658, 0.99, "upper-case mouse symbols, re-cased"),
    "beeline-lofgof-mesc": (104796, 0.98, "594 case-duplicates and 17 ENSMUSG ids go"),
    # OmniPath: 156,615 rows have both ends symbol-like, 5,023 duplicate pairs (PROVENANCE); complexes add members
    "omnipath": (156615 - 5023, 0.9, "symbol rows minus duplicates; UniProt/miRNA/complex-UniProt rows go"),
    # transcriptional rows 128,218; about 1/3 carry UniProt or UniProt-member complexes (PROVENANCE id mix)
    "omnipath-tf": (128218, 0.5, "transcriptional rows; UniProt-only nodes go"),
    # approximation file: 64,186 rows, 22,758 with COMPLEX: sources (mostly UniProt members -> dropped)
    "collectri": (64186 - 22758, 0.5, "non-complex rows; complex members kept only when they are symbols"),
}
SLOW = {
    "beeline-chip-hepg2": (342862, 0.99, "symbols only"),
    "beeline-chip-mouse": (100139, 0.99, "symbols only"),
    # STRING files list 99,136 exact duplicate rows: unique pairs = raw - duplicates
    "beeline-string-human": (198285 - 99136, 0.99, "unique rows; a few UniProt-shaped retired symbols go"),
    "beeline-string-mouse": (157134 - 78567, 0.99, "unique rows"),
}

BAD = re.compile(r"^(COMPLEX:|MIMAT\d|hsa-|mmu-)")


def _check_truth(name: str, raw_rows: int, min_fraction: float) -> pd.DataFrame:
    edges = gt.load(name)
    n = len(edges)
    stats = edges.attrs["normalisation"]
    logger.info("%s: %d edges, %d genes (raw %d, dropped %s)", name, n, stats["n_genes"], stats["n_raw"],
                {k: v for k, v in stats.items() if k.startswith("dropped_")})
    assert min_fraction * raw_rows <= n <= stats["n_raw"], (name, n, raw_rows)
    for key in ("name", "source", "version", "checksum", "directed", "organism"):
        assert key in edges.attrs, key
    assert edges.attrs["name"] == name
    symbols = pd.unique(edges[["source", "target"]].to_numpy().ravel())
    assert not edges[["source", "target"]].isna().any().any()
    assert not any(BAD.match(s) for s in symbols)
    known = reference_spellings(edges.attrs["organism"])
    uniprot_like = [s for s in symbols if UNIPROT_RE.match(s) and s.upper() not in known]
    assert uniprot_like == [], uniprot_like[:5]
    assert not (edges["source"] == edges["target"]).any()
    assert not edges.duplicated(["source", "target"]).any()
    assert stats["n_edges"] == n and stats["n_genes"] == len(symbols)
    return edges


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_truth_counts_and_clean_ids(real_env, name):
    raw_rows, fraction, _why = EXPECTED[name]
    _check_truth(name, raw_rows, fraction)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW))
def test_real_truth_counts_large_beeline(real_env, name):
    raw_rows, fraction, _why = SLOW[name]
    edges = _check_truth(name, raw_rows, fraction)
    if name.endswith("mouse"):
        assert "Pou5f1" in set(edges["source"]) | set(edges["target"])


def test_mccalla_hesc_against_raw_file(real_env):
    """Independent check: every kept edge is a raw edge (case-insensitively), and what is missing is accounted for."""
    raw = pd.read_csv(real_env / "truths/mccalla/hESC_ground_truth.tsv", sep="\t", header=None, dtype=str)
    raw_pairs = set(zip(raw[0].str.upper(), raw[1].str.upper()))
    edges = gt.load("mccalla-hesc")
    kept = set(zip(edges.source.str.upper(), edges.target.str.upper()))
    assert kept <= raw_pairs
    stats = edges.attrs["normalisation"]
    assert len(raw_pairs) - len(kept) == stats["n_self_loops"] + stats["dropped_ids_total"]


def test_dorothea_levels_match_provenance(real_env):
    edges = gt.load("dorothea")
    counts = edges["evidence"].value_counts().to_dict()
    assert counts == {"dorothea:A": 5434, "dorothea:B": 974, "dorothea:C": 6815}  # PROVENANCE.txt of dorothea
    ab = gt.load("dorothea", levels="AB")
    assert len(ab) == 5434 + 974
    mouse = gt.load("dorothea", organism="mouse")
    assert mouse.attrs["organism"] == "mouse" and "Pou5f1" in set(mouse.source) | set(mouse.target)


def test_collectri_offline_is_labelled_approximation(real_env):
    edges = gt.load("collectri")
    assert edges.attrs["approximation"] is True
    assert "APPROXIMATION" in edges.attrs["description"]
    assert set(edges["sign"].unique()) <= {-1, 0, 1}


def test_omnipath_tf_is_transcriptional_subset(real_env):
    tf = gt.load("omnipath-tf")
    everything = gt.load("omnipath")
    assert set(zip(tf.source, tf.target)) <= set(zip(everything.source, everything.target))
    assert set(tf["evidence"]) == {"transcriptional"}
    dropped = gt.load("omnipath-tf", complexes="drop")
    assert len(dropped) < len(tf)  # splitting complexes adds member edges


def _jaccard_on_common_genes(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    genes = list((set(a.source) | set(a.target)) & (set(b.source) | set(b.target)))
    ea = a.loc[a.source.isin(genes) & a.target.isin(genes), ["source", "target"]].drop_duplicates()
    eb = b.loc[b.source.isin(genes) & b.target.isin(genes), ["source", "target"]].drop_duplicates()
    inter = len(ea.merge(eb, on=["source", "target"]))
    return inter / (len(ea) + len(eb) - inter), len(genes)


def test_overlaps_between_truths_are_small(real_env, caplog):
    truths = {name: gt.load(name) for name in ("omnipath", "mccalla-hesc", "k562-chipseq")}
    results = {}
    with caplog.at_level(logging.INFO):
        for x, y in itertools.combinations(truths, 2):
            jac, n_genes = _jaccard_on_common_genes(truths[x], truths[y])
            results[(x, y)] = jac
            logger.info("Jaccard(%s, %s) on %d common genes = %.4f", x, y, n_genes, jac)
    for pair, jac in results.items():
        assert 0 < jac < 0.10, (pair, jac)  # distinct evidence types agree little, but not never
