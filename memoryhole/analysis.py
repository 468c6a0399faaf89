"""The CPU-heavy step of a check, run in worker processes: fingerprint the page, extract it only if needed.

A recheck of a page whose bytes changed only in furniture (clocks, counters, nonces) costs one cheap
fingerprint instead of a full trafilatura extraction; that is what keeps noisy rechecks fast.

Workers are forked from the monitor (fast to start, and they die with it: `_worker_start`), so they
begin with copies of every socket the monitor had open. The first thing a worker does is close them:
a copied listening socket (the simulated newsroom's or the web server's, in `demo` and in tests)
would otherwise outlive its close in the monitor and go on queueing connections nobody accepts, and a
copied connection would never see its end. The pool talks over pipes, which are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import stat
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from .extract import extract, extract_tree, parse_html_safely
from .fingerprint import is_trusted, tree_fingerprint
from .models import Document


@dataclass(frozen=True)
class Analysis:
    fingerprint: str
    document: Document | None  # None: the fingerprint matched, so the article did not change


def analyse(
    body: bytes, charset: str | None, url: str, previous_fingerprint: str | None
) -> Analysis:
    root = parse_html_safely(body, charset)  # parsed once for both: neither changes the tree
    fp = tree_fingerprint(root)
    if fp == previous_fingerprint and is_trusted(fp):
        return Analysis(fp, None)
    return Analysis(fp, extract_tree(root, url))


def _worker_start() -> None:
    """Run first in each worker: die with the monitor, let go of the monitor's sockets, and load
    what extraction needs (a second or more of CPU) before the first page comes."""
    _die_with_parent()
    _close_inherited_sockets()
    with contextlib.suppress(Exception):  # a failure here is met (and reported) on a real page
        warm_up()


def _close_inherited_sockets() -> None:
    fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        fds = [int(name) for name in os.listdir(fd_dir)]
    except OSError:
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def _die_with_parent() -> None:
    """Linux: end this worker when the monitor dies, even by SIGKILL (else it lingers for ever)."""
    if sys.platform == "linux":
        # SIGKILL, as the fork inherits the runner's SIGTERM handler. 1 = PR_SET_PDEATHSIG.
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)


def warm_up() -> None:
    """Load what extraction needs once per worker at start-up, not on the first article."""
    from .extract import _language_identifier

    _language_identifier()
    extract(b"<html><body><article><p>warm up</p></article></body></html>", "http://127.0.0.1/")


class Analyser:
    """Runs `analyse` in a process pool (or inline with workers=1 on a one-core machine or in tests)."""

    def __init__(self, workers: int = 0) -> None:
        n = workers or (os.cpu_count() or 1)
        self._pool: Executor | None = (
            ProcessPoolExecutor(max_workers=n, initializer=_worker_start) if n > 1 else None
        )

    async def __call__(
        self, body: bytes, charset: str | None, url: str, previous: str | None
    ) -> Analysis:
        if self._pool is None:
            return analyse(body, charset, url, previous)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, analyse, body, charset, url, previous)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
