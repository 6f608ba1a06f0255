"""Published-layout checkpoints that are wrong, incomplete, truncated or unsafe give clear errors; aliases load."""
import copy
import pathlib
import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scprint_model import checkpoint as ckpt  # noqa: E402
from scprint_model.safe_load import CheckpointError, load_untrusted  # noqa: E402

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "scprint_ref" / "tiny_sum.ckpt"


@pytest.fixture(scope="module")
def tiny():
    return load_untrusted(TINY)


def _write(tmp_path, obj, name="x.ckpt"):
    path = tmp_path / name
    torch.save(obj, path)
    return path


def _outputs(ck):
    ids = torch.tensor([[0, 3, 7, 11, 39]])
    x = torch.tensor([[5.0, 0.0, 2.0, 1.0, 9.0]])
    with torch.no_grad():
        out = ck.model(ids, x, torch.tensor([40.0]), return_qk=True)
        return ck.model.decode_expression(out, torch.tensor([40.0]))["mean"], out["qk"][1][0]


def test_wrong_shape_names_the_tensor(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad["state_dict"]["transformer.blocks.1.mlp.fc2.weight"] = torch.zeros(16, 32)
    with pytest.raises(CheckpointError, match=r"wrong tensor shape.*blocks\.1\.ff2\.weight: file \(16, 32\), model "
                                              r"\(16, 64\)"):
        ckpt.load(_write(tmp_path, bad))


def test_hyper_parameters_disagreeing_with_tensors(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad["hyper_parameters"]["nlayers"] = 3
    with pytest.raises(CheckpointError, match="nlayers=3 but the state_dict has 2 transformer blocks"):
        ckpt.load(_write(tmp_path, bad))
    bad = copy.deepcopy(tiny)
    bad["hyper_parameters"]["genes"] = bad["hyper_parameters"]["genes"][:-1]
    with pytest.raises(CheckpointError, match="39 genes in hyper_parameters but 40 gene embeddings"):
        ckpt.load(_write(tmp_path, bad))


def test_missing_key(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    del bad["state_dict"]["transformer.blocks.1.norm2.bias"]
    with pytest.raises(CheckpointError, match=r"lacks 1 tensor.*blocks\.1\.ln2\.bias.*incomplete"):
        ckpt.load(_write(tmp_path, bad))
    bad = copy.deepcopy(tiny)
    del bad["state_dict"]["class_encoder.embedding.weight"]
    with pytest.raises(CheckpointError, match=r"lacks \['cell_tokens'\]"):
        ckpt.load(_write(tmp_path, bad))


def test_unknown_key_is_refused(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad["state_dict"]["transformer.blocks.0.mixer.rotary_emb.inv_freq"] = torch.ones(4)
    with pytest.raises(CheckpointError, match="outside the scPRINT v1 layout.*rotary_emb"):
        ckpt.load(_write(tmp_path, bad))


def test_truncated_file(tmp_path):
    data = TINY.read_bytes()
    for cut in (len(data) // 2, 100):
        path = tmp_path / f"cut{cut}.ckpt"
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=rf"cannot read checkpoint .*cut{cut}\.ckpt \({cut:,} bytes\): "
                                                  "it is truncated or not a PyTorch checkpoint"):
            ckpt.load(path)


def test_missing_file_and_not_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        ckpt.load(tmp_path / "sub" / "nope.ckpt")
    with pytest.raises(CheckpointError, match="not a scprint_model checkpoint .* nor a scPRINT Lightning checkpoint"):
        ckpt.load(_write(tmp_path, {"weights": torch.ones(2)}))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):  # would create a file when unpickled
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_unsafe_objects_are_refused_not_run(tmp_path, tiny):
    marker = tmp_path / "pwned"
    bad = copy.deepcopy(tiny)
    bad["hyper_parameters"]["callback"] = _Evil(str(marker))
    with pytest.raises(CheckpointError, match="not in scprint_model's allowlist.*refusing to unpickle"):
        ckpt.load(_write(tmp_path, bad))
    assert not marker.exists()
    bad = copy.deepcopy(tiny)
    bad["hyper_parameters"]["fn"] = print
    with pytest.raises(CheckpointError, match="holds the Python object 'print'"):
        ckpt.load(_write(tmp_path, bad))


def test_allowlisted_hyper_parameter_types_load(tmp_path, tiny, monkeypatch):
    """Lightning's AttributeDict (read as a dict, Lightning not imported), paths and numpy values are data."""
    names = ["lightning", "lightning.fabric", "lightning.fabric.utilities", "lightning.fabric.utilities.data"]
    for n in names:
        monkeypatch.setitem(sys.modules, n, types.ModuleType(n))

    class AttributeDict(dict):
        pass

    AttributeDict.__module__ = names[-1]
    AttributeDict.__qualname__ = "AttributeDict"
    sys.modules[names[-1]].AttributeDict = AttributeDict
    obj = copy.deepcopy(tiny)
    obj["hyper_parameters"] = AttributeDict(obj["hyper_parameters"])
    obj["hyper_parameters"]["precpt_gene_emb"] = pathlib.PurePosixPath("data/main/gene_embeddings.parquet")
    obj["hyper_parameters"]["nlayers"] = np.int64(2)
    obj["hyper_parameters"]["gene_pos_enc"] = np.asarray(obj["hyper_parameters"]["gene_pos_enc"])
    path = _write(tmp_path, obj)
    for n in names:
        monkeypatch.delitem(sys.modules, n)
    ck = ckpt.load(path)
    ref = ckpt.load(TINY)
    for a, b in zip(_outputs(ck), _outputs(ref)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_older_key_names_load_identically(tmp_path, tiny):
    """``gene_encoder.embedding.weight`` (renamed by scprint's on_load_checkpoint) and a 2-D ``pos_encoder.pe``."""
    old = copy.deepcopy(tiny)
    sd = old["state_dict"]
    sd["gene_encoder.embedding.weight"] = sd.pop("gene_encoder.embeddings.weight")
    sd["pos_encoder.pe"] = sd["pos_encoder.pe"].squeeze(1)
    for a, b in zip(_outputs(ckpt.load(_write(tmp_path, old))), _outputs(ckpt.load(TINY))):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("change, message", [
    ({"genes": {"NCBITaxon:9606": ["ENSG1"]}}, "scPRINT-2 checkpoint"),
    ({"attention": "normal"}, "scPRINT-2 checkpoint"),
    ({"cell_specific_blocks": True}, "separate cell transformer"),
    ({"num_heads_kv": 1}, "grouped-query attention"),
    ({"normalization": "both"}, "normalization='both' is not supported"),
    ({"attn_bias": "bias.npz"}, "attn_bias='bias.npz' is not supported"),
])
def test_unsupported_settings(tmp_path, tiny, change, message):
    bad = copy.deepcopy(tiny)
    bad["hyper_parameters"].update(change)
    with pytest.raises(CheckpointError, match=message):
        ckpt.load(_write(tmp_path, bad))


def test_missing_hyper_parameters_take_the_reference_defaults(tmp_path, tiny):
    """An older checkpoint without ``normalization`` / ``depth_atinput`` reads them as scprint 2.3.8 would."""
    obj = copy.deepcopy(tiny)
    for key in ("normalization", "depth_atinput", "expr_encoder_layers"):
        del obj["hyper_parameters"][key]
    ck = ckpt.load(_write(tmp_path, obj))
    assert ck.info["config"]["normalization"] == "sum" and ck.info["config"]["depth_at_input"] is True
    for a, b in zip(_outputs(ck), _outputs(ckpt.load(TINY))):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
