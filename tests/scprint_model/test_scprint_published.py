"""A loaded published-layout checkpoint in the rest of the package: gene identifiers, head selection, paths."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
anndata = pytest.importorskip("anndata")

import scprint_model  # noqa: E402
from scprint_model.genes import vocabulary_index  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scprint_ref"


@pytest.fixture(scope="module")
def ref():
    return dict(np.load(FIXTURE / "reference.npz"))


@pytest.fixture(scope="module")
def adata(ref):
    return anndata.AnnData(ref["counts"].copy(), var=pd.DataFrame(index=ref["table_genes"]))


def test_checkpoint_by_path_string_and_provenance(adata):
    net = scprint_model.infer_network(adata, checkpoint=str(FIXTURE / "tiny_log.ckpt"), store_heads=False)
    meta = net.network_metadata("GRN")
    assert meta["checkpoint_kind"] == "scprint-v1" and meta["checkpoint_label"] == "scPRINT v1 checkpoint file " \
                                                                                  "tiny_log.ckpt"
    assert meta["n_heads_total"] == 4 and meta["dtype"] == "float32" and meta["device"] == "cpu"


def test_symbols_are_matched_to_ensembl_vocabularies(ref):
    # the fixture's fake vocabulary contains two real GENCODE ids: ENSG00000000003 (TSPAN6), ENSG00000000005 (TNMD)
    vocab = list(ref["vocab"])
    idx, source = vocabulary_index(["TNMD", "TSPAN6", "NOT_A_GENE"], None, vocab)
    assert source == "symbol table (GENCODE v44)"
    assert list(idx) == [vocab.index("ENSG00000000005"), vocab.index("ENSG00000000003"), -1]
    var = pd.DataFrame({"gene_ids": ["ENSG00000000021", "ENSG00000000005", "x"]}, index=["A", "TNMD", "B"])
    idx, source = vocabulary_index(var.index, var, vocab)  # an id column beats the symbol table (2 matches vs 1)
    assert source == "var['gene_ids']" and list(idx) == [vocab.index("ENSG00000000021"),
                                                         vocab.index("ENSG00000000005"), -1]
    with pytest.raises(ValueError, match="gene_ids='nope' is not a column"):
        vocabulary_index(var.index, var, vocab, gene_ids="nope")


def test_symbol_named_data_gives_the_same_network(adata):
    ids = ["ENSG00000000003", "ENSG00000000005", "ENSG00000000021", "ENSG00000000030"]
    by_id = adata[:, ids].copy()
    by_id.obs["total_counts"] = np.asarray(adata.X.sum(1)).ravel()
    by_symbol = by_id.copy()
    by_symbol.var_names = ["TSPAN6", "TNMD", "G21", "G30"]
    by_symbol.var["ensembl_id"] = ids
    a = scprint_model.infer_network(by_id, checkpoint=FIXTURE / "tiny_sum.ckpt")
    b = scprint_model.infer_network(by_symbol, checkpoint=FIXTURE / "tiny_sum.ckpt")
    assert b.network_metadata("GRN")["gene_ids"] == "var['ensembl_id']"
    np.testing.assert_array_equal(a.network("heads"), b.network("heads"))


def test_head_selection_on_the_loaded_model_heads(adata):
    """select_heads works on a published model's (layer, head) stack as on the toy: a truth planted from one head's
    strongest edges selects that head, scored on held-out regulators."""
    net = scprint_model.infer_network(adata, checkpoint=FIXTURE / "tiny_sum.ckpt", selection="random-expr",
                                      context=10)
    stack = np.asarray(net.network("heads"))
    assert stack.shape[2] == 4  # 2 layers x 2 heads, index = layer * n_heads + head
    planted = 2
    scores = stack[:, :, planted].copy()
    np.fill_diagonal(scores, 0)
    regulators = np.argsort(-scores.sum(1))[:16]
    truth = np.zeros(scores.shape, dtype=bool)
    for r in regulators:
        truth[r, np.argsort(-scores[r])[:4]] = True
    res = scprint_model.select_heads(stack, truth, split="regulator", seed=0)
    assert planted in res.selected and res.best_head == planted
    assert res.metrics["selected"]["auprc"] > res.metrics["random"]["auprc"]
