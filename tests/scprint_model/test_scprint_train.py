"""Training: checkpoint save/load, exact resume, data helpers, CLI help."""
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")

from scprint_model import checkpoint as ckpt  # noqa: E402
from scprint_model.data import merge_datasets, recover_counts_from_log2, sample_batch  # noqa: E402
from scprint_model.model import ModelConfig  # noqa: E402
from scprint_model.train import build_model, fit, main  # noqa: E402


def _toy(seed=0, cells=40, genes=30):
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.uniform(0.2, 3, genes), (cells, genes)).astype(np.float32)
    return sp.csr_matrix(x), np.asarray(x.sum(1)).ravel() + 3, [f"G{i}" for i in range(genes)]


def _cfg(genes):
    return ModelConfig(n_genes=genes, d_model=16, n_layers=2, n_heads=2, d_ff=16, n_cell_tokens=2, use_positions=True)


def test_resume_gives_identical_continuation(tmp_path):
    x, tot, vocab = _toy()
    kw = dict(steps=6, batch_size=4, context=12, lr=3e-3, seed=7, progress=False)
    straight = build_model(vocab, _cfg(30), seed=1)
    h1 = fit(straight, x, tot, vocab, **kw)

    first = build_model(vocab, _cfg(30), seed=1)
    fit(first, x, tot, vocab, **kw, stop_at=3, out=tmp_path / "ck.pt")
    ck = ckpt.load(tmp_path / "ck.pt")
    st = ck.train_state
    assert st["step"] == 3
    h2 = fit(ck.model, x, tot, ck.vocab, **kw, start_step=st["step"], optimizer_state=st["optimizer"],
             history=st["history"])
    for (name, a), (_, b) in zip(straight.state_dict().items(), ck.model.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=name)
    assert h1[-1]["denoise"] == pytest.approx(h2[-1]["denoise"], rel=1e-5)  # the last step's own loss
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # atomic write left nothing behind


def test_checkpoint_roundtrip_and_half_export(tmp_path):
    x, tot, vocab = _toy(1)
    m = build_model(vocab, _cfg(30), seed=2)
    fit(m, x, tot, vocab, steps=2, batch_size=4, context=10, seed=0, progress=False, out=tmp_path / "a.pt")
    ids = torch.tensor([[0, 3, 5, 29]])
    vals = torch.tensor([[0.0, 1.0, 2.0, 0.5]])
    depth = torch.tensor([100.0])
    with torch.no_grad():
        ref = m(ids, vals, depth)["cell_emb"]
        ck = ckpt.load(tmp_path / "a.pt")
        assert ck.vocab == vocab and ck.checksum == ckpt.sha256(tmp_path / "a.pt")
        torch.testing.assert_close(ck.model(ids, vals, depth)["cell_emb"], ref)
        ckpt.export(tmp_path / "a.pt", tmp_path / "h.pt")
        half = ckpt.load(tmp_path / "h.pt")
        torch.testing.assert_close(half.model(ids, vals, depth)["cell_emb"], ref, rtol=0.05, atol=0.02)
    assert "optimizer" not in half.train_state
    assert (tmp_path / "h.pt").stat().st_size < (tmp_path / "a.pt").stat().st_size


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        ckpt.load(tmp_path / "nope.pt")
    torch.save({"x": 1}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not a scprint_model checkpoint"):
        ckpt.load(tmp_path / "bad.pt")


def test_recover_counts_from_log2():
    counts = np.array([[0, 2, 5, 1], [3, 0, 1, 9]], dtype=float)  # each cell's smallest count is 1
    scale = np.array([[0.37], [2.5]])
    np.testing.assert_array_equal(recover_counts_from_log2(np.log2(counts * scale + 1)), counts)


def test_merge_and_sample_batch():
    a = sp.csr_matrix(np.array([[1, 0, 2], [0, 0, 3]], dtype=np.float32))
    b = sp.csr_matrix(np.array([[4, 1], [0, 5]], dtype=np.float32))
    x, vocab, tot = merge_datasets([(a, ["A", "B", "C"]), (b, ["C", "D"])], min_cells=1)
    assert list(vocab) == ["A", "C", "D"]  # B is never detected
    np.testing.assert_array_equal(x.toarray(), [[1, 2, 0], [0, 3, 0], [0, 4, 1], [0, 0, 5]])
    np.testing.assert_array_equal(tot, [3, 3, 5, 5])
    rng = np.random.default_rng(0)
    big = sp.csr_matrix(np.random.default_rng(1).poisson(30, (5, 50)).astype(np.float32))
    btot = np.asarray(big.sum(1)).ravel()
    batch = sample_batch(big, btot, np.arange(5), 20, rng)
    assert batch.gene_ids.shape == (5, 20)
    for r in range(5):
        assert len(set(batch.gene_ids[r])) == 20
        np.testing.assert_array_equal(batch.target[r], big.toarray()[r, batch.gene_ids[r]])
    # ~70% of transcripts removed on average: recover the input counts from the log-normalised values
    x_in = np.expm1(batch.values)  # = x_in / total_in * 1e4
    ratio = (x_in.sum(1) / 1e4) / (batch.target.sum(1) / btot)  # share of kept in-context counts, ~1 if unbiased
    assert np.all(np.abs(ratio - 1) < 0.3)
    small = sp.csr_matrix(np.array([[0, 3, 0, 0, 1, 0]], dtype=np.float32))
    sb = sample_batch(small, np.array([4.0]), np.array([0]), 5, rng)
    assert {1, 4} <= set(sb.gene_ids[0]) and len(set(sb.gene_ids[0])) == 5
    assert np.count_nonzero(sb.target) == 2  # padding genes are unexpressed zeros


def test_cli_help_and_tiny_run(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scprint_model.train", "--help"], capture_output=True, text=True,
                         check=True)
    assert "--resume" in out.stdout and "--context" in out.stdout
    rng = np.random.default_rng(0)
    import anndata

    ad = anndata.AnnData(rng.poisson(2, (20, 25)).astype(np.float32))
    ad.var_names = [f"G{i}" for i in range(25)]
    ad.write_h5ad(tmp_path / "d.h5ad")
    args = ["--data", str(tmp_path / "d.h5ad"), "--out", str(tmp_path / "t.pt"), "--steps", "2", "--batch-size", "2",
            "--context", "8", "--d-model", "8", "--layers", "1", "--heads", "2", "--d-ff", "8", "--min-cells", "1",
            "--positions", "none", "--no-progress", "--export", str(tmp_path / "e.pt")]
    assert main(args) == 0
    ck = ckpt.load(tmp_path / "e.pt")
    assert ck.train_state["step"] == 2 and len(ck.vocab) == 25
    assert main(["--data", str(tmp_path / "d.h5ad"), "--out", str(tmp_path / "t2.pt"), "--resume",
                 str(tmp_path / "t.pt"), "--no-progress"]) == 0  # already at the last step: nothing left to do


def test_recover_counts_from_double_log2():
    # The shared McCalla tables are log2(log2(x+1)+1): two undo layers must give the integers back exactly.
    rng = np.random.default_rng(1)
    counts = rng.poisson(2.0, size=(6, 40)).astype(float)
    counts[:, 0] = 1.0  # every cell has a smallest non-zero count of 1
    scale = rng.uniform(0.5, 3.0, size=(6, 1))
    twice = np.log2(np.log2(counts * scale + 1) + 1)
    np.testing.assert_array_equal(recover_counts_from_log2(twice), counts)
