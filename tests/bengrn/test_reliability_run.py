"""Issue 12, runner/CLI side: runs that cannot clobber each other, faults that lose nothing, exit codes, bad data.

Every test drives the real ``bengrn`` command (in-process with typer's runner, or as real processes where a signal or a
second process is the point) on the shared toy data (:mod:`grnndata.toy`, registered as a user truth), and asserts
the message names the problem and that nothing partial is left on disk.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

import ground_truths
import bengrn.runner
from bengrn.cli import app
from bengrn.lock import LOCK_NAME
from grnndata.toy import toy

TRUTH = "reliab-toy"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def toy_env(tmp_path_factory):
    """The toy counts as an .h5ad file and the toy truth registered as a user truth (in the session's cache)."""
    root = tmp_path_factory.mktemp("reliab")
    t = toy(n_cells=200, n_genes=60, n_regulators=8, n_edges=80, seed=0)
    data = root / "toy.h5ad"
    t.adata.write_h5ad(data)
    t.truth.to_csv(root / "truth.tsv", sep="\t", index=False)
    ground_truths.import_file(root / "truth.tsv", TRUTH, source="source", target="target")
    return SimpleNamespace(root=root, data=data, toy=t)


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BENGRN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("BENGRN_DEBUG", raising=False)


def _run_args(toy_env, out, *extra, methods="correlation"):
    return ["run", "-m", methods, "-t", TRUTH, "--data", str(toy_env.data), "--no-progress", "--out", str(out),
            *map(str, extra)]


def _invoke(args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _text(res) -> str:
    return " ".join(res.stderr.split())


def _assert_error(res, code, *fragments):
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    for f in fragments:
        assert f in _text(res), (f, _text(res))


def _temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def no_data_loading(monkeypatch):
    """Fail the test if the run gets as far as loading the dataset."""
    def refuse(*_, **__):
        raise AssertionError("the dataset was loaded")

    monkeypatch.setattr(bengrn.runner, "load_data", refuse)


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can create files in, root included (chmod, then the immutable flag where chmod is not enough)."""
    path = tmp_path / "ro"
    path.mkdir()
    path.chmod(0o555)
    immutable = False
    if os.access(path, os.W_OK):  # root ignores permission bits
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        if not immutable:
            path.chmod(0o755)
            pytest.skip("cannot make a read-only folder here (root without chattr)")
    yield path
    if immutable:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o755)


# --------------------------------------------------------------------------------------------- --out checks
def test_a_file_as_out_is_refused_before_any_data_is_loaded(toy_env, tmp_path, no_data_loading):
    out = tmp_path / "results.txt"
    out.write_text("mine")
    _assert_error(_invoke(_run_args(toy_env, out)), 2, f"--out {out} is a file, not a folder")
    assert out.read_text() == "mine"


def test_a_read_only_out_is_refused_before_any_data_is_loaded(toy_env, read_only_dir, no_data_loading):
    _assert_error(_invoke(_run_args(toy_env, read_only_dir)), 2, f"--out {read_only_dir} is not writable")
    deeper = read_only_dir / "a" / "b"
    _assert_error(_invoke(_run_args(toy_env, deeper)), 2, "is not writable")
    assert list(read_only_dir.iterdir()) == []


def test_a_run_refused_for_its_options_leaves_no_empty_out_folder(toy_env, tmp_path, no_data_loading):
    out = tmp_path / "new" / "out"
    _assert_error(_invoke(_run_args(toy_env, out, "-O", "n_trees=[5]", methods="genie3")), 2,
                  "option n_trees=[5] is invalid", "an integer >= 1")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("option,fragments", [
    ("n_trees=[5]", ("genie3", "n_trees=[5]", "expected an integer >= 1")),
    ("n_jobs=abc", ("genie3", "n_jobs='abc'", "expected an integer >= -1")),
    ("scprint:bogus=1", ("scprint", "unknown option(s) 'bogus'", "checkpoint")),
])
def test_bad_option_values_exit_2_before_the_data_is_loaded(toy_env, tmp_path, no_data_loading, option, fragments):
    method = "scprint" if option.startswith("scprint") else "genie3"
    _assert_error(_invoke(_run_args(toy_env, tmp_path / "o", "-O", option, methods=method)), 2, *fragments)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------------------------- exit code 3
def test_an_internal_error_exits_3_with_the_traceback_in_a_log_file(toy_env, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom in the method")

    monkeypatch.setattr(bengrn.runner.methods, "infer", broken)
    res = _invoke(_run_args(toy_env, tmp_path / "o"))
    _assert_error(res, 3, "internal error (ZeroDivisionError: boom in the method)", "This is a bug in bengrn")
    (log,) = (tmp_path / "logs").iterdir()
    assert str(log) in _text(res)
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: boom in the method" in text
    assert text.startswith(f"command: {' '.join(sys.argv)}") and "'numpy'" in text
    assert not (tmp_path / "o").exists() or _temp_files(tmp_path / "o") == []
    monkeypatch.setenv("BENGRN_DEBUG", "1")  # --debug / BENGRN_DEBUG: the exception itself
    res = _invoke(_run_args(toy_env, tmp_path / "o"))
    assert isinstance(res.exception, ZeroDivisionError)


def test_check_update_and_compare_out_into_a_read_only_folder_exit_2(toy_env, tmp_path, read_only_dir):
    out = tmp_path / "o"
    assert _invoke(_run_args(toy_env, out)).exit_code == 0
    baseline = read_only_dir / "baseline.json"
    _assert_error(_invoke(["check", out, "--baseline", baseline, "--update"]), 2,
                  f"--baseline folder {read_only_dir} is not writable")
    png = read_only_dir / "compare.png"
    _assert_error(_invoke(["compare", out, "--out", png]), 2, f"cannot write or read in {read_only_dir}:")
    assert list(read_only_dir.iterdir()) == []


# --------------------------------------------------------------------------------------------- faults
def _full_disk_after_half(monkeypatch, out: Path, which: str):
    """Make writes of ``out``'s temporary ``which`` file (results.json / results.csv) fail half-way with ENOSPC."""
    real = Path.write_bytes

    def write_bytes(self, data):
        if self.parent == out and self.name.startswith(f".{which}.") and self.name.endswith(".tmp"):
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


@pytest.mark.parametrize("which", ["results.json", "results.csv"])
def test_a_full_disk_during_the_results_write_keeps_the_previous_results(toy_env, tmp_path, monkeypatch, which):
    out = tmp_path / "o"
    assert _invoke(_run_args(toy_env, out, methods="correlation,random")).exit_code == 0
    before = {p: p.read_bytes() for p in (out / "results.json", out / "results.csv")}
    _full_disk_after_half(monkeypatch, out, which)
    res = _invoke(_run_args(toy_env, out, "--force", methods="correlation,random"))
    _assert_error(res, 2, "No space left on device", "free some space")
    assert {p: p.read_bytes() for p in before} == before
    assert json.loads(before[out / "results.json"])  # still the complete previous document
    assert _temp_files(out) == []


def test_a_kill_during_a_plot_write_leaves_no_temporary_plot(toy_env, tmp_path, monkeypatch):
    import matplotlib.figure

    out = tmp_path / "o"

    def interrupted_savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", interrupted_savefig)
    _assert_error(_invoke(_run_args(toy_env, out)), 130, "interrupted by SIGINT", "rerun the same command to resume")
    assert _temp_files(out) == [] and not list((out / "plots").glob("*"))
    assert (out / "results.json").exists()  # written before the plots


def test_stale_temporary_files_of_a_killed_run_are_removed_at_start(toy_env, tmp_path):
    out = tmp_path / "o"
    stale = [out / "plots" / ".pr__reliab-toy.png.k3j4h5g6.tmp", out / "runs" / ".correlation__x.json.ab_cd123.tmp",
             out / "networks" / ".correlation__toy__all.h5ad.zzzzzzzz.tmp", out / ".results.json.q1w2e3r4.tmp"]
    foreign = [out / "plots" / "notes.tmp", out / "plots" / ".mine.tmp", out / "my.json.k3j4h5g6.tmp"]
    for p in stale + foreign:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"half")
    assert _invoke(_run_args(toy_env, out)).exit_code == 0
    assert not any(p.exists() for p in stale)
    assert all(p.read_bytes() == b"half" for p in foreign)
    assert not (out / LOCK_NAME).exists()


# --------------------------------------------------------------------------------------------- two configurations
def _same_file_somewhere(out: Path, rel: Path, data: bytes) -> bool:
    """``out/rel`` or one of its kept versions (``<stem>@<fingerprint><suffix>``) holds exactly ``data``."""
    folder = (out / rel).parent
    return any(p.read_bytes() == data for p in [out / rel, *folder.glob(f"{rel.stem}@*{rel.suffix}")] if p.exists())


def test_a_second_configuration_keeps_the_first_and_a_rerun_restores_it(toy_env, tmp_path, monkeypatch):
    out = tmp_path / "o"
    first = _run_args(toy_env, out, "-O", "n_trees=5", "-O", "n_jobs=1", methods="correlation,genie3")
    assert _invoke(first).exit_code == 0
    saved = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix != ".png"}
    res = _invoke(_run_args(toy_env, out, "-O", "n_trees=7", "-O", "n_jobs=1", methods="genie3"))
    assert res.exit_code == 0, res.output
    # Not silent: the replaced results.json is named, with what differs.
    assert "another configuration" in _text(res) and "genie3:n_trees 5 -> 7" in _text(res)
    second = json.loads((out / "results.json").read_text())
    assert [r["provenance"]["parameters"]["method_options"]["n_trees"] for r in second] == [7]
    assert sorted(p.suffix for p in out.glob("results@*")) == [".csv", ".json"]
    assert all(_same_file_somewhere(out, rel, data) for rel, data in saved.items())  # nothing of the first lost
    # The first configuration again: nothing is inferred, its very files come back under their plain names.
    inferred = []
    infer = bengrn.runner.methods.infer
    monkeypatch.setattr(bengrn.runner.methods, "infer", lambda *a, **k: inferred.append(a[0]) or infer(*a, **k))
    assert _invoke(first).exit_code == 0
    assert inferred == []
    for rel, data in saved.items():
        assert (out / rel).read_bytes() == data, rel
    run = json.loads((out / "runs" / "genie3__reliab-toy__all.json").read_text())
    sidecar = json.loads((out / run["provenance"]["network_file"]).with_suffix(".json").read_text())
    assert sidecar["fingerprint"] == run["provenance"]["network_fingerprint"]
    (kept,) = out.glob("results@*.json")  # now the 7-tree results are the kept ones (the 5-tree copy is plain again)
    assert [r["provenance"]["parameters"]["method_options"]["n_trees"] for r in json.loads(kept.read_text())] == [7]


