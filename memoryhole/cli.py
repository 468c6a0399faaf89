"""The `memoryhole` command: a thin shell over the library. `main(args)` runs it in-process for tests.

A user's mistake (a bad URL, duration, path or database URL) ends with one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from . import __version__
from .app import Paths, build_context, close_context, load_settings, open_store
from .models import EVENT_KINDS, utcnow
from .output import write_records
from .records import article_record, event_record, outlet_record, version_record
from .settings import SettingsError, format_duration, parse_duration
from .store import StoreError

EPILOG = "Docs: README.md and docs/cli.md. Durations look like 2s, 10m, 1h, 3d."


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"memoryhole: error: {self.format_message()}", err=True)


def _duration(_ctx: Any, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _http_url(value: str, what: str = "URL") -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"not an http(s) {what}: {value!r} (write it like https://example.com/)")
    return value.strip()


class State:
    def __init__(self, data: Path | None, db: str | None) -> None:
        self._data, self._db = data, db
        self._paths: Paths | None = None
        self._store: Any = None

    @property
    def paths(self) -> Paths:
        if self._paths is None:
            try:
                self._paths = Paths.resolve(self._data, self._db)
            except OSError as exc:
                raise UserError(f"cannot use data directory {self._data}: {exc.strerror}") from None
        return self._paths

    @property
    def store(self) -> Any:
        if self._store is None:
            try:
                self._store = open_store(self.paths)
            except StoreError as exc:
                raise UserError(str(exc)) from None
        return self._store

    def settings(self, **overrides: Any) -> Any:
        try:
            return load_settings(self.paths, **overrides)
        except SettingsError as exc:
            raise UserError(str(exc)) from None


pass_state = click.make_pass_decorator(State)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="memoryhole")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MEMORYHOLE_DATA",
    help="Directory holding all state (database, WARC files, settings). "
    "Default: $MEMORYHOLE_DATA or ~/.local/share/memoryhole.",
)
@click.option(
    "--db",
    envvar="MEMORYHOLE_DB",
    metavar="URL",
    help="Database URL instead of the SQLite file in --data, e.g. postgresql+psycopg://user@host/db.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens in detail (to stderr).")
@click.pass_context
def cli(ctx: click.Context, data: Path | None, db: str | None, verbose: bool) -> None:
    """memoryhole watches news outlets, keeps every version of every article, and tells you
    when one is edited, unlisted or deleted, with the archived evidence.

    \b
    Start with:
      memoryhole demo                          # watch the bundled simulated newsroom
      memoryhole add https://example.com/      # follow an outlet (feeds found automatically)
      memoryhole run                           # monitor until Ctrl-C
      memoryhole changes                       # what was edited, deleted, unlisted, moved
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = State(data, db)


# ---- outlets --------------------------------------------------------------------------------------
@cli.command()
@click.argument("homepage_url")
@click.option("--name", help="Short name for the outlet (default: from the host name).")
@click.option(
    "--feed", "feeds", multiple=True, metavar="URL", help="An RSS/Atom/JSON feed (repeatable)."
)
@click.option(
    "--sitemap",
    "sitemaps",
    multiple=True,
    metavar="URL",
    help="A sitemap or news sitemap (repeatable).",
)
@click.option(
    "--poll",
    callback=_duration,
    metavar="DURATION",
    help="How often to poll its feeds and listings [10m].",
)
@click.option(
    "--no-discover", is_flag=True, help="Do not look for feeds and sitemaps now (the monitor will)."
)
@click.option(
    "--allow-private", is_flag=True, help="Allow loopback/private addresses (local test servers)."
)
@pass_state
def add(
    state: State,
    homepage_url: str,
    name: str | None,
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    poll: float | None,
    no_discover: bool,
    allow_private: bool,
) -> None:
    """Follow an outlet by its homepage URL; feeds, sitemaps and section pages are discovered."""
    home = _http_url(homepage_url, "homepage URL")
    for u in (*feeds, *sitemaps):
        _http_url(u)
    name = name or _name_from_url(home)
    settings = state.settings(allow_private=allow_private or None)
    store, now = state.store, utcnow()
    try:
        outlet_id = store.add_outlet(name, home, poll or settings.poll, now)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    for u in feeds:
        store.add_source(outlet_id, "feed", u, now)
    for u in sitemaps:
        store.add_source(outlet_id, "sitemap", u, now)
    store.add_source(outlet_id, "listing", home, now)
    click.echo(f"added {name}: {home}")
    if no_discover:
        return
    found = asyncio.run(_discover(state, settings, outlet_id))
    for kind in ("feed", "sitemap", "listing"):
        for u in found.get(kind, []):
            click.echo(f"  {kind:8} {u}")
    if not found.get("feed") and not found.get("sitemap") and not feeds and not sitemaps:
        click.echo(
            "  no feed or sitemap found: its homepage and section pages will be polled", err=True
        )


