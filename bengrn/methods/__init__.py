"""Network inference methods: ``available()``, ``infer(name, adata)``, ``describe(name)``, ``info(name)``, ``register``.

Every method takes an AnnData (cells x genes, raw counts in ``.X``, dense or sparse, ``var_names`` = gene symbols) and
returns a :class:`grnndata.GRnnData` over the same genes in the same order, network key ``"GRN"``, with
``network[i, j]`` scoring regulator i -> target j (rows = regulators). Methods normalise the counts themselves
(per cell to 1e4, then ``log1p``). Option ``normalize`` (all but ``random``): ``"auto"`` (default) normalises only
when ``.X`` holds non-negative integers and otherwise uses ``.X`` as already normalised (e.g. BEELINE THP1);
``True`` forces it, ``False`` skips it.

Layout: :mod:`.registry` (the registry, plugins of the entry-point group ``bengrn.methods``), :mod:`.options`
(option declarations and their validation), :mod:`.data` (input check, expression matrix, TF masks, output),
:mod:`.builtins` (the built-in methods).

>>> from bengrn import methods
>>> net = methods.infer("correlation", adata)            # doctest: +SKIP
>>> net = methods.infer("genie3", adata, seed=1, n_trees=100, scheduler="tcp://10.0.0.1:8786")  # doctest: +SKIP
"""
from __future__ import annotations

from ..errors import UnknownNameError
from . import builtins  # noqa: F401  (registers the built-in methods)
from .options import Option, OptionValueError, UnknownOptionError
from .registry import ENTRY_POINT_GROUP, available, describe, info, infer, load_plugins, register, validate_options

#: Kept for code written against the single-module registry: an unknown method name.
UnknownMethodError = UnknownNameError

__all__ = ["available", "infer", "describe", "info", "register", "validate_options", "load_plugins", "Option",
           "OptionValueError", "UnknownOptionError", "UnknownMethodError", "ENTRY_POINT_GROUP"]
