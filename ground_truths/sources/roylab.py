"""Roy-lab mESC gold standards (``roylab-mesc``), the precursors of McCalla's mESC networks.

Upstream: GitHub Roy-lab/MERLIN-P-TFA commit a3edcdefb446594ff563ed316bd91abecd6475b5 (2020-09-03),
``mesc/gold/<file>.txt.gz`` (Siahpirani AF & Roy S (2017) "A prior-based integrative framework for functional
transcriptional regulatory network inference", Nucleic Acids Res 45:e21), mirrored under ``truths/roylab_mesc/``,
md5 pinned per file (see ../shared/data/truths/roylab_mesc/PROVENANCE.txt).

Format: headerless gzip TSV ``TF<TAB>target``, MGI mouse symbols.

Options: ``variant`` = ``chip_bothko`` (default: ChIP AND both-knock-out, the intersection McCalla's ``chip_kd``
descends from), ``chip``, ``bothko``, ``lit``; ``universe`` = ``rnaseq`` (default) or ``array``: the gold standard
restricted by its authors to the genes measured on that platform.

Protocol ``roylab`` (as Siahpirani & Roy evaluate them): the regulators of the chosen gold standard (every TF with
ChIP or knock-out data in it) x the genes measured on the platform; the platform's gene list is not published beside
the files, so ``targets`` is every gene of the scored network. Context: embryonic stem cell.
"""
from __future__ import annotations

from pathlib import Path

from .._store import Resource
from ..protocols import CELLS
from ..registry import TruthSpec, register
from .mccalla import read_pairs

COMMIT = "a3edcdefb446594ff563ed316bd91abecd6475b5"
RAW = f"https://raw.githubusercontent.com/Roy-lab/MERLIN-P-TFA/{COMMIT}/mesc/gold"
# (variant, universe) -> md5 of mESC_<stem>_<universe>.txt.gz
STEMS = {"chip_bothko": "chip.bothko", "chip": "chip", "bothko": "bothko", "lit": "lit"}
MD5 = {
    ("bothko", "array"): "03cf7c57e88677554055c1ffacb3866c", ("bothko", "rnaseq"): "4d0a0d32e3e8f3f159b0eadbeebd78ec",
    ("chip_bothko", "array"): "bf37ba7eaf2df18d174f5d3454207f46",
    ("chip_bothko", "rnaseq"): "85284bd9f86402ff4d6fd28cd57bb62e",
    ("chip", "array"): "6cdc4bfb44cd4cb6fc62dc3dd3a1ac43", ("chip", "rnaseq"): "5f49f7712eb8a1a99fcdd9ca8b6013bd",
    ("lit", "array"): "c104b7189e1b1d247a0866f687f29a13", ("lit", "rnaseq"): "27a52e46ef7fd8ac8860a989ddcf7403",
}


def _resource(variant: str, universe: str) -> Resource:
    if (variant, universe) not in MD5:
        raise ValueError(f"roylab-mesc has no variant {variant!r} / universe {universe!r}; variants "
                         f"{sorted(STEMS)}, universes ['array', 'rnaseq']")
    fname = f"mESC_{STEMS[variant]}_{universe}.txt.gz"
    return Resource(key=f"roylab-mesc-{variant}-{universe}", url=f"{RAW}/{fname}",
                    checksum=f"md5:{MD5[(variant, universe)]}", local_path=f"truths/roylab_mesc/{fname}")


def build(paths: dict[str, Path], variant: str, universe: str) -> tuple:
    raw = read_pairs(paths[_resource(variant, universe).key])
    raw["evidence"] = f"roylab:{variant}"
    # every TF of the gold standard was assayed (ChIP or knock-out); the platform's genes are not listed
    return raw, {"variant": variant, "universe": universe, "protocol": {"regulators": raw["source"].unique()}}


register(TruthSpec(
    name="roylab-mesc",
    description="Roy-lab mESC gold standard (MERLIN-P+TFA; default ChIP AND both-knock-out, RNA-seq genes)",
    url=f"https://github.com/Roy-lab/MERLIN-P-TFA/tree/{COMMIT}/mesc/gold",
    version=f"MERLIN-P-TFA@{COMMIT[:8]}",
    organism="mouse",
    directed=True,
    resources=lambda o: [_resource(o["variant"], o["universe"])],
    build=build,
    defaults={"variant": "chip_bothko", "universe": "rnaseq"},
    citation="Siahpirani AF, Roy S (2017) Nucleic Acids Res 45:e21",
    protocol="roylab",
    context=CELLS["ESC"],
))
