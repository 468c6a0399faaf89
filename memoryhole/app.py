"""Assembling a working monitor from a data directory: store, archive, fetcher, analyser, settings.

The CLI, the demo and the tests all open a monitor here, so they run exactly the same parts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from . import changes, pipeline
from . import settings as settings_mod
from .analysis import Analyser
from .archive import Archive
from .fetcher import Fetcher, FetchLimits
from .netguard import PRIVATE_NETWORKS, AddressGuard
from .scheduler import Schedule
from .settings import Settings
from .store import Store, sqlite_url


def default_data_dir() -> Path:
    """`$MEMORYHOLE_DATA`, else `$XDG_DATA_HOME/memoryhole` (usually ~/.local/share/memoryhole)."""
    env = os.environ.get("MEMORYHOLE_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "memoryhole"


@dataclass
class Paths:
    data: Path
    db_url: str

    @property
    def warc_dir(self) -> Path:
        return self.data / "warc"

    @classmethod
    def resolve(cls, data: Path | None, db: str | None) -> Paths:
        data = (data or default_data_dir()).expanduser()
        data.mkdir(parents=True, exist_ok=True)
        return cls(data=data, db_url=db or os.environ.get("MEMORYHOLE_DB") or sqlite_url(data))


def open_store(paths: Paths) -> Store:
    return Store(paths.db_url)


def load_settings(paths: Paths, **overrides: Any) -> Settings:
    return settings_mod.load(paths.data).with_overrides(**overrides)


def address_guard(settings: Settings) -> AddressGuard:
    """The SSRF guard for these settings: `allow_addresses`, plus private ranges with `allow_private`."""
    allowed = [a.strip() for a in settings.allow_addresses.split(",") if a.strip()]
    if settings.allow_private:
        allowed += PRIVATE_NETWORKS
    return AddressGuard(allow=allowed, allow_loopback=settings.allow_private)


def build_context(
    paths: Paths,
    settings: Settings,
    store: Store,
    *,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    client: httpx.AsyncClient | None = None,
) -> pipeline.Context:
    """Everything one monitor process needs; close it with `close_context`."""
    archive = Archive.open(paths.warc_dir, max_file_bytes=settings.warc_max_bytes)
    limits = FetchLimits(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_timeout=settings.total_timeout,
        max_redirects=settings.max_redirects,
        max_bytes=settings.max_bytes,
        user_agent=settings.user_agent,
    )
    guard = address_guard(settings)
    fetcher = Fetcher(
        client,
        limits=limits,
        respect_robots=settings.respect_robots,
        per_host=settings.per_host,
        host_delay=settings.host_delay,
        guard=guard,
    )
    ctx = pipeline.Context(
        store=store,
        fetcher=fetcher,
        archive=archive,
        analyser=Analyser(settings.extract_workers),
        settings=settings,
        schedule=Schedule(fixed=settings.recheck),
        policy=changes.Policy(
            confirm_checks=settings.confirm_checks, confirm_min_gap=settings.confirm_gap
        ),
        on_event=on_event,
    )
    # robots.txt and other side fetches are archived too
    fetcher.on_aux_fetch = lambda f: ctx.store.record_fetch(f, ctx.save(f), "robots")
    return ctx


async def close_context(ctx: pipeline.Context) -> None:
    await ctx.fetcher.aclose()
    ctx.analyser.close()
    ctx.archive.close()
