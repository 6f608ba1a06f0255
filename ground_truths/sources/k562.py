"""K562 truths from the shared data: ``k562-chipseq`` and ``k562-perturb-essential``.

``k562-chipseq``
    CausalBench's biological ground truth for K562 (PyPI ``causalbench==1.1.2``,
    ``causalscbench/data_access/data/K562_ChipSeq.csv``, md5 26f59ab94f04db3f9d48657a3fe69d6e uncompressed; the mirror
    stores it gzipped, ``truths/k562_chipseq/K562_ChipSeq.csv.gz``, md5 17d4785ae9d3dac9977b392fd9224f27).
    Columns: unnamed index, ``target``, ``weight`` (ChIP-Atlas MACS2-like peak score 50-4224), ``source`` (TF).
    892,990 rows, 173 TFs. Option ``min_weight`` (default 0: keep all) filters by peak score. weight kept.

``k562-perturb-essential``
    Replogle et al. 2022 K562 *essential* screen, DESeq2-ranked responding genes per knockdown (GitHub
    montilab/sigrecon commit f4666772, ``data/perturbseq.k562.rda``, converted to
    ``truths/k562_perturbseq_essential/perturbseq_k562_ranked_degs.tsv.gz``, md5 cbd3e8e8...). Columns ``knockdown``,
    ``gene``, ``rank`` (1..1000), ``in_top_set``. Default: edges knockdown -> gene where ``in_top_set`` (the
    "top set", 5-97 genes per KD); option ``top_n=k`` instead keeps ranks <= k. weight = 1 / rank.
    NOT the genome-wide BH < 0.05 network (that is ``gwps``).

Protocols: ``k562-chipseq`` = ``chip`` (the 173 profiled TFs x every gene); ``k562-perturb-essential`` =
``perturbation`` (the 585 knockdowns x the genes ranked for any knockdown: the file lists no other measured genes).
Context: K562 (matched dataset ``k562-controls``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._store import Resource
from ..protocols import CELLS
from ..registry import TruthSpec, register

CHIP = Resource(
    key="k562-chipseq",
    url=None,
    checksum="md5:17d4785ae9d3dac9977b392fd9224f27",
    local_path="truths/k562_chipseq/K562_ChipSeq.csv.gz",
    note="Upstream copy: PyPI causalbench==1.1.2, causalscbench/data_access/data/K562_ChipSeq.csv "
         "(md5 26f59ab94f04db3f9d48657a3fe69d6e), gzipped in the mirror.",
)
ESSENTIAL = Resource(
    key="k562-perturb-essential",
    url=None,
    checksum="md5:cbd3e8e8a23370aa6c128256548fce54",
    local_path="truths/k562_perturbseq_essential/perturbseq_k562_ranked_degs.tsv.gz",
    note="Upstream: GitHub montilab/sigrecon f46667725636e99057bb18a541534e3704546fb9 data/perturbseq.k562.rda.",
)


def build_chip(paths: dict[str, Path], min_weight: float) -> tuple[pd.DataFrame, dict]:
    frame = pd.read_csv(paths[CHIP.key], usecols=["source", "target", "weight"], dtype={"source": str, "target": str})
    profiled = frame["source"].unique()  # every profiled TF, also one left without peaks by min_weight
    if min_weight:
        frame = frame.loc[frame["weight"] >= float(min_weight)]
    return frame.assign(evidence="chip-seq:k562"), {"protocol": {"regulators": profiled}}


def build_essential(paths: dict[str, Path], top_n: int | None) -> tuple[pd.DataFrame, dict]:
    frame = pd.read_csv(paths[ESSENTIAL.key], sep="\t", dtype={"knockdown": str, "gene": str})
    # every knockdown was assayed; the measured genes are those ranked for any knockdown (the file holds no other list)
    protocol = {"regulators": frame["knockdown"].unique(), "targets": frame["gene"].unique()}
    if top_n is None:
        keep = frame["in_top_set"].astype(str).str.lower().isin(["true", "1"])
    else:
        if int(top_n) < 1:
            raise ValueError(f"top_n must be a positive integer, got {top_n!r}")
        keep = frame["rank"] <= int(top_n)
    frame = frame.loc[keep]
    return pd.DataFrame({
        "source": frame["knockdown"].to_numpy(),
        "target": frame["gene"].to_numpy(),
        "weight": 1.0 / frame["rank"].to_numpy(),
        "evidence": "perturb-seq:k562-essential",
    }), {"protocol": protocol}


register(TruthSpec(
    name="k562-chipseq",
    description="K562 ChIP-seq TF -> target (CausalBench biological ground truth)",
    url="https://pypi.org/project/causalbench/1.1.2/",
    version="causalbench 1.1.2",
    organism="human",
    directed=True,
    resources=lambda o: [CHIP],
    build=build_chip,
    defaults={"min_weight": 0},
    citation="Chevalley M et al. (2025) Commun Biol (CausalBench)",
    protocol="chip",
    context=CELLS["K562"],
))
register(TruthSpec(
    name="k562-perturb-essential",
    description="Replogle 2022 K562 essential-screen knockdown -> top responding genes (not genome-wide BH<0.05)",
    url="https://github.com/montilab/sigrecon/tree/f46667725636e99057bb18a541534e3704546fb9/data",
    version="sigrecon@f4666772",
    organism="human",
    directed=True,
    resources=lambda o: [ESSENTIAL],
    build=build_essential,
    defaults={"top_n": None},
    citation="Replogle JM et al. (2022) Cell 185:2559",
    protocol="perturbation",
    context=CELLS["K562"],
))
