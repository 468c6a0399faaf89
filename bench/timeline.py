"""Benchmark: a long randomised timeline on the simulated newsroom, watched by the real monitor.

Every kind of change, every deletion `how` and every trap is scripted at random; the events the
monitor records are then scored against the newsroom's own log (`Newsroom.log`, the ground truth):
precision and recall per kind, `how` accuracy, false alarms (and which traps caused them), and
detection latency in recheck intervals. Run: `python bench/timeline.py [--articles 300] [--minutes 4]`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from memoryhole.app import Paths, build_context, close_context, load_settings, open_store
from memoryhole.models import EVENT_KINDS, utcnow
from memoryhole.pipeline import Context, discover_outlet
from memoryhole.runner import Runner
from memoryhole.simulate import DELETE_HOWS, JUDGED_AS, Newsroom, serve

#: How often each kind of scripted change is picked (traps are scripted on their own).
WEIGHTS = {"publish": 5, "edit": 4, "delete": 6, "unlist": 3, "move": 3, "url-trap": 4}
URL_TRAPS = ("503", "500", "429", "reset", "slow")
OUTLET_TRAPS = ("refuse", "maintenance", "503", "reset")
#: Actions whose truth is "no event at all".
TRAP_ACTIONS = ("fail_url", "recover_url", "recover", "pin")


@dataclass
class Script:
    """Picks what happens next to which article, so that one article gets one change at a time."""

    room: Newsroom
    rng: random.Random
    recheck: float
    tracked: Callable[[str], bool]  # the monitor follows this URL (it was in some listing)
    busy_until: dict[str, float] = field(default_factory=dict)  # url -> monotonic time
    outlet_busy_until: dict[str, float] = field(default_factory=dict)
    later: list[tuple[float, str, str]] = field(default_factory=list)  # (when, action, url)

    def free(self, outlet: str, now: float) -> list[str]:
        if self.outlet_busy_until.get(outlet, 0.0) > now:
            return []
        visible = self.room.outlets[outlet].visible()[:-3]  # the oldest stay: listings straddle
        # Only articles the monitor has had time to see: an edit before the first check is news.
        seen_by = self.room.now() - timedelta(seconds=3 * self.recheck)
        urls = [self.room.url_of(a) for a in visible if a.published <= seen_by]
        return [u for u in urls if self.busy_until.get(u, 0.0) <= now and self.tracked(u)]

    def step(self, now: float) -> None:
        """One random change (or trap) on an outlet that is not failing."""
        outlets = [o for o in self.room.outlets if self.free(o, now)]
        if not outlets:
            return
        outlet = self.rng.choice(outlets)
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if kind == "publish":
            self.room.publish(outlet)
            return
        url = self.rng.choice(self.free(outlet, now))
        self.busy_until[url] = float("inf")  # one change per article (plus its restoration)
        settle = now + 6 * self.recheck  # long enough for the change to be confirmed
        if kind == "edit":
            self._edit(url)
        elif kind == "delete":
            self.room.delete(url, self.rng.choice(DELETE_HOWS))
            if self.rng.random() < 0.4:
                self.later.append((settle, "restore", url))
        elif kind == "unlist":
            self.room.unlist(url)
            if self.rng.random() < 0.4:
                self.later.append((settle, "restore", url))
        elif kind == "move":
            self.busy_until[self.room.move(url)] = float("inf")
        else:
            seconds = 2.5 * self.recheck  # spans at least two checks
            self.room.fail_url(url, self.rng.choice(URL_TRAPS), seconds=seconds, delay=30.0)
            self.busy_until[url] = now + seconds + 3 * self.recheck

    def _edit(self, url: str) -> None:
        art = self.room.find(url)
        choice = self.rng.randrange(3)
        if choice == 0 and any("“" in p or "«" in p for p in art.paragraphs):
            self.room.edit(url, drop_quote=True)
        elif choice == 1:
            self.room.edit(
                url, title=art.title + (" (updated)" if art.outlet != "vestnik" else " (обновлено)")
            )
        else:
            words = art.paragraphs[-1].split()
            self.room.edit(url, replace=(words[-1], "[corrected] " + words[-1]))

    def outage(self, now: float) -> None:
        """An outlet-wide failure for three recheck intervals; nothing else happens to it meanwhile."""
        outlet = self.rng.choice(list(self.room.outlets))
        seconds = 3 * self.recheck
        self.room.fail(outlet, self.rng.choice(OUTLET_TRAPS), seconds=seconds, delay=30.0)
        self.outlet_busy_until[outlet] = now + seconds + 4 * self.recheck

    def due_followups(self, now: float) -> None:
        for item in [x for x in self.later if x[0] <= now]:
            self.later.remove(item)
            _, action, url = item
            if action == "restore":
                self.room.restore(url)


# ---- running ----------------------------------------------------------------------------------------
async def follow(ctx: Context, urls: dict[str, str], poll: float) -> None:
    for name, url in urls.items():
        oid = ctx.store.add_outlet(name, url, poll, utcnow())
        ctx.store.add_source(oid, "listing", url, utcnow())
        await discover_outlet(ctx, ctx.store.outlet(id=oid), utcnow())


async def watch(ctx: Context, seconds: float, until: Callable[[], bool] | None = None) -> None:
    runner = Runner(ctx)

    async def stop_when_done() -> None:
        while until is not None and not until():
            await asyncio.sleep(0.5)
        if until is not None:
            runner.stop()

    waiter = asyncio.create_task(stop_when_done())
    await runner.run(duration=seconds)
    waiter.cancel()


def settled(ctx: Context, quiet: float) -> Callable[[], bool]:
    """True once no article has been newly seen for `quiet` seconds (the oldest articles of a big
    outlet are in no listing at all, so "every article" is never reached)."""
    last = {"count": -1, "at": time.monotonic()}

    def check() -> bool:
        count = len(ctx.store.events(kind="new"))
        if count != last["count"]:
            last.update(count=count, at=time.monotonic())
        return count > 0 and time.monotonic() - last["at"] >= quiet

    return check


async def play(script: Script, seconds: float, rate: float, outages: int) -> None:
    """Script changes at `rate` per second, and `outages` outlet-wide failures, for `seconds`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    outage_at = sorted(script.rng.uniform(0.1, 0.8) * seconds for _ in range(outages))
    while (now := loop.time() - start) < seconds:
        if outage_at and now >= outage_at[0]:
            outage_at.pop(0)
            script.outage(time.monotonic())
        script.due_followups(time.monotonic())
        if now < seconds - 4 * script.recheck:  # the last changes get time to be confirmed
            script.step(time.monotonic())
        await asyncio.sleep(script.rng.expovariate(rate))


