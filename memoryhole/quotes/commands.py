"""The `memoryhole quotes` command: statements with speaker, outlet, article, first and last seen and
status (live, removed, deleted). A thin shell over memoryhole.quotes.people.statements.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from memoryhole.output import write_records
from memoryhole.quotes.people import statements

__all__ = ["quotes"]


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"not an ISO 8601 time: {value!r} (e.g. 2026-11-28 or 2026-11-28T09:00:00Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@click.command("quotes")
@click.option("--speaker", metavar="NAME", help="Only this person (any spelling or script).")
@click.option("--source", metavar="NAME", help="Only this outlet.")
@click.option("--since", metavar="ISO", callback=_since, help="Only statements first seen since.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one statement per line.")
def quotes(speaker: str | None, source: str | None, since: datetime | None, as_json: bool) -> None:
    """Who said what, where: quotations with their speaker and whether they are still published
    (live), were cut in an edit (removed) or went with a deleted article (deleted)."""
    store = click.get_current_context().find_root().obj.store
    records = statements(store, speaker=speaker, source=source, since=since)
    columns = ("status", "speaker", "source", "first_seen", "last_seen", "text", "url")
    write_records(records, columns, as_json=as_json)