async def _discover(state: State, settings: Any, outlet_id: int) -> dict[str, list[str]]:
    from .pipeline import discover_outlet

    ctx = build_context(state.paths, settings, state.store)
    try:
        return await discover_outlet(ctx, state.store.outlet(id=outlet_id), utcnow())
    finally:
        await close_context(ctx)


def _name_from_url(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "outlet").removeprefix("www.")
    return f"{host}-{parts.port}" if parts.port else host


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one outlet per line.")
@pass_state
def outlets(state: State, as_json: bool) -> None:
    """List the outlets followed, their feeds, sitemaps and article counts."""
    rows = [outlet_record(r) for r in state.store.outlets()]
    for r in rows:
        r["poll"] = format_duration(r["poll_seconds"])
        r["sources"] = len(r["feeds"]) + len(r["sitemaps"]) + len(r["listings"])
    write_records(
        rows, ["name", "homepage", "poll", "sources", "articles"], as_json=as_json, title="outlets"
    )


@cli.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--poll",
    callback=_duration,
    metavar="DURATION",
    help="Poll interval for every imported outlet.",
)
@pass_state
def import_(state: State, opml_file: Path, poll: float | None) -> None:
    """Follow every outlet listed in an OPML file (feeds become the outlets' feeds)."""
    from .sources.opml import parse_opml

    try:
        outlets_found = parse_opml(opml_file.read_bytes())
    except ValueError as exc:
        raise UserError(f"{opml_file}: {exc}") from None
    if not outlets_found:
        raise UserError(f"{opml_file}: no outlets with a feed or homepage URL found")
    settings = state.settings()
    store, now, added = state.store, utcnow(), 0
    for o in outlets_found:
        home = o.homepage or _homepage_of(o.feeds[0])
        name = o.name or _name_from_url(home)
        if store.outlet(name=name):
            click.echo(f"skipped {name}: already followed", err=True)
            continue
        oid = store.add_outlet(name, home, poll or settings.poll, now)
        for f in o.feeds:
            store.add_source(oid, "feed", f, now)
        store.add_source(oid, "listing", home, now)
        added += 1
        click.echo(f"added {name}: {home}")
    click.echo(f"{added} outlet(s) imported")


def _homepage_of(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}/"


# ---- the monitor ----------------------------------------------------------------------------------
@cli.command()
@click.option(
    "--for", "duration", callback=_duration, metavar="DURATION", help="Stop after this long."
)
@click.option(
    "--once", is_flag=True, help="Poll every source and check every due article once, then exit."
)
@click.option(
    "--recheck",
    callback=_duration,
    metavar="DURATION",
    help="Recheck every article at this interval (default: decays with age, 10m → weekly).",
)
@click.option(
    "--poll", callback=_duration, metavar="DURATION", help="Override every outlet's poll interval."
)
@click.option(
    "--allow-private", is_flag=True, help="Allow loopback/private addresses (local test servers)."
)
@click.option(
    "--confirm-gap",
    callback=_duration,
    metavar="DURATION",
    help="Time between the checks that confirm a deletion [10m].",
)
@pass_state
def run(
    state: State,
    duration: float | None,
    once: bool,
    recheck: float | None,
    poll: float | None,
    allow_private: bool,
    confirm_gap: float | None,
) -> None:
    """Monitor every outlet: discover, fetch, archive, extract, judge. Ctrl-C stops cleanly."""
    from .runner import take_stop_signal_early

    take_stop_signal_early()
    settings = state.settings(
        recheck=recheck, allow_private=allow_private or None, confirm_gap=confirm_gap
    )
    store = state.store
    if not store.outlets():
        raise UserError(
            "no outlets yet: add one with `memoryhole add URL` (or try `memoryhole demo`)"
        )
    if poll is not None:
        for o in store.outlets():
            store.update_outlet(o["id"], poll_seconds=poll)
    progress = asyncio.run(_run(state, settings, duration, once))
    summary = (
        f"checked {progress.articles_checked} articles, polled {progress.sources_polled} sources, "
        f"{progress.new_articles} new; events: "
        + (", ".join(f"{k} {v}" for k, v in sorted(progress.events.items())) or "none")
    )
    click.echo(summary, err=True)


