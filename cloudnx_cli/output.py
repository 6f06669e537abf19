"""``--output json|yaml|table|text`` and ``--query``: how an answer reaches stdout.

``json`` is the API's body as the target sent it (re-indented, nothing added or dropped), so scripts can wrap
the CLI; ``--query`` applies a JMESPath expression (the library botocore uses) first. ``text`` is one line per
item, tab-separated, for ``cut`` and ``while read``; ``table`` is for people.
"""

from __future__ import annotations

import io
import json
import shutil
from typing import Any

from cloudnx_cli.errors import UsageError

__all__ = ["FORMATS", "apply_query", "render"]

FORMATS = ("json", "yaml", "table", "text")


def apply_query(data: Any, expression: str | None) -> Any:
    if not expression:
        return data
    import jmespath  # imported on use: most calls never query
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(expression, data)
    except JMESPathError as exc:
        raise UsageError(f"--query {expression!r} is not valid JMESPath: {exc}") from exc


def _cell(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _rows(data: Any, list_key: str | None) -> Any:
    """The records of an answer: a list answer's items, else the answer itself."""
    if isinstance(data, dict) and list_key and isinstance(data.get(list_key), list):
        return data[list_key]
    return data


def _text(data: Any, list_key: str | None) -> str:
    rows = _rows(data, list_key)
    if isinstance(rows, list):
        lines = [
            "\t".join(_cell(v) for v in item.values()) if isinstance(item, dict) else _cell(item) for item in rows
        ]
        return "\n".join(lines)
    if isinstance(rows, dict):
        return "\t".join(_cell(v) for v in rows.values())
    return _cell(rows)


def _table(data: Any, list_key: str | None) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    rows = _rows(data, list_key)
    table = Table(box=box.SIMPLE_HEAVY, show_header=True)
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        columns: list[str] = []
        for row in rows:
            columns += [key for key in row if key not in columns]
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
    elif isinstance(rows, dict):
        table.add_column("field")
        table.add_column("value")
        for key, value in rows.items():
            table.add_row(key, _cell(value))
    else:
        table.add_column("value")
        for item in rows if isinstance(rows, list) else [rows]:
            table.add_row(_cell(item))
    buffer = io.StringIO()
    Console(file=buffer, width=shutil.get_terminal_size((160, 24)).columns, color_system=None).print(table)
    return buffer.getvalue().rstrip("\n")


def render(data: Any, fmt: str, list_key: str | None = None) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt == "yaml":
        import yaml

        text = str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False))
        return text.removesuffix("\n").removesuffix("\n...")  # a scalar document ends with "..."
    if fmt == "table":
        return _table(data, list_key)
    if fmt == "text":
        return _text(data, list_key)
    raise UsageError(f"--output must be one of {', '.join(FORMATS)}, not {fmt!r}")
