"""Crawl benchmark: the real monitor against a simulated newsroom served by another process.

    python bench/crawl.py [--outlets 10] [--articles 500] [--sample 300] [--json bench/out/crawl.json]

Reports, for a newsroom of outlets × articles (default 5,000 articles):
  * first crawl: articles/s, CPU per new article (this process + extraction workers), and that CPU as a
    ratio to trafilatura's extraction alone on the same pages in the same run;
  * rechecks when nothing changed, per CPU-second: (a) pages whose bytes are identical or answer 304,
    (b) pages whose bytes change on every load (clock, counters, nonces) while the article does not;
  * peak memory, bytes stored per article and per unchanged recheck, and how busy both cores were.
The article list is seeded straight from the simulator, so discovery is not part of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from memoryhole.app import Paths, build_context, close_context, load_settings, open_store
from memoryhole.models import utcnow
from memoryhole.runner import Runner
from memoryhole.simulate.server import control


def start_simulator(
    outlets: int, articles: int, noise: bool
) -> tuple[subprocess.Popen, dict[str, str]]:
    cmd = [
        sys.executable,
        "-m",
        "memoryhole.simulate",
        "--outlets",
        str(outlets),
        "--articles",
        str(articles),
        "--seed",
        "1",
    ]
    if not noise:
        cmd.append("--no-noise")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    urls: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            break
        name, url = line.split()
        urls[name] = url
    return proc, urls


def cpu_of(pids: list[int]) -> float:
    """User+system CPU seconds of other live processes (the extraction workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return total


def peak_rss_mb(pids: list[int]) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    workers += int(line.split()[1]) / 1024
        except OSError:
            pass
    return own + workers


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Meter:
    """CPU and wall time of one phase: this process plus the extraction worker processes."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx

    def pids(self) -> list[int]:
        pool = getattr(self.ctx.analyser, "_pool", None)
        return [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]

    def __enter__(self) -> Meter:
        self.wall0, self.cpu0, self.w0 = (
            time.perf_counter(),
            time.process_time(),
            cpu_of(self.pids()),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0 + cpu_of(self.pids()) - self.w0


async def crawl_phases(
    urls: dict[str, str], data: Path, *, label: str, recheck_rounds: int
) -> dict:
    paths = Paths.resolve(data, None)
    settings = load_settings(paths, allow_private=True, concurrency=32, per_host=8, recheck=3600.0)
    store = open_store(paths)
    now = utcnow()
    total = 0
    for name, base in urls.items():
        oid = store.add_outlet(name, base, 3600.0, now)
        sid = store.add_source(oid, "sitemap", base + "bench-seed", now)
        listed = control(base, "urls", outlet=name)
        total += len(listed)
        store.record_listing(oid, sid, [(u, u, None) for u in listed], now)
    with store.engine.begin() as conn:  # discovery is not measured: no source polls, no probes
        from sqlalchemy import text

        conn.execute(
            text("UPDATE sources SET next_poll_at = :t"), {"t": now.replace(year=now.year + 1)}
        )
        conn.execute(
            text("UPDATE outlets SET next_probe_at = :t, last_discovered_at = :n"),
            {"t": now.replace(year=now.year + 1), "n": now},
        )
    ctx = build_context(paths, settings, store)
    pool = ctx.analyser._pool
    if pool is not None:  # start (and warm up) every worker before timing
        for f in [pool.submit(time.sleep, 0.3) for _ in range(os.cpu_count() or 1)]:
            f.result()
    meter = Meter(ctx)
    out: dict = {"label": label, "articles": total}
    try:
        with meter:
            await Runner(ctx, alerts=False, index_quotes=False).run(once=True)
        counts = store.counts()
        out["first_crawl"] = {
            "wall_s": round(meter.wall, 2),
            "cpu_s": round(meter.cpu, 2),
            "articles_per_s": round(total / meter.wall, 1),
            "cpu_ms_per_article": round(1000 * meter.cpu / total, 2),
            "cores_busy": round(meter.cpu / meter.wall, 2),
            "versions": counts["versions"],
        }
        stored = dir_bytes(paths.data)
        out["bytes_per_article"] = round(stored / total)
        for rnd in range(recheck_rounds):
            with store.engine.begin() as conn:
                conn.execute(text("UPDATE articles SET next_check_at = :t"), {"t": utcnow()})
            versions_before = store.counts()["versions"]
            before = dir_bytes(paths.data)
            with meter:
                await Runner(ctx, alerts=False, index_quotes=False).run(once=True)
            added = dir_bytes(paths.data) - before
            out[f"recheck_{rnd + 1}"] = {
                "wall_s": round(meter.wall, 2),
                "cpu_s": round(meter.cpu, 2),
                "rechecks_per_cpu_s": round(total / meter.cpu, 1),
                "rechecks_per_s": round(total / meter.wall, 1),
                "cores_busy": round(meter.cpu / meter.wall, 2),
                "new_versions": store.counts()["versions"] - versions_before,
                "bytes_per_recheck": round(added / total),
            }
        out["peak_rss_mb"] = round(peak_rss_mb(meter.pids()), 1)
    finally:
        await close_context(ctx)
        store.close()
    return out


def trafilatura_baseline(urls: dict[str, str], sample: int) -> dict:
    """trafilatura's extraction alone (with metadata, as the pipeline asks for) on a sample of the same pages."""
    import trafilatura

    pages = []
    with httpx.Client(trust_env=False) as client:
        listed = [u for name, base in urls.items() for u in control(base, "urls", outlet=name)]
        for url in random.Random(1).sample(listed, min(sample, len(listed))):
            r = client.get(url)
            pages.append((url, r.content))
    trafilatura.bare_extraction(pages[0][1], url=pages[0][0], with_metadata=True)  # warm up
    t0 = time.process_time()
    for url, html in pages:
        trafilatura.bare_extraction(html, url=url, with_metadata=True)
    cpu = time.process_time() - t0
    return {
        "pages": len(pages),
        "cpu_ms_per_page": round(1000 * cpu / len(pages), 2),
        "mean_page_kb": round(sum(len(h) for _, h in pages) / len(pages) / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outlets", type=int, default=10)
    ap.add_argument("--articles", type=int, default=500, help="articles per outlet")
    ap.add_argument("--sample", type=int, default=300, help="pages for the trafilatura baseline")
    ap.add_argument("--json", type=Path, default=Path("bench/out/crawl.json"))
    args = ap.parse_args()
    results: dict = {"machine": {"cores": os.cpu_count()}}
    for noise in (True, False):
        label = "noisy" if noise else "quiet"
        proc, urls = start_simulator(args.outlets, args.articles, noise)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                print(
                    f"[{label}] crawling {args.outlets} outlets × {args.articles} articles …",
                    file=sys.stderr,
                )
                results[label] = asyncio.run(
                    crawl_phases(urls, Path(tmp), label=label, recheck_rounds=1)
                )
                if noise:
                    results["trafilatura"] = trafilatura_baseline(urls, args.sample)
        finally:
            proc.terminate()
            proc.wait(10)
    noisy, quiet, base = results["noisy"], results["quiet"], results["trafilatura"]
    results["ratios"] = {
        "cpu_per_new_article_vs_trafilatura": round(
            noisy["first_crawl"]["cpu_ms_per_article"] / base["cpu_ms_per_page"], 2
        ),
        "identical_or_304_rechecks_per_cpu_s": quiet["recheck_1"]["rechecks_per_cpu_s"],
        "noisy_rechecks_per_cpu_s": noisy["recheck_1"]["rechecks_per_cpu_s"],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
