"""The registry of inference methods: ``register``, ``available``, ``info``, ``describe``, ``validate_options``, ``infer``.

Built-in methods register themselves in :mod:`.builtins`; installed packages add theirs through the entry-point group
``bengrn.methods`` (see :func:`load_plugins` and docs/methods.md), loaded the first time the registry is consulted.
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable, Mapping, Sequence

from ..errors import UnknownNameError
from .options import Option, as_options, check_names

logger = logging.getLogger(__name__)

__all__ = ["Method", "register", "available", "info", "describe", "validate_options", "infer", "load_plugins",
           "ENTRY_POINT_GROUP"]

#: Entry-point group through which installed packages add methods.
ENTRY_POINT_GROUP = "bengrn.methods"


@dataclass(frozen=True)
class Method:
    """A registered method: its function, the flags the runner needs and its option declarations."""

    name: str
    func: Callable[..., Any]
    needs_counts: bool  # expects raw counts in .X (log-normalises integer counts itself)
    options: dict[str, Option] = field(default_factory=dict)
    needs_tf_list: bool = False  # restricts regulators to a TF list (tf_list= option)
    needs_torch: bool = False  # imports torch (extra "grnsuite[model]")
    stochastic: bool = False  # result depends on seed
    source: str = "builtin"  # "builtin" or the plugin's "distribution version (entry point)"


_REGISTRY: dict[str, Method] = {}
_PLUGINS_LOADED = False
_SOURCE = "builtin"  # set while a plugin's entry point runs, so its methods say where they come from


def register(name: str, func: Callable[..., Any], *, needs_counts: bool,
             options: Sequence[Option] | Mapping[str, Any] | None = None, needs_tf_list: bool = False,
             needs_torch: bool = False, stochastic: bool = False, replace: bool = False) -> Method:
    """Add an inference method to the registry.

    Parameters
    ----------
    name
        The name users pass to ``bengrn run -m NAME`` and :func:`infer`.
    func
        ``func(adata, *, seed, progress, **options) -> grnndata.GRnnData`` over the genes of ``adata`` in the same
        order, network key ``"GRN"``, rows = regulators. It receives validated option values.
    needs_counts
        Whether ``func`` expects raw counts in ``.X`` (the runner then refuses datasets without counts).
    options
        One :class:`~bengrn.methods.options.Option` per option, or a plain ``{name: default}`` mapping (each
        option then takes values of its default's type). ``seed`` and ``progress`` need not be declared.
    needs_tf_list, needs_torch, stochastic
        Flags shown by ``bengrn methods`` and used by the runner.
    replace
        Allow replacing a registered method of the same name (never a built-in one from a plugin).
    """
    if not isinstance(name, str) or not name or any(c.isspace() for c in name) or "," in name:
        raise ValueError(f"method name must be a non-empty string without spaces or commas, got {name!r}")
    if not callable(func):
        raise TypeError(f"func of method {name!r} must be callable, got {type(func).__name__}")
    existing = _REGISTRY.get(name)
    if existing is not None and not replace:
        raise ValueError(f"method {name!r} is already registered ({existing.source}); choose another name")
    if existing is not None and existing.source == "builtin" and _SOURCE != "builtin":
        raise ValueError(f"plugin {_SOURCE} cannot replace the built-in method {name!r}; choose another name")
    declared = {"seed": Option("seed", 0, "seed of every random choice", kinds=("int",), low=0),
                "progress": Option("progress", None, "callback progress(event, info), True (log) or False",
                                   kinds=("bool", "object"), changes_result=False)}
    declared.update(as_options(options))
    method = Method(name, func, bool(needs_counts), declared, bool(needs_tf_list), bool(needs_torch),
                    bool(stochastic), _SOURCE)
    _REGISTRY[name] = method
    return method


def load_plugins() -> None:
    """Load the methods of installed packages (entry-point group ``bengrn.methods``), once.

    Each entry point names a module or a zero-argument function; importing the module (and calling the function)
    registers methods with :func:`register`. A plugin that fails to load is skipped with a warning naming it.
    """
    global _PLUGINS_LOADED, _SOURCE
    if _PLUGINS_LOADED:
        return
    _PLUGINS_LOADED = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        _SOURCE = f"{dist.name} {dist.version} ({ep.name})" if dist is not None else f"plugin {ep.value}"
        try:
            obj = ep.load()
            if callable(obj) and not inspect.ismodule(obj):
                obj()
        except Exception as exc:  # a broken plugin must not break the suite; say which one and why
            logger.warning("skipping bengrn.methods plugin %r (%s): %s: %s", ep.name, ep.value,
                           type(exc).__name__, exc)
        finally:
            _SOURCE = "builtin"


def _get(name: str) -> Method:
    load_plugins()
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UnknownNameError("method", str(name), available())
    return _REGISTRY[name]


def available() -> list[str]:
    """Names of the registered methods (built-in and plugins), sorted."""
    load_plugins()
    return sorted(_REGISTRY)


def describe(name: str) -> str:
    """The documentation of method ``name`` (its docstring, options included)."""
    return inspect.cleandoc(_get(name).func.__doc__ or name)


def info(name: str) -> dict[str, Any]:
    """Flags the runner needs: ``needs_counts``, ``needs_tf_list``, ``needs_torch``, ``stochastic``, ``options``.

    ``options`` maps each option to its default (``repr`` of non-JSON defaults); ``option_specs`` lists every
    declaration (expected values, help, whether it changes results); ``summary`` is the first doc line; ``source``
    says whether the method is built in or which installed package provides it.
    """
    m = _get(name)
    specs = [o.describe() for o in m.options.values()]
    return {
        "name": m.name,
        "summary": describe(name).splitlines()[0],
        "needs_counts": m.needs_counts,
        "needs_tf_list": m.needs_tf_list,
        "needs_torch": m.needs_torch,
        "stochastic": m.stochastic,
        "source": m.source,
        "options": {s["name"]: s["default"] for s in specs},
        "option_specs": specs,
    }


def validate_options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options ``method`` will run with, checked by name, type and range before any data is loaded.

    Raises :class:`~bengrn.methods.options.UnknownOptionError` (a ``TypeError``) for an undeclared option and
    :class:`~bengrn.methods.options.OptionValueError` for a value of the wrong type or out of range, both naming the
    method and the option. Returns the validated values (the ones to record in provenance).
    """
    m = _get(name)
    check_names(name, options, m.options)
    return {k: m.options[k].validate(name, v) for k, v in options.items()}


def infer(name: str, adata, *, seed: int = 0, progress=None, **options):
    """Run method ``name`` on ``adata`` (cells x genes, raw counts) and return a GRnnData (key ``"GRN"``).

    Parameters
    ----------
    name
        One of :func:`available`.
    adata
        AnnData with cells as rows and gene symbols as ``var_names``.
    seed
        Seed of every random choice the method makes.
    progress
        Callback ``progress(event, info)`` (``info`` holds ``done`` / ``total``), ``True`` to log progress, or
        ``None`` / ``False``.
    **options
        Method options (see :func:`describe` and :func:`info`), validated with :func:`validate_options`.
    """
    m = _get(name)
    values = validate_options(name, {"seed": seed, **options})
    if progress is not None:
        values["progress"] = m.options["progress"].validate(name, progress)
    return m.func(adata, **values)
