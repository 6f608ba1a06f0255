"""Existing networks read by ``bengrn.networks.read_network``: every tool's real file layout, formats, gene universes
and the errors a user meets.

Each fixture is written the way the tool writes it (pySCENIC/arboreto ``to_csv(sep="\\t", index=False)``, BEELINE's
tab-separated ``rankedEdges.csv``, CellOracle ``links_dict[c].to_csv()`` with its index column, decoupler nets, R's
``write.table`` with quotes, ...), and every network is checked entry by entry against a matrix built by hand from the
same edges.
"""
from __future__ import annotations

import gzip

import anndata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata
from bengrn.errors import BenchmarkError
from bengrn.layouts import LAYOUTS, detect_format, detect_layout
from bengrn.networks import network_name, read_genes, read_network

EDGES = [("SOX2", "POU5F1", 3.5), ("SOX2", "NANOG", -1.25), ("MYC", "SOX2", 0.5), ("POU5F1", "NANOG", 2.0),
         ("MYC", "KLF4", -0.75)]
UNSIGNED = [(s, t, abs(w)) for s, t, w in EDGES]


def expected(genes, edges=EDGES, absolute=True):
    """The network a list of edges means, built with a plain loop (the independent check)."""
    out = np.zeros((len(genes), len(genes)))
    for s, t, w in edges:
        if s in genes and t in genes:
            out[genes.index(s), genes.index(t)] = abs(w) if absolute else w
    return out


def frame(columns, edges=EDGES, weight=lambda w: w):
    s, t, w = columns
    return pd.DataFrame({s: [e[0] for e in edges], t: [e[1] for e in edges], w: [weight(e[2]) for e in edges]})


def check(loaded, layout, *, edges=EDGES, signed=None):
    genes = loaded.genes
    assert loaded.info["layout"] == layout
    np.testing.assert_array_equal(loaded.scores().toarray(), expected(genes, edges, absolute=True))
    np.testing.assert_array_equal(loaded.scores(signed=True).toarray(), expected(genes, edges, absolute=False))
    if signed is not None:
        assert loaded.info["signed"] is signed
    assert loaded.info["n_edges"] == len({(s, t) for s, t, _ in edges})


def test_pyscenic_arboreto_adjacencies(tmp_path):
    # arboreto.algo.grnboost2 returns TF, target, importance sorted by importance; pySCENIC's `grn` writes it as TSV.
    adj = frame(("TF", "target", "importance"), weight=abs).sort_values("importance", ascending=False)
    path = tmp_path / "adjacencies.tsv"
    adj.to_csv(path, sep="\t", index=False)
    loaded = read_network(path)
    check(loaded, "arboreto", edges=UNSIGNED, signed=False)
    assert loaded.name == "adjacencies"
    assert loaded.info["weight_column"] == "importance" and loaded.info["separator"] == "\t"
    # the genes are every gene the table names, in order of appearance
    assert sorted(loaded.genes) == sorted({g for e in EDGES for g in e[:2]})


def test_beeline_ranked_edges_are_tab_separated_under_a_csv_name(tmp_path):
    path = tmp_path / "rankedEdges.csv"
    path.write_text("Gene1\tGene2\tEdgeWeight\n" + "".join(f"{s}\t{t}\t{w}\n" for s, t, w in EDGES))
    loaded = read_network(path)
    check(loaded, "beeline", signed=True)
    assert loaded.info["separator"] == "\t"


def test_celloracle_links_with_index_column_scored_by_coef_abs_or_a_chosen_column(tmp_path):
    links = pd.DataFrame({"source": [e[0] for e in EDGES], "target": [e[1] for e in EDGES],
                          "coef_mean": [e[2] for e in EDGES], "coef_abs": [abs(e[2]) for e in EDGES],
                          "p": [1e-3] * len(EDGES), "-logp": [3.0] * len(EDGES)})
    path = tmp_path / "raw_GRN_for_cluster0.csv"
    links.to_csv(path)  # CellOracle tutorials keep pandas' index column
    loaded = read_network(path)
    check(loaded, "celloracle", edges=UNSIGNED, signed=False)
    assert loaded.info["weight_column"] == "coef_abs"
    signed = read_network(path, weight="coef_mean")
    check(signed, "celloracle", signed=True)
    minus_logp = read_network(path, weight="-logp")
    assert set(minus_logp.scores().data) == {3.0}


def test_decoupler_net_with_its_extra_columns(tmp_path):
    net = frame(("source", "target", "weight"), weight=np.sign)
    net["resources"] = "ExTRI;HTRIdb"
    net["references"] = "12345;67890"
    net["sign_decision"] = "PMID"
    path = tmp_path / "collectri.csv"
    net.to_csv(path, index=False)
    loaded = read_network(path)
    signs = [(s, t, float(np.sign(w))) for s, t, w in EDGES]
    check(loaded, "edges", edges=signs, signed=True)


