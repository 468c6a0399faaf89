"""How records leave the program: JSON Lines (`--json`), rich tables on a terminal, tab-separated when piped.

The JSON field names made here are a public contract (docs/cli.md): the CLI, the HTTP API and alert
payloads use the same ones.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO


def rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=_default, sort_keys=False)


def write_records(
    records: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool,
    out: TextIO | None = None,
    title: str | None = None,
) -> int:
    """Print records; returns how many. JSON Lines carry every field, tables only `columns`."""
    out = out or sys.stdout
    rows = list(records)
    if as_json:
        for r in rows:
            out.write(json_line(r) + "\n")
        return len(rows)
    if out.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in columns))
        Console(file=out).print(table)
    else:
        for r in rows:
            out.write("\t".join(_cell(r.get(c)) for c in columns) + "\n")
    return len(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return rfc3339(value) or ""
    return str(value).replace("\t", " ").replace("\n", " ")
