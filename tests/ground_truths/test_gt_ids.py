"""The identifier rule (ground_truths.ids) on hand-written examples."""
from __future__ import annotations

import pandas as pd
import pytest

from ground_truths import ids, normalize_symbols


def test_human_case_ensembl_and_dropped_kinds():
    values = [" tp53 ", "C1ORF112", "ENSG00000204531.5", "P04637", "Q9NRW7-2", "COMPLEX:FOS_JUN", "MIMAT0000062",
              "hsa-miR-21-5p", "MIR21", None, "", "2", "NOTAGENE1"]
    canon, cats = normalize_symbols(values, "human", return_categories=True)
    # ENSG00000204531 is POU5F1 in GENCODE v44 (checked against annotation/GENCODEv44_Gene_id2name.csv)
    assert canon.tolist()[:3] == ["TP53", "C1orf112", "POU5F1"]
    assert cats.tolist() == ["symbol", "symbol", "ensembl", "uniprot", "uniprot", "complex", "mirna", "mirna",
                             "symbol", "empty", "empty", "numeric", "other"]
    assert canon[3:8].isna().all() and canon[9:12].isna().all()
    assert canon[8] == "MIR21"  # miRNA *genes* are genes
    assert canon[12] == "NOTAGENE1"  # unknown but plausible: kept, upper-cased


def test_orf_symbols_are_never_taken_for_uniprot():
    canon = normalize_symbols(["C9orf3", "C9ORF3", "CXORF21"], "human")
    assert canon.tolist() == ["C9orf3", "C9orf3", "CXorf21"]


def test_mouse_rule_case_insensitive_matching():
    canon, cats = normalize_symbols(["POU5F1", "pou5f1", "Sox2", "ZFP999", "4933XXXRIK", "V1RB10", "ENSMUSG00000024406"],
                                    "mouse", return_categories=True)
    assert canon[:6].tolist() == ["Pou5f1", "Pou5f1", "Sox2", "Zfp999", "4933xxxRik", "V1rb10"]
    assert cats[6] == "ensembl_unmapped" and pd.isna(canon[6])


def test_human_and_mouse_keys_agree_with_upper_case():
    # matching is case-insensitive: every spelling of a symbol maps to the same canonical string
    for org, spellings in (("human", ["Gata1", "GATA1", "gata1"]), ("mouse", ["Gata1", "GATA1", "gata1"])):
        assert normalize_symbols(spellings, org).nunique() == 1


def test_split_complexes_split_and_drop():
    frame = pd.DataFrame({"source": ["COMPLEX:FOS_JUN", "TP53", "COMPLEX:P01100_P05412_ATF2"],
                          "target": ["MYC", "CDKN1A", "IL2"]})
    split, n = ids.split_complexes(frame, "source")
    assert n == 2
    assert sorted(zip(split.source, split.target)) == sorted([
        ("FOS", "MYC"), ("JUN", "MYC"), ("TP53", "CDKN1A"), ("P01100", "IL2"), ("P05412", "IL2"), ("ATF2", "IL2")])
    dropped, n = ids.split_complexes(frame, "source", mode="drop")
    assert n == 2 and dropped.source.tolist() == ["TP53"]
    with pytest.raises(ValueError, match="split"):
        ids.split_complexes(frame, "source", mode="bogus")


def test_bad_organism_is_a_clear_error():
    with pytest.raises(ValueError, match="organism"):
        normalize_symbols(["TP53"], "yeast")