def test_generic_edges_in_parquet_and_gzip_and_source_target_score(tmp_path):
    df = frame(("source", "target", "weight"))
    df.to_parquet(tmp_path / "net.parquet")
    check(read_network(tmp_path / "net.parquet"), "edges")
    assert detect_format(tmp_path / "net.parquet") == "parquet"
    with gzip.open(tmp_path / "net.tsv.gz", "wt") as fh:
        df.to_csv(fh, sep="\t", index=False)
    loaded = read_network(tmp_path / "net.tsv.gz")
    check(loaded, "edges")
    assert loaded.name == "net"
    frame(("source", "target", "score")).to_csv(tmp_path / "scored.csv", index=False)
    assert read_network(tmp_path / "scored.csv").info["weight_column"] == "score"


def test_genie3_r_link_list_with_quotes_and_whitespace_separated_text(tmp_path):
    # R: write.table(getLinkList(w), "links.txt", sep="\t", row.names=FALSE) quotes every string
    text = '"regulatoryGene"\t"targetGene"\t"weight"\n' + "".join(f'"{s}"\t"{t}"\t{abs(w)}\n' for s, t, w in EDGES)
    (tmp_path / "links.txt").write_text(text)
    check(read_network(tmp_path / "links.txt"), "genie3", edges=UNSIGNED)
    spaced = "source target weight\n" + "".join(f"{s}  {t} {w}\n" for s, t, w in EDGES)
    (tmp_path / "spaced.txt").write_text(spaced)
    check(read_network(tmp_path / "spaced.txt"), "edges")


def test_headerless_three_columns_are_detected_two_columns_need_the_layout(tmp_path):
    (tmp_path / "noheader.tsv").write_text("".join(f"{s}\t{t}\t{w}\n" for s, t, w in EDGES))
    check(read_network(tmp_path / "noheader.tsv"), "headerless")
    (tmp_path / "pairs.tsv").write_text("".join(f"{s}\t{t}\n" for s, t, _ in EDGES))
    with pytest.raises(BenchmarkError, match="no known layout"):
        read_network(tmp_path / "pairs.tsv")
    pairs = read_network(tmp_path / "pairs.tsv", layout="headerless")
    check(pairs, "headerless", edges=[(s, t, 1.0) for s, t, _ in EDGES])


def test_custom_columns_and_case_insensitive_layouts(tmp_path):
    frame(("regulator", "gene", "confidence")).to_csv(tmp_path / "mine.csv", index=False)
    loaded = read_network(tmp_path / "mine.csv", source="regulator", target="gene", weight="confidence")
    check(loaded, "custom")
    frame(("tf", "TARGET", "Importance")).to_csv(tmp_path / "lower.tsv", sep="\t", index=False)
    check(read_network(tmp_path / "lower.tsv"), "arboreto")


def test_dataframe_grnndata_and_anndata_inputs(tmp_path):
    df = frame(("TF", "target", "importance"))
    check(read_network(df, name="adj"), "arboreto")
    genes = ["SOX2", "POU5F1", "NANOG", "MYC", "KLF4"]
    dense = expected(genes, absolute=False)
    net = grnndata.from_matrix(dense, genes)
    net.add_network("other", np.eye(5))
    loaded = read_network(net, name="g")
    assert loaded.info["key"] == "GRN" and loaded.genes == genes
    np.testing.assert_array_equal(np.asarray(loaded.scores()), np.abs(dense))
    path = tmp_path / "net.h5ad"
    net.write_h5ad(path)
    assert detect_format(path) == "h5ad"
    other = read_network(path, key="other")
    np.testing.assert_array_equal(np.asarray(other.scores()), np.eye(5))
    plain = anndata.AnnData(var=pd.DataFrame(index=genes))
    plain.varp["attention"] = sp.csr_matrix(dense)
    assert read_network(plain).info["key"] == "attention"


def test_h5ad_errors_name_the_keys(tmp_path):
    genes = ["A1", "B2", "C3"]
    two = anndata.AnnData(var=pd.DataFrame(index=genes))
    two.varp["x"] = np.ones((3, 3))
    two.varp["y"] = np.ones((3, 3))
    with pytest.raises(BenchmarkError, match=r"several networks \(x, y\).*--key"):
        read_network(two)
    with pytest.raises(BenchmarkError, match="no network 'z'; its networks: x, y"):
        read_network(two, key="z")
    with pytest.raises(BenchmarkError, match="varp is empty.*--data"):
        read_network(anndata.AnnData(np.ones((4, 3)), var=pd.DataFrame(index=genes)))
    (tmp_path / "fake.h5ad").write_text("TF,target,importance\n")
    with pytest.raises(BenchmarkError, match="not an HDF5 file"):
        read_network(tmp_path / "fake.h5ad")