async def run(args: argparse.Namespace) -> tuple[Newsroom, list[dict], datetime]:
    per_outlet = max(8, args.articles // args.outlets)
    room = Newsroom.build(seed=args.seed, outlets=args.outlets, articles_per_outlet=per_outlet)
    data = Path(tempfile.mkdtemp(prefix="memoryhole-bench-"))
    with serve(room) as sim:
        paths = Paths.resolve(data, None)
        settings = load_settings(
            paths,
            allow_private=True,
            recheck=args.recheck,
            poll=args.recheck / 2,
            confirm_gap=args.recheck / 2,
            probe_interval=3600.0,
            total_timeout=SLACK.total_seconds(),
            concurrency=32,
            per_host=4,
        )
        ctx = build_context(paths, settings, open_store(paths))
        try:
            await follow(ctx, sim.urls, settings.poll)
            t0 = time.monotonic()
            await watch(ctx, 600, until=settled(ctx, 3 * args.recheck))
            seen = len(ctx.store.events(kind="new"))
            print(f"baseline: {seen} of {len(room.articles())} articles listed somewhere and seen "
                  f"in {time.monotonic() - t0:.0f} s", file=sys.stderr)  # fmt: skip
            started = utcnow()
            # each outlet's oldest story becomes an editor's pick atop its listing pages
            if args.pin:
                for outlet in room.outlets.values():
                    room.pin(room.url_of(outlet.visible()[-1]))
            tracked = lambda url: ctx.store.article(url) is not None  # noqa: E731
            script = Script(room, random.Random(args.seed), args.recheck, tracked)
            player = asyncio.create_task(play(script, args.minutes * 60, args.rate, args.outages))
            ctx.lag.keep = args.minutes * 60 + 10 * args.recheck
            await watch(ctx, args.minutes * 60 + 5 * args.recheck)
            await player
            span = args.minutes * 60 + 5 * args.recheck
            print(f"machine: load average {os.getloadavg()[1]:.1f} (5 min) at the end; the monitor's "
                  f"event loop ran {ctx.lag.lost(span):.0f} s late in total over the {span:.0f} s "
                  "timeline", file=sys.stderr)  # fmt: skip
            events = [e for e in ctx.store.events() if e["detected_at"] >= started]
        finally:
            await close_context(ctx)
    print(f"data kept in {data}", file=sys.stderr)
    return room, events, started


# ---- scoring ----------------------------------------------------------------------------------------
@dataclass
class Truth:
    kind: str
    key: str  # article URL (old URL for a move), or outlet name for an outage
    at: datetime
    how: str | None = None
    new_url: str | None = None


def ground_truth(log: list[dict]) -> tuple[list[Truth], list[dict]]:
    """Expected events from the newsroom log, and the traps (which expect none)."""
    kinds = {"publish": "new", "edit": "edited", "delete": "deleted", "unlist": "unlisted"}
    kinds |= {"move": "moved", "restore": "restored", "fail": "outage"}
    truth, traps = [], []
    for entry in log:
        action = entry["action"]
        if action in TRAP_ACTIONS:
            traps.append(entry)
            continue
        key = entry["outlet"] if action == "fail" else entry["url"]
        how = JUDGED_AS[entry["how"]] if action == "delete" else None
        truth.append(Truth(kinds[action], key, entry["at"], how, entry.get("new_url")))
        if action == "fail":
            traps.append(entry)
    return truth, traps


def event_key(event: dict) -> str:
    return event["source"] if event["kind"] == "outage" else event["url"]


#: An event's detected_at is when its check began; a check that began up to one fetch deadline
#: before the scripted change may still have fetched the changed page.
SLACK = timedelta(seconds=5)


def match(truth: list[Truth], events: list[dict]) -> tuple[list[tuple[Truth, dict]], list[dict]]:
    """Pair each expected event with the first recorded event of its kind and key (in time order)."""
    pending: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e["detected_at"]):
        pending[(e["kind"], event_key(e))].append(e)
    pairs = []
    for t in sorted(truth, key=lambda t: t.at):
        queue = pending[(t.kind, t.key)]
        found = next((e for e in queue if e["detected_at"] >= t.at - SLACK), None)
        if found is not None:
            queue.remove(found)
            pairs.append((t, found))
    unmatched = [e for queue in pending.values() for e in queue]
    return pairs, unmatched


