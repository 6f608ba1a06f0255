"""The ``bengrn`` command line: ``run``, ``score``, ``methods``, ``truths list|info|fetch|import``, ``compare``,
``check``.

:mod:`bengrn.cli.app` holds the application, error handling and logging; one module per command group registers its
commands on it. Only the CLI imports rich and draws progress bars. See ``docs/cli.md``.
"""
from __future__ import annotations

from bengrn.cli import check, compare, methods, run, score, truths  # noqa: F401  (each module registers its commands)
from bengrn.cli.app import app, main
from bengrn.cli.run import parse_method_options

__all__ = ["app", "main", "parse_method_options"]
