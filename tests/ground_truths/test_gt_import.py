"""Issue 12 for user files: header sniffing, separators, organism detection, case-insensitive names, empty truths."""
from __future__ import annotations

import logging

import pandas as pd
import pytest

import ground_truths as gt


def _pairs(edges: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(edges["source"], edges["target"]))


def _cached_names(cache) -> list[str]:
    folder = cache / "truths"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_headerless_file_keeps_its_first_edge(tmp_path, gt_cache):
    path = tmp_path / "mccalla_layout.txt"
    path.write_text("SOX2\tNANOG\nPOU5F1\tNANOG\nKLF4\tMYC\n")
    edges = gt.from_file(path)
    assert _pairs(edges) == {("SOX2", "NANOG"), ("POU5F1", "NANOG"), ("KLF4", "MYC")}
    assert edges.attrs["header"] is False
    forced = gt.from_file(path, header=True)  # explicit: the first row is a header, its edge is gone
    assert _pairs(forced) == {("POU5F1", "NANOG"), ("KLF4", "MYC")} and forced.attrs["header"] is True
    assert _pairs(gt.from_file(path, header=False)) == _pairs(edges)


@pytest.mark.parametrize("first_row", ["TF\ttarget", "source\ttarget", "Gene1\tGene2", "regulator\tgene"])
def test_a_header_row_is_recognised(tmp_path, gt_cache, first_row):
    path = tmp_path / "with_header.tsv"
    path.write_text(f"{first_row}\nSOX2\tNANOG\nKLF4\tMYC\n")
    assert _pairs(gt.from_file(path)) == {("SOX2", "NANOG"), ("KLF4", "MYC")}


def test_real_headerless_mccalla_file_matches_the_builtin_reader(shared_data, gt_cache):
    path = shared_data / "truths/mccalla/hESC/hESC_chipunion_KDUnion_intersect.txt"
    with open(path) as handle:
        first = handle.readline().split("\t")[:2]
    imported = gt.from_file(path)
    builtin = gt.load("mccalla-hesc")
    assert imported.attrs["header"] is False and imported.attrs["organism"] == "human"
    assert _pairs(imported) == _pairs(builtin)  # the first edge is not lost
    assert (first[0].strip().upper(), first[1].strip().upper()) in _pairs(imported) or first[0] == first[1]


def test_separator_is_explicit_or_named_in_the_error(tmp_path, gt_cache):
    path = tmp_path / "semicolon.txt"
    path.write_text("SOX2;NANOG\nKLF4;MYC\n")
    with pytest.raises(ValueError, match=r"1 column\(s\).*wrong separator\? pass sep="):
        gt.from_file(path)
    assert _pairs(gt.from_file(path, sep=";")) == {("SOX2", "NANOG"), ("KLF4", "MYC")}


def test_organism_is_detected_from_symbol_case_and_logged(tmp_path, gt_cache, caplog):
    mouse = tmp_path / "mouse.tsv"
    mouse.write_text("Sox2\tNanog\nPou5f1\tNanog\nKlf4\tMyc\n")
    with caplog.at_level(logging.INFO, logger="ground_truths.userfile"):
        edges = gt.from_file(mouse)
    assert edges.attrs["organism"] == "mouse" and "organism mouse detected" in caplog.text
    assert _pairs(edges) == {("Sox2", "Nanog"), ("Pou5f1", "Nanog"), ("Klf4", "Myc")}  # not upper-cased
    human = tmp_path / "human.tsv"
    human.write_text("SOX2\tNANOG\nC1orf112\tMYC\n")
    assert gt.from_file(human).attrs["organism"] == "human"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ground_truths.userfile"):
        forced = gt.from_file(mouse, organism="human")
    assert "look like mouse symbols" in caplog.text and "organism='mouse'" in caplog.text
    assert ("SOX2", "NANOG") in _pairs(forced)
    lower = tmp_path / "lower.tsv"
    lower.write_text("sox2\tnanog\n")
    with pytest.raises(ValueError, match="cannot tell the organism.*pass organism="):
        gt.from_file(lower)


def test_names_are_case_insensitive_everywhere(tmp_path, gt_cache):
    path = tmp_path / "mine.tsv"
    path.write_text("tf\tgene\nSOX2\tNANOG\nKLF4\tMYC\n")
    imported = gt.import_file(path, "MyNet")
    assert imported.attrs["name"] == "mynet" and "mynet" in gt.available()
    assert "MyNet" in gt.available() and "MYNET" in gt.available()  # membership ignores case too
    for spelling in ("MyNet", "mynet", " MYNET "):
        pd.testing.assert_frame_equal(gt.load(spelling), imported)
        assert gt.info(spelling)["name"] == "mynet"
    with pytest.raises(ValueError, match="built-in"):
        gt.import_file(path, "McCalla-hESC")


@pytest.mark.parametrize("content,header,problem", [
    ("tf\tgene\n", "sniff", r"0 row\(s\) read, first row taken as the header"),
    ("SOX2\tSOX2\nMYC\tMYC\n", "sniff", r"2 self-loop\(s\) dropped"),
    ("P04637\tQ00987\n", False, r"1 row\(s\) with a non-gene id dropped \{'uniprot': 1\}"),
])
def test_a_truth_without_edges_is_refused_and_nothing_is_cached(tmp_path, gt_cache, content, header, problem):
    path = tmp_path / "empty.tsv"
    path.write_text(content)
    with pytest.raises(ValueError, match="no edge left after normalisation.*" + problem):
        gt.import_file(path, "empty-net", organism="human", header=header)
    assert "empty-net" not in _cached_names(gt_cache) and "empty-net" not in gt.available()
