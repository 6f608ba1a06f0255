"""The K562 dataset matched to gwps: non-targeting controls of a small h5ad written in the Replogle 2022 layout."""
from __future__ import annotations

import dataclasses
import hashlib

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import ground_truths as gt
from ground_truths import datasets, replogle
from ground_truths._store.mirror import recorded_checksum_path

GENES = pd.DataFrame({"gene_name": ["GATA1", "TAL1", "HBG1", "MYC", "TP53", "GAPDH"]},
                     index=["ENSG00000102145", "ENSG00000162367", "ENSG00000213934", "ENSG00000136997",
                            "ENSG00000141510", "ENSG00000111640"])


def _write_upstream(path, n_cells: int = 40, seed: int = 0) -> ad.AnnData:
    """Upstream layout: raw UMI counts (dense), obs gene_id = targeted gene id or 'non-targeting', var by Ensembl id."""
    rng = np.random.default_rng(seed)
    targeted = rng.choice(["non-targeting", "ENSG00000102145", "ENSG00000136997"], size=n_cells, p=[0.4, 0.3, 0.3])
    obs = pd.DataFrame({"gene": np.where(targeted == "non-targeting", "non-targeting", "X"), "gene_id": targeted,
                        "gem_group": rng.integers(1, 4, n_cells), "UMI_count": rng.integers(1000, 5000, n_cells)},
                       index=[f"cell{i}-{seed}" for i in range(n_cells)])
    adata = ad.AnnData(X=rng.poisson(3.0, size=(n_cells, len(GENES))).astype(np.float32), obs=obs, var=GENES.copy())
    path.parent.mkdir(parents=True, exist_ok=True)
    adata.write_h5ad(path)
    return adata


@pytest.fixture
def served(http_server, gt_cache, tmp_path, monkeypatch):
    upstream = _write_upstream(tmp_path / "upstream.h5ad")
    http_server.files["/ndownloader/files/35773219"] = (tmp_path / "upstream.h5ad").read_bytes()
    spec = datasets.DATASETS["k562-controls"]
    resource = dataclasses.replace(spec.resource, url=http_server.url + "/ndownloader/files/35773219")
    monkeypatch.setitem(datasets.DATASETS, "k562-controls", dataclasses.replace(spec, resource=resource))
    return upstream


def test_controls_are_downloaded_subset_once_and_cached(served, http_server, gt_cache):
    upstream = served
    events = []
    adata = gt.load_dataset("k562-controls", progress=lambda e, info: events.append((e, dict(info))))
    controls = (upstream.obs["gene_id"] == "non-targeting").to_numpy()
    assert adata.n_obs == int(controls.sum()) > 0 and list(adata.obs_names) == list(upstream.obs_names[controls])
    np.testing.assert_array_equal(adata.X.toarray(), upstream.X[controls])  # independent: numpy mask of the fixture
    assert list(adata.var_names) == list(GENES["gene_name"]) and adata.var["original_id"].iloc[0] == "ENSG00000102145"
    info = adata.uns["dataset"]
    assert info["context"] == {"organism": "human", "cell_line": "K562", "cell_type": "chronic myelogenous leukemia"}
    assert info["value_type"] == "counts" and info["fraction_integral"] == 1.0 and info["matched_truth"] == "gwps"
    body = http_server.files["/ndownloader/files/35773219"]
    assert info["checksum"] == "md5:" + hashlib.md5(body).hexdigest()  # recorded at the first download
    download = gt_cache / "downloads"
    assert [p.name for p in download.iterdir() if p.name.endswith(".checksum")]
    assert recorded_checksum_path(next(p for p in download.iterdir() if p.suffix == ".h5ad")).read_text() == \
        info["checksum"]
    kinds = [e for e, _ in events]
    assert "download" in kinds and kinds.count("subset") == 1
    assert events[-1] == ("subset", {"done": int(controls.sum()), "total": upstream.n_obs})
    subset = replogle.subset_path(info["checksum"])
    assert subset.is_file() and recorded_checksum_path(subset).is_file()
    events.clear()
    again = gt.load_dataset("K562-Controls", progress=lambda e, i: events.append(e))
    assert events == [] and len(http_server.files.requests) == 1  # no new download, no new subset
    np.testing.assert_array_equal(again.X.toarray(), adata.X.toarray())


def test_corrupt_subset_is_selected_again(served, gt_cache, caplog):
    first = gt.load_dataset("k562-controls")
    subset = replogle.subset_path(first.uns["dataset"]["checksum"])
    subset.write_bytes(subset.read_bytes()[:200])
    with caplog.at_level("WARNING", logger="ground_truths.replogle"):
        again = gt.load_dataset("k562-controls")
    assert "corrupt" in caplog.text
    np.testing.assert_array_equal(again.X.toarray(), first.X.toarray())


def test_from_the_local_mirror_and_matched_to_the_k562_truths(tmp_path, monkeypatch, gt_cache):
    mirror = tmp_path / "mirror"
    upstream = _write_upstream(mirror / replogle.RESOURCE.local_path, seed=3)
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(mirror))
    adata = gt.load_dataset(gt.matched_dataset("gwps"))
    assert adata.n_obs == int((upstream.obs["gene_id"] == "non-targeting").sum())
    for truth in ("gwps", "k562-chipseq", "k562-perturb-essential"):
        assert gt.matched_dataset(truth) == "k562-controls"
        assert gt.info(truth)["context"] == adata.uns["dataset"]["context"]
    assert gt.info("mccalla-hesc")["context"] != adata.uns["dataset"]["context"]


def test_a_file_in_another_layout_is_refused_and_nothing_is_cached(tmp_path, monkeypatch, gt_cache):
    mirror = tmp_path / "mirror"
    path = mirror / replogle.RESOURCE.local_path
    path.parent.mkdir(parents=True)
    ad.AnnData(X=np.ones((3, 2), dtype=np.float32)).write_h5ad(path)
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(mirror))
    with pytest.raises(ValueError, match="no obs column 'gene_id'.*not the Replogle 2022 K562 single-cell layout"):
        gt.load_dataset("k562-controls")
    assert not (gt_cache / "datasets").exists() or not any((gt_cache / "datasets").rglob("*.h5ad"))
