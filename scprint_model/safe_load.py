"""Reading untrusted checkpoint files: ``torch.load(weights_only=True)`` with an explicit allowlist, never pickle.

A Lightning checkpoint is a pickle of tensors and plain containers plus whatever the training code put in its
hyper-parameters. The allowlist admits only data types seen there: numpy scalars, arrays and dtypes (gene names as
``numpy.str_``, positions as numpy integers), ``pathlib`` paths (a gene-embedding file name), and Lightning's
``AttributeDict`` (read back as a plain dict, so no Lightning code is ever imported or run). Anything else (a
function, another class) refuses the whole file with a :class:`CheckpointError` naming it.
"""
from __future__ import annotations

import pathlib
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import torch


class CheckpointError(ValueError):
    """A checkpoint file cannot be used: unreadable, truncated, unsafe, or not the expected layout."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint file does not exist."""


class _AttributeDict(dict):
    """Stand-in for Lightning's ``AttributeDict``: unpickles as a plain dict (a dict subclass cannot be filled)."""

    def __new__(cls, *args, **kwargs):
        return {}


_MULTIARRAY = (np._core if hasattr(np, "_core") else np.core).multiarray  # numpy 2 renamed core -> _core
_NUMPY = [_MULTIARRAY.scalar, _MULTIARRAY._reconstruct, np.ndarray, np.dtype]
_NUMPY_DTYPES = [getattr(np.dtypes, name) for name in dir(getattr(np, "dtypes", None)) if name.endswith("DType")]
_OTHER_NUMPY = "numpy.core" if hasattr(np, "_core") else "numpy._core"
_RENAMED = [  # the same callables under the module path the other numpy major version pickles them with
    (_MULTIARRAY.scalar, f"{_OTHER_NUMPY}.multiarray.scalar"),
    (_MULTIARRAY._reconstruct, f"{_OTHER_NUMPY}.multiarray._reconstruct"),
] + [(_AttributeDict, f"{mod}.AttributeDict") for mod in (
    "lightning.fabric.utilities.data", "lightning_fabric.utilities.data", "lightning.pytorch.utilities.parsing",
    "pytorch_lightning.utilities.parsing")]
SAFE_GLOBALS = [*_NUMPY, *_NUMPY_DTYPES, pathlib.PosixPath, pathlib.WindowsPath, pathlib.PurePosixPath,
                pathlib.PureWindowsPath, *_RENAMED]


def load_untrusted(path: str | Path, *, map_location: str = "cpu", fix: str = "") -> object:
    """``torch.load(path, weights_only=True)`` under :data:`SAFE_GLOBALS`; every failure is a :class:`CheckpointError`.

    ``fix`` is appended to the messages of unreadable files (e.g. how to download the file again).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointNotFoundError(f"checkpoint not found: {path} (not a file){fix}")
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL ([\w.]+)|got <class '([\w.]+)'>", str(exc))
        if found:
            name = found.group(1) or found.group(2)
            raise CheckpointError(
                f"{path} holds the Python object {name!r}, which is not in scprint_model's allowlist of data types; "
                "refusing to unpickle it (downloaded checkpoints are untrusted). If you made this file yourself, "
                "re-save it with only tensors, numbers, strings, lists and dicts.") from None
        raise _unreadable(path, exc, fix) from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise _unreadable(path, exc, fix) from None


def _unreadable(path: Path, exc: Exception, fix: str) -> CheckpointError:
    size = path.stat().st_size if path.exists() else 0
    return CheckpointError(f"cannot read checkpoint {path} ({size:,} bytes): it is truncated or not a PyTorch "
                           f"checkpoint ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}){fix}")
