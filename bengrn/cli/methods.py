"""``bengrn methods [NAME]``: the inference methods of the registry."""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from bengrn import methods as registry
from bengrn.cli.app import app, console, user_errors
from bengrn.errors import UnknownNameError

__all__ = ["methods_cmd"]


@app.command("methods")
@user_errors
def methods_cmd(name: Optional[str] = typer.Argument(None, help="Show one method's documentation.")) -> None:
    """List the inference methods, or describe one."""
    stdout = console()
    if name:
        if name not in registry.available():
            raise UnknownNameError("method", name, registry.available())
        stdout.print(registry.describe(name))
        stdout.print_json(json.dumps(registry.info(name)))
        return
    table = Table(title="methods")
    for col in ("name", "needs counts", "summary"):
        table.add_column(col)
    for m in registry.available():
        info = registry.info(m)
        table.add_row(m, "yes" if info["needs_counts"] else "no", info.get("summary", ""))
    stdout.print(table)
