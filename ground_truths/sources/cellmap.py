"""U2OS Cell Map protein interaction network (``cellmap``), Schaffer et al. 2025 (Nature 642:222).

Upstream: NDEx network uuid ``f693137a-d2d7-11ef-8e41-005056ae3c32``, served as CX2 by the NDEx v3 REST API
(https://www.ndexbio.org/v3/networks/f693137a-d2d7-11ef-8e41-005056ae3c32). NDEx networks can be edited, so there is
no pinned checksum: the downloaded bytes are hashed on first use and key the cache, and the network's
``version`` attribute (if any) is recorded. Mirror path: ``truths/cellmap/cellmap.cx2``.

CX2 format (parsed with the stdlib ``json`` module, no ndex2 needed): a JSON list of aspect objects, e.g.
``{"CXVersion": "2.0", "hasFragments": false}``, ``{"metaData": [...]}``,
``{"attributeDeclarations": [{"nodes": {"name": {"d": "string", "a": "n", "v": ""}}, "edges": {...}}]}``,
``{"networkAttributes": [{"name": ..., "version": ...}]}``, ``{"nodes": [{"id": 0, "v": {"name": "TP53"}}]}``,
``{"edges": [{"id": 0, "s": 0, "t": 1, "v": {...}}]}``, ``{"status": [{"success": true}]}``. Attribute aliases
(``"a"``) and declared defaults (``"v"``) are honoured; an aspect may appear in several fragments.

Rules: node label = attribute ``node_attribute`` (default ``"name"``; gene symbols); edges are undirected
protein interactions -> expanded to both directions (``attrs["directed"]=False``, ``attrs["expanded"]=True``);
an optional numeric edge attribute (``weight_attribute``) becomes the weight; nodes whose label is not a gene
(e.g. assembly ids) are dropped by the ids rule and counted.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .._store import Resource
from ..protocols import CELLS
from ..registry import TruthSpec, register

UUID = "f693137a-d2d7-11ef-8e41-005056ae3c32"
RESOURCE = Resource(
    key="cellmap",
    url=f"https://www.ndexbio.org/v3/networks/{UUID}",
    checksum=None,
    local_path="truths/cellmap/cellmap.cx2",
    note="NDEx network (editable upstream: checksum recorded at first download).",
)


def _aspects(doc: Any) -> dict[str, list]:
    if not isinstance(doc, list):
        raise ValueError("not a CX2 document: expected a JSON list of aspect objects")
    merged: dict[str, list] = {}
    for fragment in doc:
        if not isinstance(fragment, dict):
            raise ValueError("not a CX2 document: aspect entries must be JSON objects")
        for key, value in fragment.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged.setdefault(key, []).append(value)
    if "nodes" not in merged:
        raise ValueError("CX2 document has no 'nodes' aspect")
    return merged


def _declarations(aspects: dict[str, list], kind: str) -> dict[str, tuple[str, Any]]:
    """attribute name -> (key used in 'v', default value)."""
    out: dict[str, tuple[str, Any]] = {}
    for decl in aspects.get("attributeDeclarations", []):
        for name, spec in (decl.get(kind) or {}).items():
            out[name] = (spec.get("a", name), spec.get("v"))
    return out


def _value(element: dict, name: str, decls: dict[str, tuple[str, Any]]) -> Any:
    key, default = decls.get(name, (name, None))
    values = element.get("v") or {}
    return values.get(key, values.get(name, default))


def parse_cx2(path: Path, node_attribute: str = "name", weight_attribute: str | None = None) -> tuple[pd.DataFrame, dict]:
    """CX2 JSON -> raw undirected edges (one row per CX2 edge) and network attributes."""
    with open(path) as handle:
        aspects = _aspects(json.load(handle))
    node_decls = _declarations(aspects, "nodes")
    edge_decls = _declarations(aspects, "edges")
    labels = {node["id"]: _value(node, node_attribute, node_decls) for node in aspects["nodes"]}
    if all(v is None for v in labels.values()):
        raise KeyError(f"no node carries attribute {node_attribute!r}; pass node_attribute=<one of "
                       f"{sorted(node_decls) or 'the node attribute names'}>")
    edges = aspects.get("edges", [])
    raw = pd.DataFrame({
        "source": [labels.get(e["s"]) for e in edges],
        "target": [labels.get(e["t"]) for e in edges],
    }, dtype=object)
    if weight_attribute:
        raw["weight"] = pd.to_numeric(pd.Series([_value(e, weight_attribute, edge_decls) for e in edges]),
                                      errors="coerce").to_numpy()
    network = {}
    for attrs in aspects.get("networkAttributes", []):
        network.update({k: v for k, v in attrs.items() if isinstance(v, (str, int, float, bool))})
    return raw, network


def build(paths: dict[str, Path], node_attribute: str, weight_attribute: str | None) -> tuple[pd.DataFrame, dict]:
    raw, network = parse_cx2(paths[RESOURCE.key], node_attribute, weight_attribute)
    raw["evidence"] = "cellmap"
    return raw, {"ndex_uuid": UUID, "network_name": network.get("name"), "network_version": network.get("version")}


register(TruthSpec(
    name="cellmap",
    description="U2OS Cell Map protein interactions (NDEx, undirected, expanded to both directions)",
    url=RESOURCE.url,
    version=f"NDEx {UUID}",
    organism="human",
    directed=False,
    resources=lambda o: [RESOURCE],
    build=build,
    defaults={"node_attribute": "name", "weight_attribute": None},
    citation="Schaffer LV et al. (2025) Nature 642:222",
    protocol="interaction",
    context=CELLS["U2OS"],
))