def blame(event: dict, traps: list[dict], recheck: float) -> str:
    """Which trap (if any) was active on the event's article or outlet shortly before it."""
    for trap in traps:
        near = timedelta(seconds=8 * recheck)
        same = trap["url"] == event["url"] or (
            trap["action"] in ("fail", "recover") and trap["outlet"] == event["source"]
        )
        if same and trap["at"] <= event["detected_at"] <= trap["at"] + near:
            return f"{trap['action']} {trap['how'] or ''}".strip()
    return "no trap"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (nan when empty)."""
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else float("nan")


def report(truth: list[Truth], traps: list[dict], events: list[dict], recheck: float) -> None:
    pairs, unmatched = match(truth, events)
    print(f"{'kind':10} {'truth':>6} {'events':>6} {'hits':>6} {'precision':>9} {'recall':>7} "
          f"{'latency×R median':>17} {'p90':>6}")  # fmt: skip
    for kind in EVENT_KINDS:
        expected = sum(t.kind == kind for t in truth)
        recorded = sum(e["kind"] == kind for e in events)
        hits = [(t, e) for t, e in pairs if t.kind == kind]
        lat = sorted((e["detected_at"] - t.at).total_seconds() / recheck for t, e in hits)
        precision = len(hits) / recorded if recorded else float("nan")
        recall = len(hits) / expected if expected else float("nan")
        med = statistics.median(lat) if lat else float("nan")
        p90 = percentile(lat, 0.9)
        print(f"{kind:10} {expected:6} {recorded:6} {len(hits):6} {precision:9.3f} {recall:7.3f} "
              f"{med:17.2f} {p90:6.2f}")  # fmt: skip
    deletions = [(t, e) for t, e in pairs if t.kind == "deleted"]
    right = sum(t.how == e["how"] for t, e in deletions)
    print(f"how accuracy: {right}/{len(deletions)}")
    for t, e in deletions:
        if t.how != e["how"]:
            print(f"  wrong how: {t.how} judged {e['how']}: {t.key}")
    all_lat = sorted((e["detected_at"] - t.at).total_seconds() / recheck for t, e in pairs)
    if all_lat:
        print(f"latency, all kinds: median {statistics.median(all_lat):.2f} R, "
              f"p90 {percentile(all_lat, 0.9):.2f} R (R = {recheck:g} s)")  # fmt: skip
    causes = Counter(blame(e, traps, recheck) for e in unmatched)
    print(f"false alarms: {len(unmatched)} " + (f"({dict(causes)})" if causes else ""))
    for e in unmatched:
        print(f"  {e['detected_at']:%H:%M:%S} {e['kind']} {e.get('how') or ''} {event_key(e)}: "
              f"{e['summary'][:80]}")  # fmt: skip
    missed = [t for t in truth if all(t is not p for p, _ in pairs)]
    for t in missed:
        print(f"  {t.at:%H:%M:%S} missed {t.kind} {t.how or ''} {t.key}")
    trap_counts = Counter(f"{x['action']} {x['how'] or ''}".strip() for x in traps)
    print(f"traps scripted: {dict(trap_counts)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="seeded articles, all outlets")
    parser.add_argument(
        "--minutes", type=float, default=4.0, help="length of the scripted timeline"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--outlets", type=int, default=3)
    parser.add_argument(
        "--recheck", type=float, default=10.0, help="article recheck interval R (s)"
    )
    parser.add_argument("--rate", type=float, default=0.8, help="scripted changes per second")
    parser.add_argument("--outages", type=int, default=4, help="outlet-wide failures")
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pin each outlet's oldest story atop its homepage and section pages (default: on)",
    )
    args = parser.parse_args(argv)
    room, events, _started = asyncio.run(run(args))
    truth, traps = ground_truth(list(room.log))
    published = {e["url"] for e in room.log if e["action"] == "publish"}
    # A seeded article in no listing at the start (an outlet of 100 shows its latest 20) can surface
    # later, when deletions make room on a section page: its first sighting is news to the monitor,
    # not a scripted change, so it is counted apart rather than as a false "new".
    late = [e for e in events if e["kind"] == "new" and e["url"] not in published]
    late = [e for e in late if not any(m.get("new_url") == e["url"] for m in room.log)]
    print(f"old articles first seen during the timeline (not scored): {len(late)}")
    events = [e for e in events if e not in late]
    report(truth, traps, events, args.recheck)
    return 0


if __name__ == "__main__":
    sys.exit(main())
