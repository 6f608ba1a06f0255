"""Regression check of benchmark results against a committed baseline.

A run is identified by ``(method, truth, dataset, celltype)``. For every metric of the baseline run:

- higher-is-better metrics (``ap``, ``auprc``, ``auroc``, ``epr``, ``odds_ratio``, ``precision*``, ``recall*``)
  *regress* when ``baseline - now`` exceeds the tolerance; lower-is-better ones (``fisher_p``) when ``now - baseline``
  does;
- counts (``k``, ``n_positives``, ``n_universe``, any ``n_*``, and any metric stored as a JSON integer) and labels
  (``universe``, the ``flags`` list) must match exactly;
- other floats (``prevalence``, ``auprc_random`` and unknown metrics) describe the benchmark itself rather than the
  method: they must stay within the tolerance in both directions (status ``changed``).

The tolerance of a metric is ``max(abs, rel * |baseline|)``: a metric fails only if it moves by more than both its
absolute and its relative tolerance. Defaults (:data:`DEFAULT_TOLERANCE`) are ``abs=1e-6, rel=1e-3``: the runner is
deterministic for a given seed (same machine: identical numbers), and a 0.1% relative band absorbs the float noise of
another BLAS or CPU (near-tied scores swapping ranks) while catching real changes; the small absolute floor only
matters for metrics near 0 (AUPRC is often ~1e-3 on real data, so an absolute default of 1e-4 would hide a 5% drop).
``fisher_p`` defaults to ``abs=1e-12, rel=1e-3`` since it spans many orders of magnitude. An infinite baseline (``odds_ratio`` with no false positive) must stay infinite.

Failures: a regressed, changed or mismatched metric, a metric missing from the results or from the baseline, a
baseline run missing from the results, or a run computed with different parameters. Improvements beyond tolerance
pass (status ``improved``); refresh the baseline with ``--update``. A NaN (``null``) baseline never passes a number
("changed"); two NaNs agree but compare nothing.

A check can only pass when it compared something: an empty file, a metric stored as a number in quotes (``"0.5"``),
a non-numeric value of a numeric metric, a metric that is a number in one file and text in the other, two runs with
the same identity, a baseline run without one finite metric and a ``--tolerance`` for a metric the baseline does not
have (or that is compared exactly) are errors (:class:`~bengrn.errors.BenchmarkError`, exit 2), not regressions.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from bengrn.errors import BenchmarkError
from bengrn.results import read_results
from bengrn.store import now
from grnndata._files import atomic_write_json
from grnndata._json import decode_value

__all__ = [
    "Tolerance",
    "DEFAULT_TOLERANCE",
    "parse_tolerances",
    "direction",
    "compare",
    "CheckResult",
    "make_baseline",
    "write_baseline",
    "read_baseline",
    "read_runs",
]

HIGHER_IS_BETTER = {"ap", "auprc", "auroc", "epr", "odds_ratio", "precision", "recall"}
LOWER_IS_BETTER = {"fisher_p"}
COUNT_METRICS = {"k", "n_positives", "n_universe"}
# Parameters that must agree for a comparison to mean anything.
COMPARED_PARAMETERS = ("seed", "n_cells", "n_genes", "tf_only", "universe", "n_null", "transpose", "heads",
                       "method_options", "celltype_key")
FAILING = ("regressed", "changed", "mismatch", "missing", "not in baseline", "run missing", "params differ")


@dataclass(frozen=True)
class Tolerance:
    """Allowed worsening: ``max(abs, rel * |baseline|)``."""

    abs: float = 1e-6
    rel: float = 1e-3

    def allowed(self, baseline: float) -> float:
        return max(self.abs, self.rel * abs(baseline)) if math.isfinite(baseline) else 0.0

    def __str__(self) -> str:
        return f"abs:{self.abs:g},rel:{self.rel:g}"


DEFAULT_TOLERANCE = Tolerance()
DEFAULT_TOLERANCES: dict[str, Tolerance] = {"fisher_p": Tolerance(abs=1e-12, rel=1e-3)}


def direction(metric: str, baseline_value: Any = None) -> str:
    """``"higher"``, ``"lower"``, ``"exact"`` or ``"both"`` (must not move either way)."""
    if metric in LOWER_IS_BETTER:
        return "lower"
    if metric in COUNT_METRICS or metric.startswith("n_") or (
        isinstance(baseline_value, int) and not isinstance(baseline_value, bool)
    ):
        return "exact"
    if metric in HIGHER_IS_BETTER or metric.startswith(("precision", "recall")):
        return "higher"
    return "both"


_TOL_ITEM = re.compile(r"^(abs|rel)\s*:\s*([0-9.eE+-]+)$")


def parse_tolerances(specs: Iterable[str]) -> dict[str, Tolerance]:
    """Parse ``metric=abs:0.01,rel:0.05`` items (``*=...`` sets the default) into a metric -> Tolerance map.

    A spec giving only one of ``abs``/``rel`` keeps the default for the other. A ``*`` spec also replaces the
    built-in per-metric defaults (``fisher_p``) unless those metrics are given explicitly.
    """
    parsed: dict[str, dict[str, float]] = {}
    for spec in specs:
        if "=" not in spec:
            raise BenchmarkError(f"bad tolerance {spec!r}: expected METRIC=abs:X,rel:Y (e.g. auprc=abs:0.01,rel:0.05)")
        metric, rhs = (part.strip() for part in spec.split("=", 1))
        if not metric:
            raise BenchmarkError(f"bad tolerance {spec!r}: no metric name before '='")
        values = parsed.setdefault(metric, {})
        for item in rhs.split(","):
            m = _TOL_ITEM.match(item.strip())
            if not m:
                raise BenchmarkError(f"bad tolerance {spec!r}: {item!r} is not abs:X or rel:Y")
            try:
                value = float(m.group(2))
            except ValueError:
                raise BenchmarkError(f"bad tolerance {spec!r}: {m.group(2)!r} is not a number") from None
            if not value >= 0:
                raise BenchmarkError(f"bad tolerance {spec!r}: tolerances must be >= 0")
            values[m.group(1)] = value
    default = DEFAULT_TOLERANCE
    if "*" in parsed:
        default = Tolerance(**{**{"abs": default.abs, "rel": default.rel}, **parsed["*"]})
        out = {"*": default}
    else:
        out = dict(DEFAULT_TOLERANCES)
    for metric, values in parsed.items():
        if metric == "*":
            continue
        base = out.get(metric, default)
        out[metric] = Tolerance(**{**{"abs": base.abs, "rel": base.rel}, **values})
    return out


def _key(run: dict) -> tuple:
    return (run["method"], run["truth"], run.get("dataset"), run.get("celltype"))


def _key_str(key: tuple) -> str:
    method, truth, dataset, celltype = key
    s = f"{method} / {truth} / {dataset}"
    return s if celltype is None else f"{s} / {celltype}"


@dataclass
class Row:
    run: str
    metric: str
    baseline: Any
    now: Any
    delta: float | None
    tolerance: str
    status: str

    @property
    def failed(self) -> bool:
        return self.status in FAILING


@dataclass
class CheckResult:
    rows: list[Row]
    n_runs: int
    n_new_runs: int
    n_compared: int = 0  # metrics compared (all but those NaN in the baseline)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.failed]


def _as_float(v: Any) -> float:
    v = decode_value(v)
    return float(v) if isinstance(v, (int, float)) else math.nan


def _compare_metric(metric: str, base: Any, now: Any, tol: Tolerance) -> tuple[float | None, str, str]:
    if isinstance(base, (str, list)):  # labels (universe) and flags describe the benchmark: they must not change
        return None, "exact", "ok" if base == now else "mismatch"
    kind = direction(metric, base)
    b, n = _as_float(base), _as_float(now)
    if kind == "exact":
        delta = n - b if math.isfinite(b) and math.isfinite(n) else None
        same = (b == n) or (math.isnan(b) and math.isnan(n))
        return delta, "exact", "ok" if same else "mismatch"
    tol_text = str(tol)
    if math.isnan(b):  # an undefined baseline cannot vouch for any number
        return None, tol_text, "ok" if math.isnan(n) else "changed"
    if math.isnan(n):
        return None, tol_text, "regressed" if kind != "both" else "changed"
    if math.isinf(b) or math.isinf(n):
        if b == n:
            return 0.0, tol_text, "ok"
        worse = n < b if kind == "higher" else n > b
        if kind == "both":
            return n - b, tol_text, "changed"
        return n - b, tol_text, "regressed" if worse else "improved"
    delta = n - b
    allowed = tol.allowed(b)
    if kind == "both":
        return delta, tol_text, "changed" if abs(delta) > allowed else "ok"
    fall = -delta if kind == "higher" else delta
    if fall > allowed:
        return delta, tol_text, "regressed"
    if -fall > allowed:
        return delta, tol_text, "improved"
    return delta, tol_text, "ok"


def _params(run: dict) -> dict:
    params = run.get("parameters") or run.get("provenance", {}).get("parameters", {})
    return {k: params.get(k) for k in COMPARED_PARAMETERS if k in params}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _numeric_text(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return isinstance(v, str)


def _value_problem(metric: str, v: Any) -> str | None:
    """Why ``v`` (decoded) cannot be a stored value of ``metric``, or ``None``."""
    if _numeric_text(v):
        return f"the text {v!r}: numbers must be stored as JSON numbers ({v}, not \"{v}\")"
    if direction(metric) != "both" and not _is_number(v):
        return f"{v!r} ({type(v).__name__}), but {metric} is a number"
    if not isinstance(v, (int, float, str, list)):
        return f"{v!r} ({type(v).__name__}): expected a number, text, a boolean or a list"
    return None


def read_runs(path: str | Path, what: str = "results") -> list[dict]:
    """Runs of a results or baseline file, checked for what :func:`compare` needs (else :class:`BenchmarkError`)."""
    runs = read_results(path)
    where = f"{what} {path}"
    if not runs:
        fix = f"create it with `bengrn check RESULTS --baseline {path} --update`" if what == "baseline" else \
            "run `bengrn run --out DIR` first"
        raise BenchmarkError(f"{where} holds no runs, so a check would compare nothing; {fix}")
    seen: set[tuple] = set()
    for run in runs:
        name = _key_str(_key(run))
        if _key(run) in seen:
            raise BenchmarkError(f"{where} has two runs {name}; each (method, truth, dataset, celltype) once")
        seen.add(_key(run))
        if not run["metrics"]:
            raise BenchmarkError(f"{where}: run {name} has no metrics")
        for metric, value in run["metrics"].items():
            problem = _value_problem(metric, value)
            if problem:
                raise BenchmarkError(f"{where}: metric {metric!r} of run {name} is {problem}")
        if what == "baseline" and not any(_is_number(v) and not math.isnan(v) for v in run["metrics"].values()):
            raise BenchmarkError(f"{where}: run {name} has no finite metric, so nothing of it can be compared; "
                                 "refresh the baseline with --update")
    return runs


def _check_tolerances(tolerances: dict[str, Tolerance], baseline: Sequence[dict]) -> None:
    metrics = {m: v for run in baseline for m, v in run["metrics"].items()}
    for metric in sorted(set(tolerances) - {"*"} - set(DEFAULT_TOLERANCES)):
        if metric not in metrics:
            raise BenchmarkError(f"--tolerance names metric {metric!r}, which the baseline does not have; its "
                                 f"metrics: {', '.join(sorted(metrics))}")
        if not _is_number(metrics[metric]) or direction(metric, metrics[metric]) == "exact":
            raise BenchmarkError(f"--tolerance {metric}: {metric} is compared exactly (a count, text or boolean); "
                                 "tolerances apply to non-integer numbers only")


def _compare_values(metric: str, bval: Any, nval: Any, tol: Tolerance, run: str) -> tuple[float | None, str, str]:
    if _is_number(bval) != _is_number(nval):
        raise BenchmarkError(f"metric {metric!r} of run {run} is {bval!r} in the baseline but {nval!r} in the "
                             "results: one is a number, the other is not")
    return _compare_metric(metric, bval, nval, tol)


def compare(
    results: Sequence[dict], baseline: Sequence[dict], tolerances: dict[str, Tolerance] | None = None
) -> CheckResult:
    """Compare result runs to baseline runs metric by metric (see the module docstring for the rules)."""
    tolerances = dict(DEFAULT_TOLERANCES) if tolerances is None else tolerances
    _check_tolerances(tolerances, baseline)
    default = tolerances.get("*", DEFAULT_TOLERANCE)
    now_runs = {_key(r): r for r in results}
    base_keys = {_key(r) for r in baseline}
    rows: list[Row] = []
    n_compared = 0
    for base in baseline:
        key = _key(base)
        name = _key_str(key)
        if key not in now_runs:
            rows.append(Row(name, "*", "present", "absent", None, "", "run missing"))
            continue
        now = now_runs[key]
        bp, np_ = _params(base), _params(now)
        for p in sorted(set(bp) & set(np_)):
            if bp[p] != np_[p]:
                rows.append(Row(name, f"param {p}", bp[p], np_[p], None, "exact", "params differ"))
        for metric, bval in base["metrics"].items():
            if metric not in now["metrics"]:
                rows.append(Row(name, metric, bval, None, None, "", "missing"))
                continue
            nval = now["metrics"][metric]
            delta, tol_text, status = _compare_values(metric, bval, nval, tolerances.get(metric, default), name)
            rows.append(Row(name, metric, decode_value(bval), decode_value(nval), delta, tol_text, status))
            n_compared += not (_is_number(bval) and math.isnan(bval))
        for metric in now["metrics"].keys() - base["metrics"].keys():
            rows.append(Row(name, metric, None, now["metrics"][metric], None, "", "not in baseline"))
    n_new = sum(1 for k in now_runs if k not in base_keys)
    result = CheckResult(rows=rows, n_runs=len(baseline), n_new_runs=n_new, n_compared=n_compared)
    if not result.failed and n_compared == 0:
        raise BenchmarkError("the check compared no metric (every baseline value is NaN); refresh the baseline")
    return result


def make_baseline(results: Sequence[dict], *, source: str | None = None) -> dict:
    """A baseline document: identity, comparable parameters and metrics of every run."""
    runs = []
    for run in results:
        runs.append(
            {
                "method": run["method"],
                "truth": run["truth"],
                "dataset": run.get("dataset"),
                "celltype": run.get("celltype"),
                "parameters": _params(run),
                "metrics": run["metrics"],
            }
        )
    return {
        "bengrn_baseline": 1,
        "created": now(),
        "source": source,
        "runs": runs,
    }


def write_baseline(results: Sequence[dict], path: str | Path, *, source: str | None = None) -> Path:
    """Write :func:`make_baseline` of ``results`` to ``path`` atomically."""
    return atomic_write_json(path, make_baseline(results, source=source))


def read_baseline(path: str | Path) -> list[dict]:
    """Runs of a baseline file (a results.json is accepted too), checked with :func:`read_runs`."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkError(
            f"baseline {path} not found; create it with `bengrn check RESULTS --baseline {path} --update`"
        )
    return read_runs(path, "baseline")
