"""Web latency benchmark: the real uvicorn server over a large SQLite database.

    python bench/web.py [--articles 100000] [--versions 3] [--concurrency 4] [--requests 200] [--data DIR]

Fills a database (bulk inserts with SQLAlchemy Core; the FTS index is kept by its trigger as in
production) with outlets × articles, several versions each, a fetch per version and events (new for
every article, edits, deletions, unlistings over 60 days); then reports p50/p95 latency of the overview,
a search and an article timeline, each hit ``--requests`` times by ``--concurrency`` client threads.
An existing ``--data`` directory holding a filled database is reused.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from memoryhole.app import Paths, load_settings
from memoryhole.models import utcnow
from memoryhole.store import Store
from memoryhole.store import schema as t
from memoryhole.web import start_in_thread

CHUNK = 5_000


def vocabulary(rng: random.Random, n: int = 6_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def article_text(rng: random.Random, vocab: list[str]) -> str:
    # Zipf-like choice: a few words are everywhere, most are rare (as in real text)
    paras = []
    for _ in range(rng.randint(3, 5)):
        n = rng.randint(15, 30)
        paras.append(
            " ".join(vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)] for _ in range(n))
            + "."
        )
    return "\n\n".join(paras)


def fill(
    store: Store, articles: int, versions_per: int, outlets: int, seed: int = 1
) -> dict[str, int]:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(
            insert(t.outlets),
            [
                dict(
                    name=f"outlet-{i}",
                    homepage=f"https://outlet-{i}.example/",
                    poll_seconds=600.0,
                    paused=False,
                    created_at=now - timedelta(days=90),
                )
                for i in range(outlets)
            ],
        )
    ids = {"version": 0, "fetch": 0, "event": 0}
    events: list[dict] = []
    for start in range(0, articles, CHUNK):
        n = min(CHUNK, articles - start)
        rows = _chunk(rng, vocab, start, n, versions_per, outlets, now, ids)
        with store.engine.begin() as conn:
            for table, values in rows:
                if table is t.events:
                    events += values
                elif values:
                    conn.execute(insert(table), values)
        print(f"\r  {start + CHUNK:>7} articles", end="", file=sys.stderr, flush=True)
    # The monitor appends events as it detects them: ids follow detection time.
    events.sort(key=lambda e: e["detected_at"])
    for i, ev in enumerate(events, 1):
        ev["id"] = i
    with store.engine.begin() as conn:
        for start in range(0, len(events), CHUNK):
            conn.execute(insert(t.events), events[start : start + CHUNK])
    print(file=sys.stderr)
    return store.counts()


def _chunk(rng, vocab, start, n, versions_per, outlets, now, ids):  # type: ignore[no-untyped-def]
    arts, fetches, versions, events = [], [], [], []
    for k in range(n):
        aid = start + k + 1
        outlet = rng.randrange(outlets) + 1
        seen = now - timedelta(days=rng.uniform(1, 60))
        status = rng.choices(["live", "deleted", "unlisted"], [94, 4, 2])[0]
        text = article_text(rng, vocab)
        title = " ".join(rng.choice(vocab) for _ in range(6)).capitalize()
        arts.append(
            dict(
                id=aid,
                outlet_id=outlet,
                url=f"https://outlet-{outlet - 1}.example/a/{aid}",
                status=status,
                first_seen=seen,
                next_check_at=now,
                checks=versions_per,
                title=title,
                current_version=versions_per,
                last_checked=now,
            )
        )
        vid_prev = None
        for number in range(1, versions_per + 1):
            ids["fetch"] += 1
            ids["version"] += 1
            at = seen + timedelta(hours=number * 6)
            fetches.append(
                dict(
                    id=ids["fetch"],
                    article_id=aid,
                    outlet_id=outlet,
                    purpose="article",
                    url=arts[-1]["url"],
                    final_url=arts[-1]["url"],
                    started_at=at,
                    elapsed=0.2,
                    status=200,
                    redirects=[],
                    revisit=False,
                )
            )
            versions.append(
                dict(
                    id=ids["version"],
                    article_id=aid,
                    number=number,
                    fetch_id=ids["fetch"],
                    fetched_at=at,
                    url=arts[-1]["url"],
                    title=title,
                    byline="By Someone",
                    language="en",
                    text=text,
                    digest=f"{aid}-{number}",
                )
            )
            kind = "new" if number == 1 else "edited"
            if number == 1 or rng.random() < 0.15:
                events.append(
                    _event(ids, kind, outlet, aid, at, ids["version"], vid_prev, ids["fetch"])
                )
            vid_prev = ids["version"]
            text = text.replace(rng.choice(text.split()), rng.choice(vocab), 1)
        if status != "live":
            ids["fetch"] += 1
            at = seen + timedelta(hours=versions_per * 6 + 12)
            fetches.append(
                dict(
                    id=ids["fetch"],
                    article_id=aid,
                    outlet_id=outlet,
                    purpose="article",
                    url=arts[-1]["url"],
                    final_url=arts[-1]["url"],
                    started_at=at,
                    elapsed=0.1,
                    status=404 if status == "deleted" else 200,
                    redirects=[],
                    revisit=False,
                )
            )
            ev = _event(ids, status, outlet, aid, at, vid_prev, None, ids["fetch"])
            ev["how"] = "http-404" if status == "deleted" else None
            events.append(ev)
    return [(t.articles, arts), (t.fetches, fetches), (t.versions, versions), (t.events, events)]


def _event(ids, kind, outlet, aid, at, vid, prev, fid):  # type: ignore[no-untyped-def]
    ids["event"] += 1
    return dict(
        id=ids["event"],
        kind=kind,
        outlet_id=outlet,
        article_id=aid,
        detected_at=at,
        version_id=vid,
        previous_version_id=prev,
        fetch_ids=[fid],
        how=None,
        new_url=None,
        summary=kind,
        details=None,
    )


def measure(base: str, paths: list[str], concurrency: int) -> list[float]:
    """Latencies (ms) of GETting every path, ``concurrency`` requests in flight."""
    queue = list(paths)
    lock = threading.Lock()
    out: list[float] = []

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                t0 = time.perf_counter()
                resp = client.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {resp.status_code}")
                with lock:
                    out.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--versions", type=int, default=3, help="versions per article")
    ap.add_argument("--outlets", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200, help="requests per page kind")
    ap.add_argument("--data", type=Path, help="data directory (default: a new temporary one)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    data = args.data or Path(tempfile.mkdtemp(prefix="mh-bench-web-"))
    paths = Paths.resolve(data, None)
    store = Store(paths.db_url)
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(t.articles)).scalar() or 0
    if not have:
        t0 = time.perf_counter()
        counts = fill(store, args.articles, args.versions, args.outlets)
        print(f"filled {counts} in {time.perf_counter() - t0:.0f} s ({data})", file=sys.stderr)
    counts = store.counts()
    rng = random.Random(2)
    with store.engine.connect() as conn:
        max_id = conn.execute(select(func.max(t.articles.c.id))).scalar()
        words = [w for (w,) in conn.execute(select(t.versions.c.title).limit(400))]
    terms = [w.split()[rng.randrange(6)] for w in words]
    url, stop = start_in_thread(paths, load_settings(paths), store=store)
    pages = {
        "overview": ["/"] * args.requests,
        "search": [f"/search?q={rng.choice(terms)}" for _ in range(args.requests)],
        "timeline": [f"/articles/{rng.randint(1, max_id)}" for _ in range(args.requests)],
    }
    results = {}
    try:
        for name, todo in pages.items():
            measure(url, todo[:10], args.concurrency)  # warm the caches
            lat = measure(url, todo, args.concurrency)
            results[name] = {
                "p50_ms": round(pct(lat, 50), 1),
                "p95_ms": round(pct(lat, 95), 1),
                "n": len(lat),
            }
    finally:
        stop()
    report = {"counts": counts, "concurrency": args.concurrency, "latency": results}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
