"""Load benchmark: the monitor held at its highest check rate for minutes while the web UI is under load.

    python bench/load.py [--minutes 10] [--outlets 6] [--articles 150] [--recheck 2s]
                         [--ui-concurrency 4] [--warmup 30] [--json bench/out/load.json] [--data DIR]

Starts the simulator, `memoryhole run` (a recheck interval far shorter than one pass over every article
keeps it saturated) and `memoryhole serve`, each as its own process, and drives the UI with a bounded
concurrent loop of GETs. Every 10 s it samples the monitor's RSS (with its extraction workers), the web
server's RSS, the check rate and fetch errors from the database opened read-only. Reports memory growth
(flat or not), check rate, UI p50/p95 latency per page kind and UI errors. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SAMPLE_EVERY = 10.0
GRACE = 15.0  # seconds a process gets after SIGTERM before SIGKILL
CLI = str(Path(sys.executable).parent / "memoryhole")
PAGES = {  # page kind -> path ({id} is a random article id from the database)
    "overview": "/",
    "search": "/search?q=corridor",
    "timeline": "/articles/{id}",
    "api-changes": "/api/changes",
}


# ---- processes ------------------------------------------------------------------------------------
class Processes:
    """Every child process this bench started, stopped in reverse order: SIGTERM, then SIGKILL."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd: list[str], **kw: object) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, **kw)  # type: ignore[call-overload]
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for sig in (
            signal.SIGINT,
            signal.SIGTERM,
        ):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def start_simulator(procs: Processes, outlets: int, articles: int) -> dict[str, str]:
    cmd = [sys.executable, "-m", "memoryhole.simulate", "--outlets", str(outlets),
           "--articles", str(articles), "--seed", "1"]  # fmt: skip
    proc = procs.start(cmd, stdout=subprocess.PIPE, text=True)
    urls: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "ready":
            return urls
        name, url = line.split()
        urls[name] = url
    raise RuntimeError("the simulator exited before it was ready")


def free_port() -> int:
    # The OS picks a free port; the tiny race before serve binds it is acceptable for a bench.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"memoryhole serve exited with {proc.returncode}")
            try:
                client.get(base + "/openapi.json")
                return
            except httpx.TransportError:
                time.sleep(0.3)
    raise RuntimeError("memoryhole serve did not answer within a minute")


# ---- measurements from /proc and the database -----------------------------------------------------
def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every live descendant of pid (the extraction workers), from the ppid field of /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


class Database:
    """The monitor's SQLite database, opened read-only per query so the bench never holds a lock."""

    def __init__(self, path: Path) -> None:
        self.uri = f"file:{path}?mode=ro"
        self.last_id = 0

    def query(self, sql: str, *args: object) -> list[tuple]:
        conn = sqlite3.connect(self.uri, uri=True, timeout=10)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def new_fetches(self) -> tuple[int, int, Counter[str]]:
        """Fetches since the previous call: (all, article checks, errors by class)."""
        rows = self.query(
            "SELECT max(id), count(*), sum(purpose = 'article') FROM fetches WHERE id > ?",
            self.last_id,
        )
        top, n, articles = rows[0]
        errors = Counter(
            dict(
                self.query(
                    "SELECT error, count(*) FROM fetches WHERE id > ? AND id <= ? AND error IS NOT NULL"
                    " GROUP BY error",
                    self.last_id,
                    top or self.last_id,
                )
            )  # fmt: skip
        )
        self.last_id = top or self.last_id
        return n, articles or 0, errors

    def article_ids(self, limit: int = 500) -> list[int]:
        return [
            r[0] for r in self.query("SELECT id FROM articles ORDER BY random() LIMIT ?", limit)
        ]


# ---- the UI load ----------------------------------------------------------------------------------
@dataclass
class UILoad:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in PAGES})
    errors: Counter[str] = field(default_factory=Counter)
    article_ids: list[int] = field(default_factory=list)

    async def worker(self, client: httpx.AsyncClient, deadline: float, rng: random.Random) -> None:
        kinds = list(PAGES)
        while time.monotonic() < deadline:
            kind = rng.choice(kinds)
            if kind == "timeline" and not self.article_ids:
                continue  # nothing discovered yet
            path = PAGES[kind].format(id=rng.choice(self.article_ids) if self.article_ids else 0)
            t0 = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError as exc:
                self.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            self.latencies[kind].append(time.perf_counter() - t0)
            if not 200 <= response.status_code < 300:
                self.errors[f"{kind}: HTTP {response.status_code}"] += 1


