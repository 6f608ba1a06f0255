"""Method options: one declaration per option (name, type, default, range or choices, help, whether it changes results).

A declaration checks a value once, at the edge, and returns the value the method will use (and the provenance
records): ``Option("n_trees", 100, "trees per target", kinds=("int",), low=1).validate("genie3", 2.5)`` raises an
error naming the method, the option, the value and what is expected. Booleans are never numbers (``true`` is not an
integer), integral floats (``2.0``) are accepted as integers, other floats are not, strings are never parsed.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grnndata._json import to_jsonable

from ..errors import BenchmarkError, UnknownNameError

__all__ = ["Option", "OptionValueError", "UnknownOptionError", "as_options", "check_names"]

_KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
               "genes": "a list of gene symbols", "object": "an object (see help)"}


class OptionValueError(BenchmarkError, TypeError):
    """An option value of the wrong type or out of range; the message names the method, the option and the fix."""


class UnknownOptionError(UnknownNameError, TypeError):
    """An option the method does not declare; the message lists the valid options."""

    def __init__(self, method: str, names: Sequence[str], valid: Sequence[str]):
        super().__init__("option", names, valid)
        self.args = (f"method {method!r} got unknown option(s) {', '.join(map(repr, self.names))}; "
                     f"valid options: {', '.join(self.valid) or '(none)'}",)


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps True and 1 apart (a bool option value is not an integer choice and vice versa)."""
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Option:
    """Declaration of one method option.

    Parameters
    ----------
    name, default, help
        The option's keyword, default value and one-line description.
    kinds
        Accepted value types among ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"genes"`` (a list of symbols) and
        ``"object"`` (anything, e.g. a ``distributed.Client``).
    choices
        Literal values accepted besides ``kinds`` (e.g. ``"sqrt"`` for ``max_features``, ``"auto"``).
    low, high, low_open
        Range of numeric values: ``low <= v <= high`` (``low < v`` when ``low_open``); ``None`` = unbounded.
    nullable
        ``None`` is a valid value (always true when the default is ``None``).
    changes_result
        Whether the value changes the network (``n_jobs``, ``progress``, ``scheduler`` do not); the runner
        fingerprints only the options that do.
    check
        Extra rule: returns an error text for a value that passed the type and range checks, or ``None``.
    """

    name: str
    default: Any
    help: str
    kinds: tuple[str, ...] = ()
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    nullable: bool = False
    changes_result: bool = True
    check: Callable[[Any], str | None] | None = None

    def expected(self) -> str:
        """What a valid value looks like, in words (used in error messages and docs)."""
        parts = [] if not self.choices else [repr(self.choices[0])] if len(self.choices) == 1 else [
            f"one of {', '.join(map(repr, self.choices))}"]
        for kind in self.kinds:
            word = _KIND_WORDS[kind]
            if kind in ("int", "float") and (self.low is not None or self.high is not None):
                word += " " + self.range_text()
            parts.append(word)
        if self.nullable or self.default is None:
            parts.append("None")
        return " or ".join(parts)

    def range_text(self) -> str:
        """``>= 1``, ``in (0, 1]``... or an empty string."""
        if self.low is not None and self.high is not None:
            return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"<= {self.high:g}"
        return ""

    def _in_range(self, v: float) -> bool:
        if self.low is not None and (v <= self.low if self.low_open else v < self.low):
            return False
        return self.high is None or v <= self.high

    def _convert(self, value: Any) -> tuple[bool, Any]:
        """``(True, converted)`` when ``value`` has one of the declared kinds, else ``(False, None)``."""
        kinds = self.kinds
        if isinstance(value, (bool, np.bool_)):
            return ("bool" in kinds, bool(value))  # a boolean is never a number
        if "int" in kinds and isinstance(value, numbers.Integral):
            return True, int(value)
        if "int" in kinds and "float" not in kinds and isinstance(value, numbers.Real) \
                and float(value).is_integer():
            return True, int(value)  # 2.0 from a JSON file means 2; 2.5 does not
        if "float" in kinds and isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
            return math.isfinite(float(value)), float(value)
        if "float" in kinds and isinstance(value, numbers.Integral):
            return True, float(value)
        if "str" in kinds and isinstance(value, str):
            return True, value
        if "genes" in kinds and not isinstance(value, (str, bytes, Mapping)) and isinstance(value, Sequence | set) \
                and all(isinstance(g, str) for g in value):
            return True, [str(g) for g in value]
        if "object" in kinds:
            return True, value
        return False, None

    def validate(self, method: str, value: Any) -> Any:
        """The value ``method`` will use for this option, or an :class:`OptionValueError` saying what is expected."""
        if value is None:
            if self.nullable or self.default is None:
                return None
        elif any(_same(value, c) for c in self.choices):
            return value
        else:
            ok, converted = self._convert(value)
            if ok and isinstance(converted, (int, float)) and not isinstance(converted, bool) \
                    and not self._in_range(converted):
                ok = False
            problem = self.check(converted) if ok and self.check is not None else None
            if ok and problem is None:
                return converted
            if problem:
                raise OptionValueError(f"method {method!r}: option {self.name}={value!r} is invalid: {problem}")
        raise OptionValueError(
            f"method {method!r}: option {self.name}={value!r} is invalid ({type(value).__name__}); expected "
            f"{self.expected()} ({self.help}); e.g. --method-option {method}:{self.name}={_example(self)}"
        )

    def describe(self) -> dict[str, Any]:
        """JSON-safe summary of the declaration (``bengrn methods NAME``, docs/methods.md)."""
        return {"name": self.name, "default": to_jsonable(self.default) if _plain(self.default) else repr(self.default),
                "expected": self.expected(), "help": self.help, "changes_result": self.changes_result}


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, list, tuple))


def _example(option: Option) -> str:
    if option.default is not None and _plain(option.default):
        return str(to_jsonable(option.default)).replace(" ", "")
    return "VALUE"


def _inferred(name: str, default: Any) -> Option:
    """A declaration from a plugin's plain ``{name: default}`` mapping: the default's type is the option's type."""
    kinds = {bool: ("bool",), int: ("int",), float: ("float",), str: ("str",)}.get(type(default), ("object",))
    return Option(name, default, f"option {name}", kinds=kinds)


def as_options(options: Sequence[Option] | Mapping[str, Any] | None) -> dict[str, Option]:
    """Declarations by name from a list of :class:`Option` or a plain ``{name: default}`` mapping."""
    if options is None:
        return {}
    if isinstance(options, Mapping):
        decls = [v if isinstance(v, Option) else _inferred(k, v) for k, v in options.items()]
    else:
        decls = list(options)
    bad = [o for o in decls if not isinstance(o, Option)]
    if bad:
        raise TypeError(f"options must be Option declarations or a {{name: default}} mapping, got {bad[0]!r}")
    out = {o.name: o for o in decls}
    if len(out) != len(decls):
        raise ValueError(f"duplicate option names in {[o.name for o in decls]}")
    return out


def check_names(method: str, options: Mapping[str, Any], declared: Mapping[str, Option]) -> None:
    """Refuse options ``method`` does not declare (``seed`` is passed separately and never an option)."""
    bad = sorted(set(options) - set(declared))
    if bad:
        raise UnknownOptionError(method, bad, [k for k in declared if k != "seed"])
