"""`memoryhole demo`: the simulated newsroom on 127.0.0.1, monitored live, with a scripted day of news.

It adds the newsroom's outlets by homepage URL alone (so discovery is shown too), then publishes, edits,
deletes, unlists, moves and breaks things on a timeline, while the monitor reports what it finds.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from .app import Paths, build_context, close_context, load_settings, open_store
from .live import LiveDisplay
from .models import utcnow
from .pipeline import discover_outlet
from .runner import Progress, Runner
from .simulate.newsroom import Newsroom
from .simulate.server import serve
from .web import start_in_thread


def timeline(nr: Newsroom, rng: random.Random) -> list[tuple[float, str, Callable[[], object]]]:
    """(seconds from start, description, action) — one of each kind of change, and a trap."""

    def pick(outlet: str) -> str:
        live = [nr.url_of(a) for a in nr.articles(outlet, visible_only=True)]
        return rng.choice(live[3:] or live)

    names = [o for o in nr.outlets]
    en, ru, soft = names[0], names[1], names[2]
    return [
        (10, f"{en} publishes a new article", lambda: nr.publish(en)),
        (20, f"{en} cuts a quotation from an article", lambda: nr.edit(pick(en), drop_quote=True)),
        (30, f"{ru} deletes an article (404)", lambda: nr.delete(pick(ru), "http-404")),
        (40, f"{soft} deletes an article (soft-404)", lambda: nr.delete(pick(soft), "soft-404")),
        (50, f"{en} moves an article to a new URL", lambda: nr.move(pick(en))),
        (
            60,
            f"{ru} replaces an article with a removal notice",
            lambda: nr.delete(pick(ru), "removed-notice"),
        ),
        (70, f"{en} answers 503 for 20 s (must not alarm)", lambda: nr.fail(en, "503", seconds=20)),
        (80, f"{soft} quietly unlists an article", lambda: nr.unlist(pick(soft))),
    ]


def run_demo(paths: Paths | None, *, duration: float | None = None, speed: float = 1.0) -> None:
    if paths is None:
        paths = Paths.resolve(Path(tempfile.mkdtemp(prefix="memoryhole-demo-")), None)
    asyncio.run(_demo(paths, duration, speed))


async def _demo(paths: Paths, duration: float | None, speed: float) -> None:
    nr = Newsroom.build(seed=7, outlets=3, articles_per_outlet=12)
    out = sys.stderr
    with serve(nr) as sim:
        settings = load_settings(
            paths,
            allow_private=True,
            recheck=4.0 / speed,
            poll=4.0 / speed,
            confirm_gap=4.0 / speed,
            probe_interval=600.0,
        )
        store = open_store(paths)
        now = utcnow()
        for name, url in sim.urls.items():
            if store.outlet(name=name) is None:
                oid = store.add_outlet(name, url, settings.poll, now)
                store.add_source(oid, "listing", url, now)
        progress = Progress()
        display = LiveDisplay(progress, sys.stdout, extra=f"demo · data in {paths.data}")
        ctx = build_context(paths, settings, store, on_event=display.event)
        print(f"memoryhole demo: simulated newsroom at {', '.join(sim.urls.values())}", file=out)
        print(
            f"memoryhole demo: data in {paths.data}  (explore: memoryhole --data {paths.data} changes)",
            file=out,
        )
        for o in store.outlets():
            found = await discover_outlet(ctx, o, utcnow())
            print(
                f"  {o['name']}: {len(found['feed'])} feed(s), {len(found['sitemap'])} sitemap(s) discovered",
                file=out,
            )
        ui_url, stop_ui = start_in_thread(paths, settings)
        print(f"memoryhole demo: web UI at {ui_url}", file=out, flush=True)
        runner = Runner(ctx, progress=progress)
        script = asyncio.create_task(_play(nr, speed, out))
        try:
            with display:
                await runner.run(duration=duration)
        finally:
            script.cancel()
            await close_context(ctx)
            stop_ui()
    print(
        f"memoryhole demo: stopped. {progress.articles_checked} checks; events: "
        + ", ".join(f"{k} {v}" for k, v in sorted(progress.events.items())),
        file=out,
    )
    print(f"memoryhole demo: the record stays in {paths.data}", file=out)


async def _play(nr: Newsroom, speed: float, out: TextIO) -> None:
    rng = random.Random(7)
    start = asyncio.get_running_loop().time()
    for at, what, action in timeline(nr, rng):
        delay = at / speed - (asyncio.get_running_loop().time() - start)
        if delay > 0:
            await asyncio.sleep(delay)
        _say(out, what, action)
    # then a slower, random news day, until Ctrl-C
    names = list(nr.outlets)
    while True:
        await asyncio.sleep(15 / speed)
        outlet = rng.choice(names)
        live = [nr.url_of(a) for a in nr.articles(outlet, visible_only=True)]
        choice, target = rng.random(), rng.choice(live) if live else ""
        if choice < 0.5 or len(live) < 5:
            _say(out, f"{outlet} publishes a new article", partial(nr.publish, outlet))
        elif choice < 0.8:
            _say(out, f"{outlet} edits an article", partial(nr.edit, target, drop_quote=True))
        else:
            _say(out, f"{outlet} deletes an article (410)", partial(nr.delete, target, "http-410"))


def _say(out: TextIO, what: str, action: Callable[[], object]) -> None:
    action()
    if not getattr(out, "isatty", lambda: False)():
        print(f"# newsroom: {what}", file=out, flush=True)
