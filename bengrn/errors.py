"""User-facing errors of bengrn and the exit codes of the ``bengrn`` command.

Exit codes (docs/cli.md): 0 ok, 1 regression found by ``bengrn check``, 2 bad input or usage, 3 internal error (the
traceback goes to a log file named in the message). Every error a user can cause is a :class:`BenchmarkError` (or a
subclass) whose message names the object, the problem and the fix; the CLI turns it into exit 2.
"""
from __future__ import annotations

from typing import Iterable

from grnndata._odeps import MissingDependencyError

__all__ = ["BenchmarkError", "UnknownNameError", "MissingDependencyError", "EXIT_OK", "EXIT_REGRESSION",
           "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class BenchmarkError(ValueError):
    """A problem with the user's input (unknown name, unusable data, no gene overlap...); the message says the fix."""


class UnknownNameError(BenchmarkError, KeyError):
    """``unknown <kind> 'x'; valid: a, b, c`` - formatted once, here."""

    def __init__(self, kind: str, names: str | Iterable[str], valid: Iterable[str], hint: str = ""):
        names = [names] if isinstance(names, str) else list(names)
        self.kind, self.names, self.valid = kind, names, list(valid)
        plural = "s" if len(names) > 1 else ""
        message = f"unknown {kind}{plural} {', '.join(map(repr, names))}; valid: {', '.join(self.valid) or '(none)'}"
        super().__init__(message + (f"; {hint}" if hint else ""))

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])
