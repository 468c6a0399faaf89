"""What `run` and `demo` show while they work: a live panel on a terminal, one plain line per event otherwise."""

from __future__ import annotations

from collections import deque
from typing import Any, TextIO

from .output import json_line, rfc3339
from .runner import Progress

_STYLE = {
    "deleted": "bold red",
    "edited": "yellow",
    "unlisted": "magenta",
    "moved": "cyan",
    "restored": "green",
    "outage": "bold red",
    "new": "dim",
}


class LiveDisplay:
    def __init__(
        self, progress: Progress, out: TextIO, *, as_json: bool = False, extra: str = ""
    ) -> None:
        self.progress = progress
        self.out = out
        self.as_json = as_json
        self.extra = extra
        self.recent: deque[dict[str, Any]] = deque(maxlen=12)
        self._live: Any = None
        self._tty = out.isatty() and not as_json

    def __enter__(self) -> LiveDisplay:
        if self._tty:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                self._render(),
                console=Console(file=self.out),
                refresh_per_second=4,
                get_renderable=self._render,
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def event(self, ev: dict[str, Any]) -> None:
        self.progress.count_event(ev["kind"])
        self.recent.append(ev)
        if self._tty:
            return
        if self.as_json:
            self.out.write(json_line(ev) + "\n")
        else:
            what = ev.get("how") or ev.get("new_url") or ""
            self.out.write(
                f"{rfc3339(ev['detected_at'])}\t{ev['kind']}\t{ev['source']}\t{what}\t"
                f"{ev.get('summary') or ''}\t{ev.get('url') or ''}\n"
            )
        self.out.flush()

    def _render(self) -> Any:
        from rich.table import Table

        p = self.progress
        head = Table.grid(padding=(0, 2))
        head.add_row(
            f"[b]memoryhole[/b] {self.extra}",
            f"sources polled [b]{p.sources_polled}[/b]",
            f"articles checked [b]{p.articles_checked}[/b]",
            f"new [b]{p.new_articles}[/b]",
            "  ".join(f"{k} [b]{v}[/b]" for k, v in sorted(p.events.items())),
        )
        table = Table(expand=True, show_edge=False)
        for col in ("when", "kind", "outlet", "how", "what"):
            table.add_column(col, overflow="ellipsis", no_wrap=True)
        for ev in reversed(self.recent):
            style = _STYLE.get(ev["kind"], "")
            table.add_row(
                f"{ev['detected_at']:%H:%M:%S}",
                f"[{style}]{ev['kind']}[/{style}]" if style else ev["kind"],
                ev["source"],
                ev.get("how") or ev.get("new_url") or "",
                ev.get("summary") or ev.get("url") or "",
            )
        outer = Table.grid()
        outer.add_row(head)
        outer.add_row(table)
        return outer
