"""The `memoryhole alerts` commands (add, list, remove, test, feed): a thin shell over the alerts API.

`cli.py` registers the group with `cli.add_command(alerts)`; the commands read the shared state
object that the root command puts in `ctx.obj` (its `.store` and `.settings()`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import apprise
import click

from ..models import utcnow
from ..output import rfc3339, write_records
from ..store.alerts import AlertStore
from .delivery import AlertSettings, private_url, send_now
from .feeds import FeedError, atom_feed
from .messages import Links, trial_message
from .rules import ALERT_KINDS, Rule, RuleError, split_phrases

__all__ = ["alerts", "rule_record"]


class AlertsError(click.ClickException):
    """A user's mistake: one line on stderr, exit status 2 (as every memoryhole command)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"memoryhole: error: {self.format_message()}", err=True)


def _state() -> Any:
    return click.get_current_context().find_root().obj


def _alerts() -> AlertStore:
    return AlertStore(_state().store)


def _settings() -> AlertSettings:
    return AlertSettings.from_settings(_state().settings())


def rule_record(row: dict[str, Any]) -> dict[str, Any]:
    """A rule as JSON (`alerts list --json`); destination URLs with their secrets hidden."""
    rule = Rule.from_row(row)
    return {
        "id": rule.id,
        "kinds": list(rule.effective_kinds),
        "sources": list(rule.outlets),
        "match": list(rule.match),
        "min_words": rule.min_words,
        "destinations": [private_url(u) for u in rule.urls],
        "created_at": rfc3339(row["created_at"]),
    }


@click.group()
def alerts() -> None:
    """Tell people about edits, deletions and outages (email, chat, webhooks: any Apprise URL)."""


@alerts.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(ALERT_KINDS),
    help="Only these kinds (repeatable) [every kind but new].",
)
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only this outlet (repeatable)."
)
@click.option(
    "--match",
    "match",
    multiple=True,
    metavar="WORDS",
    help="Only articles whose title or text has these words (repeatable; commas separate alternatives).",
)
@click.option(
    "--min-words",
    type=click.IntRange(min=0),
    metavar="N",
    help="Edits only when N+ words changed or a quotation was cut.",
)
def add(
    urls: tuple[str, ...],
    kinds: tuple[str, ...],
    sources: tuple[str, ...],
    match: tuple[str, ...],
    min_words: int | None,
) -> None:
    """Send alerts to one or more Apprise URLs, e.g. mailto://user:pass@example.com or json://host/hook."""
    for url in urls:
        if apprise.Apprise.instantiate(url) is None:
            raise AlertsError(
                f"not an Apprise URL: {url!r} (see https://github.com/caronc/apprise/wiki for the forms)"
            )
    phrases = split_phrases(match)
    try:
        Rule(0, outlets=sources, kinds=kinds, match=phrases, min_words=min_words)
    except RuleError as exc:
        raise AlertsError(str(exc)) from None
    store = _state().store
    for name in sources:
        if store.outlet(name=name) is None:
            click.echo(f"note: no outlet named {name!r} yet", err=True)
    rule_id = _alerts().add_rule(
        urls, utcnow(), outlets=sources, kinds=kinds, match=phrases, min_words=min_words
    )
    click.echo(
        f"added alert rule {rule_id}: {Rule(rule_id, sources, kinds, phrases, min_words).describe()}"
    )


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one rule per line.")
def list_(as_json: bool) -> None:
    """List the alert rules and where they send."""
    rows = [rule_record(r) for r in _alerts().rules()]
    if not as_json:
        for r in rows:
            for key in ("kinds", "sources", "match", "destinations"):
                r[key] = ", ".join(str(v) for v in r[key]) or (
                    "every outlet" if key == "sources" else ""
                )
    write_records(
        rows,
        ["id", "kinds", "sources", "match", "min_words", "destinations"],
        as_json=as_json,
        title="alert rules",
    )


@alerts.command("remove")
@click.argument("rule_id", type=int)
def remove(rule_id: int) -> None:
    """Remove an alert rule (alerts not yet sent for it are dropped)."""
    if not _alerts().remove_rule(rule_id):
        raise AlertsError(f"no alert rule {rule_id} (see `memoryhole alerts list`)")
    click.echo(f"removed alert rule {rule_id}")


@alerts.command("test")
@click.argument("rule_or_url")
def test(rule_or_url: str) -> None:
    """Send a test message to a rule's destinations (by rule ID) or to one Apprise URL."""
    if rule_or_url.isdigit():
        row = _alerts().rule(int(rule_or_url))
        if row is None:
            raise AlertsError(f"no alert rule {rule_or_url} (see `memoryhole alerts list`)")
        urls, about = row["urls"], Rule.from_row(row).describe()
    else:
        urls, about = [rule_or_url], "a URL given to `alerts test`"
    failed = 0
    for url, error in send_now(urls, trial_message(about)).items():
        if error is None:
            click.echo(f"sent to {private_url(url)}")
        else:
            failed += 1
            click.echo(f"FAILED {private_url(url)}: {error}", err=True)
    if failed:
        raise click.ClickException(f"{failed} of {len(urls)} destinations failed")


@alerts.command("feed")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--rule", "rule_id", type=int, metavar="ID", help="Only what this rule sends.")
@click.option("--source", metavar="NAME", help="Only this outlet's events.")
@click.option("--limit", default=100, show_default=True, help="Most entries to write.")
def feed(file: Path, rule_id: int | None, source: str | None, limit: int) -> None:
    """Write an Atom feed of the newest events to FILE (- for standard output)."""
    links = Links(_settings().base_url)
    try:
        data = atom_feed(_state().store, rule_id=rule_id, outlet=source, links=links, limit=limit)
    except FeedError as exc:
        raise AlertsError(str(exc)) from None
    if str(file) == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        file.write_bytes(data)
    except OSError as exc:
        raise AlertsError(f"cannot write {file}: {exc.strerror}") from None
