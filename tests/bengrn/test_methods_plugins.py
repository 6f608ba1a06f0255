"""Method plugins: ``bengrn.methods.register`` and the entry-point group ``bengrn.methods``.

The plugin is a real installed distribution (a package plus a ``.dist-info`` with ``entry_points.txt``) in a temporary
directory put on ``sys.path`` of a fresh interpreter, so ``bengrn methods`` and ``bengrn run -m NAME`` see it exactly as
they would see a pip-installed package; the in-process registry of the test session is never touched.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bengrn import methods
from bengrn.methods import registry

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
import numpy as np
from grnndata import GRnnData
from bengrn.methods import register


def scaled_covariance(adata, *, seed=0, progress=None, scale=1.0):
    """Toy plugin: |covariance| of .X times scale."""
    x = np.asarray(adata.X.toarray() if hasattr(adata.X, "toarray") else adata.X, dtype=np.float64)
    w = np.abs(np.cov(x, rowvar=False)) * scale
    np.fill_diagonal(w, 0)
    return GRnnData.from_matrix(w.astype(np.float32), list(adata.var_names), key="GRN",
                                metadata={"method": "toy-cov", "parameters": {"scale": scale}})


def setup():
    register("toy-cov", scaled_covariance, needs_counts=False, options={"scale": 1.0})
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A directory holding the installed plugin distribution (and a broken one that must be skipped)."""
    root = tmp_path_factory.mktemp("site")
    (root / "toyplug").mkdir()
    (root / "toyplug" / "__init__.py").write_text(PLUGIN)
    for dist, entry in (("toyplug-0.1", "toy = toyplug:setup"), ("brokenplug-0.2", "broken = not_a_module:setup")):
        info = root / f"{dist}.dist-info"
        info.mkdir()
        name, version = dist.split("-")
        info.joinpath("METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        info.joinpath("entry_points.txt").write_text(f"[bengrn.methods]\n{entry}\n")
    return root


def _env(site: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _python(site: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=_env(site), capture_output=True, text=True, timeout=300)


def test_an_installed_plugin_is_registered_validated_and_run(site):
    code = """
import json, numpy as np, anndata as ad, pandas as pd
from bengrn import methods
x = np.arange(24, dtype=np.float32).reshape(6, 4) ** 1.5
adata = ad.AnnData(X=x, var=pd.DataFrame(index=list("ABCD")))
net = methods.infer("toy-cov", adata, scale=2)
errors = []
for bad in ({"scale": "x"}, {"scal": 1.0}):
    try:
        methods.validate_options("toy-cov", bad)
    except Exception as exc:
        errors.append(type(exc).__name__ + ": " + str(exc))
print(json.dumps({"available": methods.available(), "info": methods.info("toy-cov"), "errors": errors,
                  "net": np.asarray(net.network()).tolist(), "params": net.network_metadata()["parameters"]}))
"""
    res = _python(site, code)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert "toy-cov" in out["available"] and "genie3" in out["available"] and "broken" not in out["available"]
    assert out["info"]["source"] == "toyplug 0.1 (toy)" and out["info"]["options"]["scale"] == 1.0
    assert not out["info"]["needs_counts"] and out["info"]["summary"] == "Toy plugin: |covariance| of .X times scale."
    x = np.arange(24, dtype=np.float64).reshape(6, 4) ** 1.5
    ref = np.abs(np.cov(x, rowvar=False)) * 2.0
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(out["net"], ref, rtol=1e-5)
    assert out["params"] == {"scale": 2.0}  # the integer 2 was validated into the declared float
    assert out["errors"][0].startswith("OptionValueError: method 'toy-cov': option scale='x' is invalid")
    assert out["errors"][1].startswith("UnknownOptionError: method 'toy-cov' got unknown option(s) 'scal'")
    # the broken plugin was skipped with a warning naming it
    assert "skipping bengrn.methods plugin 'broken'" in res.stderr and "not_a_module" in res.stderr


def test_bengrn_methods_and_run_see_the_plugin(site, shared_data, tmp_path):
    bengrn = [sys.executable, "-c", "from bengrn.cli import app; app()"]  # the console script's body
    listed = subprocess.run(bengrn + ["methods"], env=_env(site), capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert "toy-cov" in listed.stdout and "grnboost2" in listed.stdout
    env = _env(site)
    env.update(GROUND_TRUTHS_LOCAL=str(shared_data), GROUND_TRUTHS_CACHE=str(tmp_path / "cache"))
    out = tmp_path / "run"
    run = subprocess.run(bengrn + ["run", "--method", "toy-cov", "--truth", "omnipath", "--n-genes", "80",
                                   "--n-cells", "60", "--seed", "0", "-O", "scale=3", "--no-progress",
                                   "--out", str(out)], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((out / "results.json").read_text())
    rows = results["runs"] if isinstance(results, dict) else results
    assert {r["method"] for r in rows} == {"toy-cov"}
    assert all(np.isfinite(r["metrics"]["auprc"]) for r in rows)


@pytest.fixture
def clean_registry():
    before = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(before)


def test_register_in_process(clean_registry):
    def mine(adata, *, seed=0, progress=None, k=3):
        """Mine."""
        return (seed, k)

    methods.register("mine", mine, needs_counts=True, options={"k": 3}, stochastic=True)
    assert methods.infer("mine", None, seed=2, k=5.0) == (2, 5)
    assert methods.info("mine")["stochastic"] and methods.info("mine")["source"] == "builtin"
    with pytest.raises(ValueError, match="already registered"):
        methods.register("mine", mine, needs_counts=True)
    methods.register("mine", mine, needs_counts=False, replace=True)
    assert not methods.info("mine")["needs_counts"]
    for bad in ("", "two words", "a,b", 3):
        with pytest.raises(ValueError, match="method name"):
            methods.register(bad, mine, needs_counts=True)
    with pytest.raises(TypeError, match="callable"):
        methods.register("x", "not a function", needs_counts=True)
    with pytest.raises(TypeError, match="Option declarations"):
        methods.register("x", mine, needs_counts=True, options=["k"])


def test_a_plugin_cannot_replace_a_builtin(clean_registry, monkeypatch):
    monkeypatch.setattr(registry, "_SOURCE", "evilplug 1.0 (genie3)")
    with pytest.raises(ValueError, match="cannot replace the built-in method 'genie3'"):
        methods.register("genie3", lambda adata, **kw: None, needs_counts=True, replace=True)
    assert methods.info("genie3")["source"] == "builtin"