# ---- the run --------------------------------------------------------------------------------------
@dataclass
class Sample:
    t: float
    monitor_mib: float
    workers_mib: float
    workers: int
    web_mib: float
    fetches: int
    article_checks: int
    checks_per_s: float
    errors: dict[str, int]

    @property
    def total_mib(self) -> float:
        return self.monitor_mib + self.workers_mib


async def sample_loop(
    db: Database, monitor: subprocess.Popen, web: subprocess.Popen, ui: UILoad,
    deadline: float, samples: list[Sample],
) -> None:  # fmt: skip
    start = last = time.monotonic()
    db.new_fetches()  # the rate counts from here
    while time.monotonic() < deadline:
        await asyncio.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.monotonic())))
        if monitor.poll() is not None or web.poll() is not None:
            raise RuntimeError("the monitor or the web server exited during the run")
        now = time.monotonic()
        workers = descendants(monitor.pid)
        n, articles, errors = db.new_fetches()
        s = Sample(
            t=round(now - start, 1),
            monitor_mib=round(rss_mib(monitor.pid), 1),
            workers_mib=round(sum(rss_mib(p) for p in workers), 1),
            workers=len(workers),
            web_mib=round(rss_mib(web.pid), 1),
            fetches=n,
            article_checks=articles,
            checks_per_s=round(articles / (now - last), 1),
            errors=dict(errors),
        )
        last = now
        samples.append(s)
        ui.article_ids = db.article_ids() or ui.article_ids
        print(f"  t={s.t:6.0f}s  monitor+workers {s.total_mib:6.1f} MiB ({s.workers} workers)  "
              f"web {s.web_mib:6.1f} MiB  {s.checks_per_s:6.1f} checks/s  errors {s.errors or '-'}",
              flush=True)  # fmt: skip