# --------------------------------------------------------------------------------------------- real processes
_BENGRN = [sys.executable, "-c", "from bengrn.cli import main; main()"]


def _bengrn(args) -> subprocess.Popen:
    """``bengrn ARGS`` as a real process (this checkout first on the path), its output captured."""
    return subprocess.Popen([*_BENGRN, *map(str, args)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def _wait_for(predicate, timeout=120.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _long_genie3(toy_env, out, n_jobs):
    return _bengrn(_run_args(toy_env, out, "-O", "n_trees=20000", "-O", f"n_jobs={n_jobs}", methods="genie3"))


def test_two_processes_on_one_out_the_second_exits_2_naming_the_holder(toy_env, tmp_path):
    out = tmp_path / "o"
    holder = _long_genie3(toy_env, out, n_jobs=1)
    try:
        _wait_for(lambda: f"pid {holder.pid}" in ((out / LOCK_NAME).read_text() if (out / LOCK_NAME).exists()
                                                  else ""), what="the lock")
        second = _bengrn(_run_args(toy_env, out))
        _, stderr = second.communicate(timeout=300)
        message = " ".join(stderr.split())
        assert second.returncode == 2, stderr
        assert f"--out {out} is in use by another bengrn run (pid {holder.pid}" in message
        assert "Traceback" not in stderr and not (out / "runs").exists()
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.communicate(timeout=120)
    assert holder.returncode == 143 and not (out / LOCK_NAME).exists()
    assert _invoke(_run_args(toy_env, out)).exit_code == 0  # the lock went with its holder


def test_sigterm_during_inference_stops_the_workers_and_keeps_the_previous_results(toy_env, tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "o"
    assert _invoke(_run_args(toy_env, out)).exit_code == 0
    before = (out / "results.json").read_bytes()
    proc = _long_genie3(toy_env, out, n_jobs=2)
    parent = psutil.Process(proc.pid)

    def workers():
        found = [c for c in parent.children(recursive=True) if "LokyProcess" in " ".join(c.cmdline())]
        return found if len(found) >= 2 else None

    try:
        pids = [w.pid for w in _wait_for(workers, what="GENIE3's worker processes")]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert "interrupted by SIGTERM" in " ".join(stderr.split()) and "Traceback" not in stderr

    def gone():
        return all(not psutil.pid_exists(p) or psutil.Process(p).status() == psutil.STATUS_ZOMBIE for p in pids)

    _wait_for(gone, timeout=30, what="the workers to exit")
    assert (out / "results.json").read_bytes() == before
    assert _temp_files(out) == [] and not (out / LOCK_NAME).exists()
    assert not list((out / "networks").glob("genie3*"))  # no half network


# --------------------------------------------------------------------------------------------- bad data
def _dataset(toy_env, tmp_path, name, edit):
    adata = toy_env.toy.adata.copy()
    adata = edit(adata) or adata
    path = tmp_path / f"{name}.h5ad"
    adata.write_h5ad(path)
    return path


def _with_x(adata, edit):
    x = adata.X.toarray()
    edit(x)
    adata.X = sp.csr_matrix(x)


@pytest.mark.parametrize("name,edit,fragments", [
    ("nan", lambda a: _with_x(a, lambda x: x.__setitem__((3, 5), np.nan)),
     (".X holds 1 NaN/infinite value(s) in 1 gene(s) ('GATA1')", "impute or remove")),
    ("nangene", lambda a: _with_x(a, lambda x: x.__setitem__((slice(None), 7), np.nan)),
     (".X holds 200 NaN/infinite value(s) in 1 gene(s) ('GATA3')",)),
    ("negative", lambda a: _with_x(a, lambda x: x.__setitem__((slice(0, 4), 9), -2)),
     ("integer counts but 4 negative value(s) in 1 gene(s) ('COL1')", "counts cannot be negative")),
    ("transposed", lambda a: a.T.copy(),
     ("looks transposed", "obs names (rows) are reference genes ('SOX2', 'POU5F1'", "save adata.T instead")),
])
def test_bad_datasets_are_named_as_such(toy_env, tmp_path, name, edit, fragments):
    path = _dataset(toy_env, tmp_path, name, edit)
    out = tmp_path / "o"
    for method in ("correlation", "random"):  # not "no raw counts", and not a silently dropped gene
        args = _run_args(toy_env, out, methods=method)
        args[args.index("--data") + 1] = str(path)
        res = _invoke(args)
        _assert_error(res, 2, f"dataset '{name}'", *fragments)
        assert "no raw counts" not in _text(res) and "no edge of truth" not in _text(res)
    assert not out.exists()


def test_genes_differing_only_by_case_are_named(toy_env, tmp_path):
    def lower_last(adata):
        names = list(adata.var_names)
        names[-1] = names[0].lower()  # SOX2 ... sox2
        adata.var_names = names

    path = _dataset(toy_env, tmp_path, "case", lower_last)
    args = _run_args(toy_env, tmp_path / "o")
    args[args.index("--data") + 1] = str(path)
    res = _invoke(args)
    _assert_error(res, 2, "dataset 'case': 1 gene name(s) differ only by case ('SOX2 / sox2')")
    assert "no edge of truth" not in _text(res) and not (tmp_path / "o").exists()


def test_scaled_data_with_negative_values_is_still_accepted_for_normalize_false(toy_env, tmp_path):
    def scale(adata):
        x = np.log1p(adata.X.toarray())
        adata.X = (x - x.mean(0)) / (x.std(0) + 1e-9)  # z-scores: negative, non-integer, legitimate

    path = _dataset(toy_env, tmp_path, "scaled", scale)
    args = _run_args(toy_env, tmp_path / "o", "-O", "correlation:normalize=false")
    args[args.index("--data") + 1] = str(path)
    res = _invoke(args)
    assert res.exit_code == 0, res.output
    (run,) = json.loads((tmp_path / "o" / "results.json").read_text())
    assert run["provenance"]["dataset"]["counts"] is False and run["metrics"]["n_genes"] == 60


def test_a_damaged_sparse_matrix_is_refused_before_any_arithmetic(toy_env, tmp_path):
    import h5py

    path = tmp_path / "damaged.h5ad"
    shutil.copy(toy_env.data, path)
    with h5py.File(path, "r+") as f:  # one column index far outside the matrix, as a flipped byte makes it
        f["X/indices"][3] = 1_000_000
    args = _run_args(toy_env, tmp_path / "o")
    args[args.index("--data") + 1] = str(path)
    _assert_error(_invoke(args), 2, "dataset 'damaged': .X is not a valid sparse CSR matrix", "corrupt")
    assert not (tmp_path / "o").exists()
