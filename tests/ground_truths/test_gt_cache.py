"""Cache behaviour (location, atomic entries, corruption detection) and user files (from_file / import_file)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import platformdirs
import pytest

import ground_truths as gt
from ground_truths._store import cache


def test_cache_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("GROUND_TRUTHS_CACHE", raising=False)
    gt.set_cache_dir(None)
    assert gt.cache_dir() == Path(platformdirs.user_cache_dir("ground_truths"))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "env"))
    assert gt.cache_dir() == tmp_path / "env"
    gt.set_cache_dir(tmp_path / "explicit")
    try:
        assert gt.cache_dir() == (tmp_path / "explicit").resolve()
    finally:
        gt.set_cache_dir(None)


def test_shipped_default_truth_works_offline_and_is_cached(gt_cache):
    edges = gt.load("mccalla-hesc")
    # hESC_chipunion_KDUnion_intersect: 12,986 rows; at most 1% may go (19 self-loops + 5 retired ids)
    assert 0.99 * 12986 <= len(edges) <= 12986
    assert list(edges.columns[:2]) == ["source", "target"]
    attrs = edges.attrs
    assert attrs["name"] == "mccalla-hesc" and attrs["directed"] is True and attrs["organism"] == "human"
    assert attrs["upstream_checksums"] == {"mccalla-hESC-chip_kd": "md5:99e4c4ae974df0e4e926eda5c794b65d"}
    table = Path(attrs["cache_path"])
    assert table.is_file() and table.parent.parent.parent == gt_cache / "truths"
    manifest = json.loads((table.parent / cache.MANIFEST).read_text())
    assert manifest["n_edges"] == len(edges) and attrs["checksum"] == f"sha256:{manifest['table_sha256']}"
    again = gt.load("mccalla-hesc")
    pd.testing.assert_frame_equal(edges, again)


def test_corrupt_table_is_detected_and_rebuilt(gt_cache, caplog):
    edges = gt.load("mccalla-hesc")
    table = Path(edges.attrs["cache_path"])
    data = bytearray(table.read_bytes())
    data[len(data) // 2] ^= 0xFF  # flip one byte in the middle of the parquet file
    table.write_bytes(bytes(data))
    with caplog.at_level("WARNING", logger="ground_truths._store.cache"):
        rebuilt = gt.load("mccalla-hesc")
    assert "corrupt" in caplog.text
    pd.testing.assert_frame_equal(edges, rebuilt)
    assert gt.load("mccalla-hesc").attrs["checksum"] == edges.attrs["checksum"]


def test_partial_entry_without_manifest_is_rebuilt(gt_cache, caplog):
    edges = gt.load("mccalla-hesc")
    table = Path(edges.attrs["cache_path"])
    (table.parent / cache.MANIFEST).unlink()  # as if the process died between table and manifest
    table.write_bytes(table.read_bytes()[:100])  # and the table was truncated
    with caplog.at_level("WARNING", logger="ground_truths._store.cache"):
        rebuilt = gt.load("mccalla-hesc")
    assert "partial" in caplog.text
    pd.testing.assert_frame_equal(edges, rebuilt)


def test_atomic_write_leaves_no_temp_files_and_keeps_old_entry_on_failure(gt_cache, monkeypatch):
    edges = gt.load("mccalla-hesc")
    directory = Path(edges.attrs["cache_path"]).parent
    assert sorted(p.name for p in directory.iterdir()) == sorted([cache.MANIFEST, cache.TABLE])
    before = (directory / cache.TABLE).read_bytes()

    def exploding(self, path, **kwargs):
        Path(path).write_bytes(b"half")  # something was written...
        raise OSError("disk full")  # ...then the write failed

    monkeypatch.setattr(pd.DataFrame, "to_parquet", exploding)
    with pytest.raises(OSError, match="disk full"):
        cache.write_entry(directory, edges, {"name": "x"})
    assert (directory / cache.TABLE).read_bytes() == before
    assert sorted(p.name for p in directory.iterdir()) == sorted([cache.MANIFEST, cache.TABLE])


def test_options_change_the_cache_key_and_are_validated(gt_cache, real_env):
    a = gt.load("mccalla-hesc")
    b = gt.load("mccalla-hesc", variant="lit")
    assert a.attrs["cache_path"] != b.attrs["cache_path"]
    assert b.attrs["options"] == {"variant": "lit"}
    with pytest.raises(TypeError, match="unknown option"):
        gt.load("mccalla-hesc", cutof=0.1)
    with pytest.raises(ValueError, match="variant"):
        gt.load("mccalla-hesc", variant="chip")  # hESC ChIP-union is not available upstream here
    with pytest.raises(KeyError, match="available"):
        gt.load("no-such-truth")


def test_missing_data_is_a_clear_error(gt_cache):
    with pytest.raises(FileNotFoundError, match="GROUND_TRUTHS_LOCAL"):
        gt.load("dorothea")  # mirror-only file, no env var, no URL


def test_info_and_fetch(gt_cache):
    info = gt.info("mccalla-hesc")
    json.dumps(info)  # JSON-able
    assert info["cached"] is None and info["directed"] is True and info["organism"] == "human"
    path = gt.fetch("mccalla-hesc")
    assert path.is_file()
    info = gt.info("mccalla-hesc")
    assert info["cached"] == str(path) and info["n_edges"] == len(pd.read_parquet(path))
    mtime = path.stat().st_mtime_ns
    assert gt.fetch("mccalla-hesc", force=True).stat().st_mtime_ns >= mtime


def _write_user_files(tmp_path: Path) -> dict[str, Path]:
    rows = [("tp53", "CDKN1A", 0.9), ("TP53", "MDM2", 0.5), ("TP53", "CDKN1A", 0.2), ("MYC", "MYC", 1.0),
            ("P04637", "MDM2", 0.1)]
    frame = pd.DataFrame(rows, columns=["reg", "tgt", "score"])
    paths = {"csv": tmp_path / "edges.csv", "tsv_noheader": tmp_path / "edges.tsv", "parquet": tmp_path / "e.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_csv(paths["tsv_noheader"], sep="\t", index=False, header=False)
    frame.to_parquet(paths["parquet"], index=False)
    return paths


def test_from_file_formats_agree(tmp_path, gt_cache):
    paths = _write_user_files(tmp_path)
    a = gt.from_file(paths["csv"], source="reg", target="tgt", weight="score")
    b = gt.from_file(paths["tsv_noheader"], header=None, source=0, target=1, weight=2)
    c = gt.from_file(paths["parquet"], source="reg", target="tgt", weight="score")
    # by hand: tp53->CDKN1A twice (max weight 0.9), MYC self-loop dropped, UniProt row dropped
    expected = pd.DataFrame({"source": ["TP53", "TP53"], "target": ["CDKN1A", "MDM2"], "weight": [0.9, 0.5]})
    for got in (a, b, c):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    assert a.attrs["normalisation"]["n_self_loops"] == 1 and a.attrs["normalisation"]["dropped_uniprot"] == 1
    with pytest.raises(KeyError, match="header=None"):
        gt.from_file(paths["csv"], source="regulator", target="tgt")


def test_from_file_undirected_is_symmetric(tmp_path, gt_cache):
    path = tmp_path / "ppi.tsv"
    path.write_text("a\tb\nTP53\tMDM2\nMDM2\tTP53\nEGFR\tGRB2\n")
    edges = gt.from_file(path, directed=False)
    pairs = set(zip(edges.source, edges.target))
    assert pairs == {("TP53", "MDM2"), ("MDM2", "TP53"), ("EGFR", "GRB2"), ("GRB2", "EGFR")}
    assert edges.attrs["expanded"] is True and edges.attrs["directed"] is False


def test_import_file_registers_a_named_truth(tmp_path, gt_cache):
    paths = _write_user_files(tmp_path)
    imported = gt.import_file(paths["csv"], "my-net", source="reg", target="tgt", weight="score")
    assert "my-net" in gt.available()
    loaded = gt.load("my-net")
    pd.testing.assert_frame_equal(imported, loaded)
    assert gt.info("my-net")["user"] is True and gt.info("my-net")["n_edges"] == 2
    with pytest.raises(ValueError, match="built-in"):
        gt.import_file(paths["csv"], "omnipath")
    # a corrupt cached copy is re-imported from the original file
    table = Path(loaded.attrs["cache_path"])
    table.write_bytes(b"garbage")
    os.utime(table.parent / cache.MANIFEST)
    pd.testing.assert_frame_equal(gt.load("my-net").reset_index(drop=True), imported.reset_index(drop=True))


def test_info_is_json_for_every_truth_without_downloading(real_env, monkeypatch):
    from ground_truths._store import download as dl

    monkeypatch.setattr(dl, "_urlopen", lambda *a, **k: pytest.fail("info() must not download"))
    for name in gt.available():
        info = gt.info(name)
        json.dumps(info)
        assert info["name"] == name and isinstance(info["directed"], bool)
    assert gt.info("cellmap")["directed"] is False and gt.info("interactome-hq")["options"]["cutoff"] == 0.7


def test_mirror_file_with_other_checksum_is_used_with_warning(tmp_path, monkeypatch, caplog):
    from ground_truths._store import Resource, resolve

    root = tmp_path / "mirror"
    (root / "truths").mkdir(parents=True)
    (root / "truths" / "x.tsv").write_text("A\tB\n")
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(root))
    res = Resource(key="x", url=None, checksum="md5:" + "0" * 32, local_path="truths/x.tsv")
    with caplog.at_level("WARNING", logger="ground_truths._store.mirror"):
        path, checksum = resolve(res)
    assert path == root / "truths" / "x.tsv" and "differs from pinned" in caplog.text
    assert checksum == "md5:" + hashlib.md5(b"A\tB\n").hexdigest()