def test_gene_universe_keeps_unscored_pairs_as_absent_and_drops_outside_edges(tmp_path, caplog):
    universe = ["NANOG", "SOX2", "POU5F1", "GATA1", "TP53"]  # MYC and KLF4 are outside
    (tmp_path / "genes.txt").write_text("# genes given to the method\n" + "\n".join(universe) + "\n\n")
    assert read_genes(tmp_path / "genes.txt") == universe
    loaded = read_network(frame(("source", "target", "weight")), genes=read_genes(tmp_path / "genes.txt"))
    assert loaded.genes == universe
    np.testing.assert_array_equal(loaded.scores().toarray(), expected(universe))
    assert loaded.info["n_edges_unknown_genes"] == 2 and loaded.info["n_edges"] == 3
    assert "outside the 5 genes" in caplog.text
    # symbol rule: the universe's spelling wins
    lower = read_network(frame(("source", "target", "weight"), edges=[("sox2", "Nanog", 1.0)]), genes=universe)
    assert lower.scores()[1, 0] == 1.0
    # an h5ad network is re-indexed to the universe the same way
    genes = ["SOX2", "POU5F1", "NANOG", "MYC", "KLF4"]
    net = grnndata.from_matrix(expected(genes, absolute=False), genes)
    np.testing.assert_array_equal(read_network(net, genes=universe).scores().toarray(), expected(universe))
    with pytest.raises(BenchmarkError, match="no edge of .* links two of the 2 genes"):
        read_network(frame(("source", "target", "weight")), genes=["GATA1", "TP53"])


def test_duplicate_pairs_keep_the_strongest_signed_weight():
    edges = [("A1", "B2", 0.5), ("A1", "B2", -2.0), ("A1", "B2", 1.0), ("B2", "A1", 0.1)]
    loaded = read_network(frame(("source", "target", "weight"), edges=edges))
    assert loaded.info["n_duplicate_pairs"] == 2
    assert loaded.scores(signed=True)[0, 1] == -2.0 and loaded.scores()[0, 1] == 2.0


def test_bad_tables_get_errors_that_list_columns_and_layouts(tmp_path):
    (tmp_path / "odd.csv").write_text("from,to,value\nA1,B2,1\n")
    with pytest.raises(BenchmarkError) as err:
        read_network(tmp_path / "odd.csv")
    message = str(err.value)
    assert "'from', 'to', 'value'" in message
    assert all(name in message for name in LAYOUTS) and "--layout" in message
    with pytest.raises(BenchmarkError, match="weight column 'coef' is not there"):
        read_network(tmp_path / "odd.csv", source="from", target="to", weight="coef")
    (tmp_path / "nan.tsv").write_text("TF\ttarget\timportance\nA1\tB2\tx\nA1\tC3\t\n")
    with pytest.raises(BenchmarkError, match="2 weight.*not finite numbers"):
        read_network(tmp_path / "nan.tsv")
    (tmp_path / "header.tsv").write_text("TF\ttarget\timportance\n")
    with pytest.raises(BenchmarkError, match="no edge"):
        read_network(tmp_path / "header.tsv")
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(BenchmarkError, match="empty"):
        read_network(tmp_path / "empty.tsv")
    with pytest.raises(BenchmarkError, match="not found"):
        read_network(tmp_path / "missing.tsv")
    with pytest.raises(BenchmarkError, match="unknown layout 'pyscenic'"):
        read_network(tmp_path / "odd.csv", layout="pyscenic")
    with pytest.raises(BenchmarkError, match="must be a path"):
        read_network(42)
    with pytest.raises(BenchmarkError, match="one gene per line"):
        (tmp_path / "g.txt").write_text("A1\tB2\n")
        read_genes(tmp_path / "g.txt")


def test_names_and_layout_detection_order():
    assert network_name("runs/adjacencies.tsv.gz") == ("adjacencies", "runs/adjacencies.tsv.gz")
    assert network_name("grnboost=out/adj.tsv") == ("grnboost", "out/adj.tsv")
    # CellOracle links are also source/target tables: the more specific layout wins
    assert detect_layout(["", "source", "target", "coef_mean", "coef_abs", "p", "-logp"]).name == "celloracle"
    assert detect_layout(["source", "target"]).weight is None
