"""Issue 11: every truth declares its evaluation protocol and context; checked against the upstream files by hand."""
from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import ground_truths as gt
from ground_truths.protocols import PROTOCOLS
from ground_truths.sources import gwps

KEYS = {"name", "regulators", "targets", "description"}


def _upper(values) -> set[str]:
    return {str(v).strip().upper() for v in values}


def test_mccalla_protocol_is_its_per_dataset_tf_and_gene_universe(real_env):
    d = real_env / "truths" / "mccalla"
    truth = pd.read_csv(d / "hESC" / "hESC_chipunion_KDUnion_intersect.txt", sep="\t", header=None)
    for dataset, prefix in (("chen-hesc", "hESC_Chen"), ("liu-hesc", "hESC_Liu")):
        tfs = pd.read_csv(d / f"{prefix}_TFs.tsv", header=None)[0]
        genes = pd.read_csv(d / f"{prefix}_Genes.tsv", header=None)[0]
        edges = gt.load("mccalla-hesc")
        protocol = edges.attrs["protocols"][dataset]
        # by hand: the gold standard's regulators that are in the dataset's TF file; the dataset's gene file
        assert _upper(protocol["regulators"]) == _upper(tfs) & _upper(truth[0])
        assert len(protocol["targets"]) == len(set(gt.normalize_symbols(genes).dropna()))
    chen = edges.attrs["protocol"]
    assert set(chen) == KEYS and chen["name"] == "mccalla" and edges.attrs["protocol_dataset"] == "chen-hesc"
    assert len(chen["regulators"]) == 11 and len(chen["targets"]) == 8595  # the 11 assayed TFs of issue 11
    assert edges.attrs["context"] == {"organism": "human", "cell_line": None, "cell_type": "embryonic stem cell"}
    mesc = gt.load("mccalla-mesc")
    assert set(mesc.attrs["protocols"]) == {"semrau-mesc", "duren-mesc"} and mesc.attrs["context"]["organism"] == "mouse"


def test_default_truth_protocol_works_offline(gt_cache):
    chen = gt.load("mccalla-hesc").attrs["protocol"]  # shipped universe files, no mirror
    assert len(chen["regulators"]) == 11 and len(chen["targets"]) == 8595


def test_gwps_protocol_is_perturbed_x_measured_genes(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    path = mirror / "truths" / "gwps" / "gwps_pvalues.csv.gz"
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt") as handle:  # GATA1 and MYC perturbed without any significant response
        handle.write(",1_TP53_P1_TP53,2_MYC_P1_MYC,3_GATA1_P2_GATA1\nCDKN1A,0.001,0.5,0.2\nMDM2,0.01,0.9,0.3\n"
                     "HBG1,0.7,0.6,0.5\n")
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(mirror))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    edges = gt.load("gwps")
    assert set(zip(edges.source, edges.target)) == {("TP53", "CDKN1A"), ("TP53", "MDM2")}
    p = edges.attrs["protocol"]
    assert p["name"] == "perturbation" and p["regulators"] == ["GATA1", "MYC", "TP53"]
    assert p["targets"] == ["CDKN1A", "HBG1", "MDM2"]
    assert edges.attrs["context"]["cell_line"] == "K562"
    assert gwps.parse_pvalue_matrix(path).attrs["protocol"]["regulators"] == ["TP53", "MYC", "GATA1"]


def test_chip_protocol_is_the_profiled_tfs(real_env):
    raw = pd.read_csv(real_env / "truths/k562_chipseq/K562_ChipSeq.csv.gz", usecols=["source"])
    edges = gt.load("k562-chipseq", min_weight=4000)  # a weight filter leaves TFs without edges: still profiled
    p = edges.attrs["protocol"]
    assert p["name"] == "chip" and _upper(p["regulators"]) == _upper(raw["source"]) and p["targets"] is None
    assert len(p["regulators"]) == 173 > edges["source"].nunique()


def test_beeline_protocol_is_truth_regulators_x_truth_genes(gt_cache):
    edges = gt.load("beeline-thp1")
    p = edges.attrs["protocol"]
    assert p["name"] == "beeline" and p["regulators"] is None
    assert set(p["targets"]) == set(edges.source) | set(edges.target)
    assert edges.attrs["context"] == {"organism": "human", "cell_line": "THP-1", "cell_type": "monocyte"}


@pytest.mark.parametrize("name", ["omnipath", "collectri", "dorothea"])
def test_literature_protocol_is_regulators_with_an_edge(real_env, name):
    attrs = gt.load(name).attrs
    assert attrs["protocol"]["name"] == "literature"
    assert attrs["protocol"]["regulators"] is None and attrs["protocol"]["targets"] is None
    assert attrs["context"] == {"organism": "human", "cell_line": None, "cell_type": None}


def test_roylab_protocol_lists_every_assayed_tf(real_env):
    raw = pd.read_csv(real_env / "truths/roylab_mesc/mESC_chip.bothko_rnaseq.txt.gz", sep="\t", header=None)
    edges = gt.load("roylab-mesc")
    assert len(edges) <= len(raw) == 3128
    assert _upper(edges.attrs["protocol"]["regulators"]) == _upper(raw[0])
    assert edges.attrs["context"]["cell_type"] == "embryonic stem cell"


def test_every_truth_and_dataset_declares_protocol_and_context(real_env, monkeypatch):
    from ground_truths._store import download as dl

    monkeypatch.setattr(dl, "_urlopen", lambda *a, **k: pytest.fail("info() must not download"))
    for name in gt.available():
        info = gt.info(name)
        json.dumps(info)
        assert info["protocol"]["name"] in PROTOCOLS and info["protocol"]["description"]
        assert set(info["context"]) == {"organism", "cell_line", "cell_type"}
        assert info["context"]["organism"] == info["organism"]
    for name in gt.available_datasets():
        if name == "k562-controls":
            continue  # not in the mirror: tested on the upstream layout in test_gt_k562.py
        context = gt.load_dataset(name).uns["dataset"]["context"]
        truth = next((t for t in gt.available() if gt.matched_dataset(t) == name), None)
        if truth is not None:
            assert gt.info(truth)["context"] == context, (name, truth)


def test_user_file_protocol(tmp_path, gt_cache):
    path = tmp_path / "mine.tsv"
    path.write_text("SOX2\tNANOG\nKLF4\tMYC\n")
    attrs = gt.import_file(path, "mine").attrs
    assert attrs["protocol"] == {"name": "user", "regulators": None, "targets": None,
                                 "description": PROTOCOLS["user"]}
    assert gt.info("mine")["protocol"]["n_regulators"] == "every regulator with an edge"