async def _run(state: State, settings: Any, duration: float | None, once: bool) -> Any:
    from .live import LiveDisplay
    from .runner import Progress, Runner

    progress = Progress()
    display = LiveDisplay(progress, sys.stderr)
    ctx = build_context(state.paths, settings, state.store, on_event=display.event)
    runner = Runner(ctx, progress=progress)
    try:
        with display:
            return await runner.run(duration=duration, once=once)
    finally:
        await close_context(ctx)


# ---- reading the record ---------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one article per line.")
@click.option("--source", metavar="NAME", help="Only this outlet's articles.")
@click.option(
    "--status",
    type=click.Choice(["live", "deleted", "unlisted", "moved"]),
    help="Only this status.",
)
@pass_state
def articles(state: State, as_json: bool, source: str | None, status: str | None) -> None:
    """List tracked articles: url, source, status, title, versions, first_seen, last_checked."""
    rows = [
        article_record(r)
        for r in state.store.articles(outlet=source, status=status)
        if r["status"] != "not-article"
    ]
    write_records(
        rows, ["status", "source", "versions", "last_checked", "title", "url"], as_json=as_json
    )


def _article_or_fail(state: State, url: str) -> dict:
    from .urls import canonicalize

    art = state.store.article(url) or state.store.article(canonicalize(url))
    if art is None:
        raise UserError(f"no article with URL {url} (see `memoryhole articles`)")
    return art


@cli.command()
@click.argument("url")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON Lines, one version per line (with full text)."
)
@pass_state
def history(state: State, url: str, as_json: bool) -> None:
    """Every stored version of one article (deleted articles included)."""
    art = _article_or_fail(state, url)
    rows = [version_record(v) for v in state.store.versions(art["id"])]
    if as_json:
        write_records(rows, [], as_json=True)
        return
    for r in rows:
        click.echo(f"== version {r['version']}  fetched {r['fetched_at']}  {r['title']}")
        click.echo(r["text"])
        click.echo()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one event per line.")
@click.option(
    "--since",
    metavar="ISO8601",
    help="Only events detected at or after this time (UTC if no zone).",
)
@click.option("--kind", type=click.Choice(EVENT_KINDS), help="Only this kind of event.")
@click.option("--source", metavar="NAME", help="Only this outlet's events.")
@pass_state
def changes(
    state: State, as_json: bool, since: str | None, kind: str | None, source: str | None
) -> None:
    """What happened: new, edited, deleted, unlisted, moved, restored articles and outlet outages."""
    when = _parse_since(since) if since else None
    rows = [event_record(r) for r in state.store.events(since=when, kind=kind, outlet=source)]
    if not as_json:  # a table column, not part of the JSON record
        for r in rows:
            r["what"] = r.get("how") or r.get("new_url") or ""
    write_records(
        rows, ["detected_at", "kind", "source", "what", "summary", "url"], as_json=as_json
    )


