"""docs/methods.md lists every built-in method's declared options, with their defaults, in that method's table."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bengrn import methods

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods.md"


def _tables() -> dict[str, dict[str, str]]:
    """method -> option -> default cell, parsed from the ``**`name`**`` tables of the Options section."""
    text = DOC.read_text()
    section = text[text.index("## Options"):text.index("## Adding a method")]
    tables = {}
    for name, body in re.findall(r"\*\*`([^`]+)`\*\*\n\n(.*?)(?:\n\n|\Z)", section, flags=re.S):
        rows = [line.split("|")[1:3] for line in body.splitlines()[2:]]
        tables[name] = {opt.strip().strip("`"): default.strip().strip("`") for opt, default in rows}
    return tables


@pytest.mark.parametrize("name", [m for m in methods.available() if methods.info(m)["source"] == "builtin"])
def test_options_table_matches_declarations(name):
    documented = _tables()[name]
    specs = methods.info(name)["option_specs"]
    assert list(documented) == [s["name"] for s in specs]
    assert documented == {s["name"]: repr(s["default"]) for s in specs}
