"""What a benchmark checks and decides before any data is loaded: names, method info and optional dependencies, the
options each method gets, and whether the data must hold raw counts.
"""
from __future__ import annotations

import logging
from typing import Any

import ground_truths
from bengrn import methods
from bengrn.errors import BenchmarkError, UnknownNameError
from bengrn.prepare import PreparedData
from grnndata._odeps import has_module, missing_dependency

logger = logging.getLogger(__name__)

__all__ = ["validate_names", "method_infos", "resolve_method_options", "check_counts"]


def validate_names(method_names: list[str], truth_names: list[str]) -> None:
    """Raise :class:`UnknownNameError` for a method or truth that does not exist (valid names listed)."""
    bad = [m for m in method_names if m not in methods.available()]
    if bad:
        raise UnknownNameError("method", bad, methods.available())
    bad = [t for t in truth_names if t not in ground_truths.available()]
    if bad:
        raise UnknownNameError("truth", bad, ground_truths.available())


def _check_dependencies(method: str, minfo: dict, scheduler: str | None) -> None:
    if minfo["needs_torch"] and not has_module("torch"):
        raise missing_dependency("torch", f"method {method!r}")
    if scheduler and "scheduler" in minfo["options"] and not has_module("distributed"):
        raise missing_dependency("distributed", "--scheduler")


def method_infos(method_names: list[str], truth_names: list[str], *, scheduler: str | None = None,
                 heads: str = "mean") -> dict[str, dict]:
    """Check names and optional dependencies; returns ``bengrn.methods.info`` per method."""
    validate_names(method_names, truth_names)
    if heads == "select" and "scprint" not in method_names:
        logger.warning("--heads select only applies to scprint, which is not in the methods")
    minfos = {m: methods.info(m) for m in method_names}
    for m, minfo in minfos.items():
        _check_dependencies(m, minfo, scheduler)
    return minfos


def resolve_method_options(method: str, minfo: dict, *, organism: str, scheduler: str | None,
                           user_options: dict[str, Any]) -> dict[str, Any]:
    """Options passed to ``bengrn.methods.infer``: organism and scheduler where the method has them, then the user's."""
    accepted = minfo["options"]
    opts: dict[str, Any] = {}
    if "organism" in accepted:
        opts["organism"] = organism
    if scheduler and "scheduler" in accepted:
        opts["scheduler"] = scheduler
    if method == "scprint":
        # heads="select" is a scoring protocol: inference always stores the mean and the per-head stack.
        opts["heads"] = "mean"
    opts.update(user_options)
    return opts


def check_counts(prep: PreparedData, minfos: dict[str, dict], method_options: dict[str, dict]) -> None:
    """Refuse data without raw counts for a method that needs them (unless told the data is normalised)."""
    for m, minfo in minfos.items():
        if minfo["needs_counts"] and not prep.counts and method_options.get(m, {}).get("normalize", True):
            hint = (f" or, if .X is already log-normalised, pass --method-option {m}:normalize=false"
                    if "normalize" in minfo["options"] else "")
            raise BenchmarkError(
                f"dataset {prep.dataset!r} has no raw counts: .X holds non-integer or negative values and there "
                f"is no integer layers['counts']; method {m!r} needs raw counts. Provide counts in .X "
                f"(or layers['counts']){hint}"
            )
