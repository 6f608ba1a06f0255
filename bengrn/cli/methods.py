"""``bengrn methods [NAME] [--json]``: the inference methods of the registry."""
from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from bengrn import methods as registry
from bengrn.cli.app import app, console, user_errors
from bengrn.cli.tables import print_json
from bengrn.errors import UnknownNameError

__all__ = ["methods_cmd"]


@app.command("methods")
@user_errors
def methods_cmd(
    name: Optional[str] = typer.Argument(None, help="Show one method's documentation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (a list of method infos, or one) for scripts."),
) -> None:
    """List the inference methods, or describe one."""
    if name and name not in registry.available():
        raise UnknownNameError("method", name, registry.available())
    names = [name] if name else registry.available()
    if as_json:
        infos = [registry.info(m) for m in names]
        print_json(infos[0] if name else infos)
        return
    stdout = console()
    if name:
        stdout.print(registry.describe(name))
        print_json(registry.info(name), indent=2)
        return
    table = Table(title="methods")
    table.add_column("name", no_wrap=True)
    table.add_column("counts", no_wrap=True)
    table.add_column("summary", ratio=1)
    for m in names:
        info = registry.info(m)
        table.add_row(m, "yes" if info["needs_counts"] else "no", info.get("summary", ""))
    stdout.print(table)
    stdout.print("counts: the method needs raw counts. `bengrn methods NAME` shows its options.")
