"""Registry of named truths: :class:`TruthSpec`, :func:`register` and name lookup.

Each source module registers a :class:`TruthSpec`: which upstream files it needs (:class:`~ground_truths._store.Resource`),
a ``build`` function turning those files into a raw edge table, default options, organism and directedness, and the
truth's evaluation protocol and context. :mod:`ground_truths.loader` loads, caches and describes them;
:mod:`ground_truths.userfile` adds the user's own files.

Names are case-insensitive everywhere: :func:`truth_key` (stripped, lower-cased) is the one key used to register,
store, look up and print a truth.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ._store import Resource

__all__ = ["TruthSpec", "TruthNames", "register", "truth_key", "builtin_names", "is_builtin", "get_spec", "merge_options"]


@dataclass
class TruthSpec:
    """Description of one named truth.

    ``build(paths, **options)`` receives ``{resource.key: Path}`` and the merged options and returns a raw edge table
    (columns ``source``, ``target`` and optional ``weight``, ``sign``, ``evidence``), optionally with a dict of extra
    attrs as a second element: a ``"protocol"`` entry there (``{"regulators": ids, "targets": ids}``, raw ids read
    from the upstream files) gives the assayed regulators / measured targets of :attr:`protocol`.
    ``resources(options)`` returns the list of needed files.
    """

    name: str
    description: str
    url: str
    version: str
    organism: str | Callable[[dict], str]
    directed: bool
    resources: Callable[[dict], list[Resource]]
    build: Callable[..., Any]
    defaults: dict = field(default_factory=dict)
    recipe_version: str = "1"
    citation: str = ""
    notes: str = ""
    #: evaluation protocol name (:data:`ground_truths.protocols.PROTOCOLS`); "literature" when nothing is assayed
    protocol: str = "literature"
    #: where the evidence was measured: ``{"cell_line": ..., "cell_type": ...}`` (organism comes from ``organism``)
    context: dict = field(default_factory=lambda: {"cell_line": None, "cell_type": None})
    #: files that define the protocol only (universe lists); resolved and checksummed like ``resources`` but
    #: reported as ``attrs["protocol_checksums"]``, not as upstream data
    protocol_resources: Callable[[dict], list[Resource]] = lambda options: []

    def organism_for(self, options: dict) -> str:
        return self.organism(options) if callable(self.organism) else self.organism


_REGISTRY: dict[str, TruthSpec] = {}


class TruthNames(list):
    """A list of truth names whose ``in`` ignores case (``"MyNet" in available()`` when ``mynet`` is imported)."""

    def __contains__(self, name: object) -> bool:
        return list.__contains__(self, truth_key(name))


def truth_key(name: Any) -> str:
    """The one key of a truth name: stripped and lower-cased (``MyNet`` and ``mynet`` are the same truth)."""
    return str(name).strip().lower()


def register(spec: TruthSpec) -> TruthSpec:
    spec.name = truth_key(spec.name)
    _REGISTRY[spec.name] = spec
    return spec


def builtin_names() -> list[str]:
    return sorted(_REGISTRY)


def is_builtin(name: Any) -> bool:
    return truth_key(name) in _REGISTRY


def get_spec(name: Any) -> TruthSpec:
    """The spec of a built-in truth (``KeyError`` naming the built-in truths otherwise)."""
    key = truth_key(name)
    if key not in _REGISTRY:
        raise KeyError(f"unknown truth {name!r}; built-in truths: {', '.join(builtin_names())}")
    return _REGISTRY[key]


def merge_options(spec: TruthSpec, options: dict) -> dict:
    unknown = set(options) - set(spec.defaults)
    if unknown:
        allowed = ", ".join(sorted(spec.defaults)) or "none"
        raise TypeError(f"truth {spec.name!r} got unknown option(s) {sorted(unknown)}; allowed: {allowed}")
    return {**spec.defaults, **options}