def _parse_since(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"--since: not an ISO 8601 time: {value!r} (e.g. 2026-11-28T09:00:00Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@cli.command()
@click.argument("url")
@click.argument("v1", type=int, required=False)
@click.argument("v2", type=int, required=False)
@click.option("--color/--no-color", default=None, help="Colour the diff (default: on a terminal).")
@pass_state
def diff(state: State, url: str, v1: int | None, v2: int | None, color: bool | None) -> None:
    """Show what changed between two versions of an article (default: the last two)."""
    from .diffing import render_text, word_diff

    art = _article_or_fail(state, url)
    versions = {v["number"]: v for v in state.store.versions(art["id"])}
    if len(versions) < 2 and (v1 is None or v2 is None):
        raise UserError(f"{url} has {len(versions)} version(s): nothing to compare")
    if v1 is None:
        v1, v2 = sorted(versions)[-2:]
    elif v2 is None:
        v2 = max(versions)
    for v in (v1, v2):
        if v not in versions:
            raise UserError(
                f"{url} has no version {v} (it has {', '.join(map(str, sorted(versions)))})"
            )
    a, b = versions[v1], versions[v2]
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(f"--- version {v1} ({a['fetched_at']:%Y-%m-%d %H:%M}Z) {a['title']}")
    click.echo(f"+++ version {v2} ({b['fetched_at']:%Y-%m-%d %H:%M}Z) {b['title']}")
    if a["title"] != b["title"]:
        click.echo(render_text(word_diff(a["title"], b["title"]), color=use_color))
        click.echo()
    click.echo(render_text(word_diff(a["text"], b["text"]), color=use_color))


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one matching version per line.")
@click.option("--limit", default=20, show_default=True, help="Most results to show.")
@pass_state
def search(state: State, query: str, as_json: bool, limit: int) -> None:
    """Full-text search over every version of every article, deleted ones included."""
    rows = state.store.search(query, limit=limit)
    write_records(rows, ["status", "version", "title", "snippet", "url"], as_json=as_json)


# ---- evidence -------------------------------------------------------------------------------------
@cli.group()
def export() -> None:
    """Export the archived evidence."""


@export.command("warc")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="Only this article's records (every fetch of every URL it had).")
@pass_state
def export_warc(state: State, file: Path, url: str | None) -> None:
    """Write archived WARC records (all, or one article's) to FILE (gzip when it ends in .gz)."""
    from .archive import export as export_records
    from .models import WarcLocation

    locations = None
    if url is not None:
        art = _article_or_fail(state, url)
        locations = [
            WarcLocation.of_fetch(f)
            for f in state.store.fetches(article_id=art["id"])
            if f["warc_file"]
        ]
    if not file.parent.exists():
        raise UserError(f"cannot write {file}: folder {file.parent} does not exist")
    try:
        n = export_records(state.paths.warc_dir, locations, file)
    except OSError as exc:
        raise UserError(f"cannot write {file}: {exc.strerror}") from None
    click.echo(f"wrote {n} records to {file}", err=True)


@cli.command()
@pass_state
def verify(state: State) -> None:
    """Check the database's integrity and read back every WARC record."""
    from .archive import verify as verify_archive

    ok = state.store.integrity_ok()
    report = verify_archive(state.paths.warc_dir)
    click.echo(f"database: {'ok' if ok else 'INTEGRITY CHECK FAILED'}")
    click.echo(f"archive: {report}")
    if not ok:
        sys.exit(1)


@cli.command("settings")
@pass_state
def settings_cmd(state: State) -> None:
    """Show every setting, its value and what it does (set them in <data>/memoryhole.toml or MEMORYHOLE_*)."""
    s = state.settings()
    for name, help_text in s.help().items():
        click.echo(f"{name:16} {getattr(s, name)!s:24} {help_text}")


@cli.command()
@click.option(
    "--for", "duration", callback=_duration, metavar="DURATION", help="Stop after this long."
)
@click.option(
    "--speed", default=1.0, show_default=True, help="Run the scripted newsroom faster (2 = twice)."
)
@pass_state
def demo(state: State, duration: float | None, speed: float) -> None:
    """Start the simulated newsroom, monitor it, and show what memoryhole finds (Ctrl-C stops)."""
    from .demo import run_demo

    explicit = state._data is not None or state._db is not None
    run_demo(state.paths if explicit else None, duration=duration, speed=speed)


def _register_extensions() -> None:
    """Command groups that live beside the features they drive."""
    from .alerts.commands import alerts
    from .quotes.commands import quotes
    from .stories import stories
    from .web.commands import serve_command, user_command

    for command in (alerts, quotes, stories, serve_command, user_command):
        cli.add_command(command)


_register_extensions()


def main(args: list[str] | None = None) -> int:
    """Entry point; returns the exit status instead of exiting when called from Python."""
    try:
        cli.main(args=args, prog_name="memoryhole", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.UsageError as exc:  # one line, naming the command whose --help explains it
        where = exc.ctx.command_path if exc.ctx else "memoryhole"
        click.echo(f"memoryhole: error: {exc.format_message()} (see `{where} --help`)", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except StoreError as exc:
        click.echo(f"memoryhole: error: {exc}", err=True)
        return 2
    except OSError as exc:  # the data directory cannot be written: read-only, permissions, full
        click.echo(
            f"memoryhole: error: {exc.filename or 'data directory'}: {exc.strerror}", err=True
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


def _entry() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
