"""One table of settings (name, default, help), read from `memoryhole.toml` in the data directory, then
from `MEMORYHOLE_<NAME>` environment variables, then from command-line flags. Also parses durations."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting or a duration could not be understood; the message says which and how to write it."""


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(value: str | float | int) -> float:
    """'2s', '10m', '1h30m', '3d', or a bare number of seconds → seconds (float, > 0)."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise SettingsError(
                    f"not a duration: {value!r} (write it like 2s, 10m, 1h, 3d or 1h30m)"
                ) from None
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not seconds > 0:
        raise SettingsError(f"a duration must be more than zero, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{seconds}s"


@dataclass(frozen=True)
class Settings:
    """Every setting with its default; `memoryhole settings` prints this table (name, value, help)."""

    poll: float = 600.0  # default poll interval of an outlet's feeds, sitemaps and listing pages
    recheck: float | None = (
        None  # one recheck interval for every article (overrides the decaying schedule)
    )
    concurrency: int = 16  # fetches in flight at once, overall
    per_host: int = 2  # fetches in flight at once per host
    host_delay: float = 0.0  # minimum seconds between two requests to one host
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0
    max_bytes: int = 10 * 1024 * 1024  # largest body kept, raw and decoded
    max_redirects: int = 10
    respect_robots: bool = True
    user_agent: str = (
        "memoryhole/0.1 (+https://github.com/memoryhole/memoryhole; news archive monitor)"
    )
    confirm_checks: int = 2  # checks that must agree before a deletion is announced
    confirm_gap: float = 600.0  # seconds that must separate the first and last of those checks
    probe_interval: float = 21600.0  # how often each outlet's not-found page is relearned
    warc_max_bytes: int = 256 * 1024 * 1024  # WARC files rotate past this size
    extract_workers: int = 0  # extraction processes; 0 = one per core
    allow_private: bool = False  # let outlets point at loopback/private addresses (local testing)
    allow_addresses: str = (
        ""  # comma-separated networks (CIDR) or host names outlets may resolve to
    )
    base_url: str = (
        "http://127.0.0.1:8080"  # where the web UI is reached: links in alerts and feeds
    )
    alert_digest_count: int = (
        5  # this many alerts about one outlet within the window become one digest
    )
    alert_digest_window: float = (
        30.0  # seconds an article alert waits to see whether a burst follows
    )
    alert_max_attempts: int = (
        8  # deliveries tried this often (with doubling back-off) before giving up
    )
    alert_poll: float = 2.0  # seconds between the dispatcher's looks at new events
    alert_backoff: float = 30.0  # first retry of a failed delivery after this long (then doubling)
    alert_lease: float = 120.0  # a delivery claimed by a sender that died is retried after this

    @classmethod
    def help(cls) -> dict[str, str]:
        return dict(_HELP)

    def with_overrides(self, **values: Any) -> Settings:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_HELP = {
    "poll": "how often an outlet's feeds, sitemaps and listing pages are polled (duration)",
    "recheck": "recheck every article at this fixed interval instead of the decaying schedule",
    "concurrency": "fetches in flight at once, overall",
    "per_host": "fetches in flight at once to one host",
    "host_delay": "minimum seconds between two requests to one host",
    "connect_timeout": "seconds to establish a connection",
    "read_timeout": "seconds to wait for each read",
    "total_timeout": "seconds for a whole fetch including its body",
    "max_bytes": "largest body kept, raw and decoded (bytes)",
    "max_redirects": "redirects followed before giving up",
    "respect_robots": "obey robots.txt",
    "user_agent": "User-Agent sent with every request",
    "confirm_checks": "checks that must agree before a deletion is announced",
    "confirm_gap": "seconds between the first and last confirming check",
    "probe_interval": "how often each outlet's not-found page is relearned (duration)",
    "warc_max_bytes": "WARC files rotate past this size (bytes)",
    "extract_workers": "extraction processes (0 = one per core)",
    "allow_private": "allow outlets on loopback/private addresses (never cloud metadata addresses)",
    "allow_addresses": "comma-separated networks (CIDR) or host names allowed despite the address guard",
    "base_url": "address of the web UI, for links in alerts and feeds",
    "alert_digest_count": "alerts about one outlet within the window that become one digest",
    "alert_digest_window": "how long an article alert waits for a burst to gather (duration)",
    "alert_max_attempts": "delivery attempts (with doubling back-off) before an alert is marked failed",
    "alert_poll": "how often the alert dispatcher looks for new events (duration)",
    "alert_backoff": "first retry of a failed delivery after this long, doubling each time (duration)",
    "alert_lease": "a delivery claimed by a sender that died is sent again after this long (duration)",
}

_DURATIONS = {
    "poll",
    "recheck",
    "confirm_gap",
    "probe_interval",
    "host_delay",
    "alert_digest_window",
    "alert_poll",
    "alert_backoff",
    "alert_lease",
}


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    try:
        if name in _DURATIONS:
            return parse_duration(raw)
        if kind in ("bool", bool):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "on")
        if kind in ("int", int):
            return int(raw)
        if kind in ("float", float, "float | None"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name}: cannot use {raw!r} ({exc})") from None


def load(data_dir: Path | None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then `<data>/memoryhole.toml`, then MEMORYHOLE_<NAME> environment variables."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    known = {f.name: f.type for f in fields(Settings)}
    if data_dir is not None and (data_dir / "memoryhole.toml").is_file():
        path = data_dir / "memoryhole.toml"
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML ({exc})") from None
        for key, raw in table.items():
            if key not in known:
                raise SettingsError(f"{path}: unknown setting {key!r} (see `memoryhole settings`)")
            values[key] = _coerce(key, known[key], raw)
    for name, kind in known.items():
        env = environ.get(f"MEMORYHOLE_{name.upper()}")
        if env is not None:
            values[name] = _coerce(name, kind, env)
    return Settings(**values)