async def drive(args: argparse.Namespace, db: Database, monitor: subprocess.Popen,
                web: subprocess.Popen, base: str) -> tuple[list[Sample], UILoad, float]:  # fmt: skip
    ui = UILoad(article_ids=db.article_ids())
    samples: list[Sample] = []
    t0 = time.monotonic()
    deadline = t0 + args.minutes * 60
    rng = random.Random(1)
    limits = httpx.Limits(max_connections=args.ui_concurrency)
    async with httpx.AsyncClient(
        base_url=base, trust_env=False, timeout=30, limits=limits
    ) as client:
        workers = [
            ui.worker(client, deadline, random.Random(rng.random()))
            for _ in range(args.ui_concurrency)
        ]
        await asyncio.gather(sample_loop(db, monitor, web, ui, deadline, samples), *workers)
    return samples, ui, time.monotonic() - t0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def thirds_mean(values: list[float]) -> tuple[float, float, float]:
    k = max(1, len(values) // 3)
    parts = (values[:k], values[k : len(values) - k] or values[k - 1 : k], values[-k:])
    return tuple(round(sum(p) / len(p), 1) for p in parts)  # type: ignore[return-value]


def memory_report(values: list[float]) -> dict:
    first, second, last = thirds_mean(values)
    return {
        "first_third_mean_mib": first,
        "second_third_mean_mib": second,
        "last_third_mean_mib": last,
        "growth_mib": round(last - first, 1),
        "growth_pct": round(100 * (last - first) / first, 1) if first else None,
        "flat": abs(last - second) <= 0.10 * second,  # last third within 10% of the second third
    }


def summarise(args: argparse.Namespace, samples: list[Sample], ui: UILoad, wall: float) -> dict:
    # Start-up (imports, workers forking, the first discovery) is not the sustained state.
    steady = [s for s in samples if s.t > args.warmup] or samples
    rates = [s.checks_per_s for s in steady]
    fetch_errors: Counter[str] = Counter()
    for s in samples:
        fetch_errors.update(s.errors)
    requests = sum(len(v) for v in ui.latencies.values())
    return {
        "config": {k: str(v) for k, v in vars(args).items()},
        "wall_s": round(wall, 1),
        "memory_monitor_and_workers": memory_report([s.total_mib for s in steady]),
        "memory_web": memory_report([s.web_mib for s in steady]),
        "check_rate": {
            "mean_per_s": round(sum(rates) / len(rates), 1) if rates else None,
            "min_per_s": min(rates) if rates else None,
            "max_per_s": max(rates) if rates else None,
            "thirds_mean_per_s": thirds_mean(rates) if rates else None,
            "note": "article checks/s per 10 s interval, after the warm-up",
        },
        "fetches": sum(s.fetches for s in samples),
        "article_checks": sum(s.article_checks for s in samples),
        "fetch_errors": dict(fetch_errors),
        "ui": {
            "requests": requests,
            "requests_per_s": round(requests / wall, 1),
            "errors": dict(ui.errors),
            "pages": {
                kind: {
                    "n": len(v),
                    "p50_ms": round(1000 * percentile(v, 0.50), 1),
                    "p95_ms": round(1000 * percentile(v, 0.95), 1),
                }
                for kind, v in ui.latencies.items()
            },
        },
        "samples": [dict(vars(s), total_mib=round(s.total_mib, 1)) for s in samples],
    }


def setup(
    args: argparse.Namespace, procs: Processes, data: Path
) -> tuple[subprocess.Popen, subprocess.Popen, str]:
    urls = start_simulator(procs, args.outlets, args.articles)
    print(f"simulator: {len(urls)} outlets × {args.articles} articles", flush=True)
    for name, url in urls.items():
        subprocess.run([CLI, "--data", str(data), "add", url, "--name", name, "--allow-private"],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    logs = data / "logs"
    logs.mkdir(exist_ok=True)
    monitor = procs.start(
        [CLI, "--data", str(data), "run", "--recheck", args.recheck, "--poll", "10s", "--allow-private"],
        stdout=subprocess.DEVNULL, stderr=(logs / "run.err").open("w"),
    )  # fmt: skip
    port = free_port()
    web = procs.start([CLI, "--data", str(data), "serve", "--port", str(port)],
                      stdout=subprocess.DEVNULL, stderr=(logs / "serve.err").open("w"))  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, web)
    return monitor, web, base


def print_report(r: dict) -> None:
    mem, web, rate, ui = r["memory_monitor_and_workers"], r["memory_web"], r["check_rate"], r["ui"]
    print(
        f"\nran {r['wall_s']:.0f} s; {r['article_checks']} article checks, {r['fetches']} fetches"
    )
    print(f"memory, monitor + workers: {mem['first_third_mean_mib']} → {mem['second_third_mean_mib']} → "
          f"{mem['last_third_mean_mib']} MiB (growth {mem['growth_mib']} MiB, {mem['growth_pct']}%), "
          f"flat: {mem['flat']}")  # fmt: skip
    print(
        f"memory, web server: {web['first_third_mean_mib']} → {web['last_third_mean_mib']} MiB, flat: {web['flat']}"
    )
    print(
        f"check rate: mean {rate['mean_per_s']}/s, min {rate['min_per_s']}/s, "
        f"by third {rate['thirds_mean_per_s']}"
    )
    print(f"fetch errors: {r['fetch_errors'] or 'none'}")
    print(
        f"UI: {ui['requests']} requests ({ui['requests_per_s']}/s), errors: {ui['errors'] or 'none'}"
    )
    for kind, p in ui["pages"].items():
        print(f"  {kind:12} n={p['n']:6}  p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--outlets", type=int, default=6)
    parser.add_argument("--articles", type=int, default=150, help="articles per outlet")
    parser.add_argument(
        "--recheck", default="2s", help="recheck interval given to `memoryhole run`"
    )
    parser.add_argument("--ui-concurrency", type=int, default=4)
    parser.add_argument(
        "--warmup", type=float, default=30.0, help="seconds left out of memory and rate figures"
    )
    parser.add_argument("--json", type=Path, default=Path("bench/out/load.json"))
    parser.add_argument(
        "--data", type=Path, help="data directory to keep (default: a temporary one)"
    )
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally below stops the children. SIGINT is set too
    # because a shell starts background jobs with it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    procs = Processes()
    with tempfile.TemporaryDirectory(prefix="mh-load-") as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        try:
            monitor, web, base = setup(args, procs, data)
            print(
                f"monitor pid {monitor.pid}, web {base} pid {web.pid}; running {args.minutes} min",
                flush=True,
            )
            samples, ui, wall = asyncio.run(
                drive(args, Database(data / "memoryhole.db"), monitor, web, base)
            )
        except KeyboardInterrupt:
            print("interrupted: stopping every process", file=sys.stderr)
            raise SystemExit(130) from None
        except BaseException:
            for log in sorted((data / "logs").glob("*.err")):
                tail = log.read_text(errors="replace")[-2000:]
                print(f"--- {log.name} (tail)\n{tail}", file=sys.stderr)
            raise
        finally:
            procs.stop_all()
    report = summarise(args, samples, ui, wall)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print_report(report)
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
