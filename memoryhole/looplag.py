"""How late the monitor's own event loop runs: the evidence that a timeout was ours, not the outlet's.

When the machine is overloaded (other jobs on the cores, a slow disk under the database), the
event loop wakes up late: a fetch that the outlet answered in time is read only after its deadline
and recorded as a timeout. Such timeouts say nothing about the outlet, so the outage guard must not
count them (`pipeline._observe`). `LoopLag` samples the lag with a short sleep and answers "how many
seconds did the loop lose during the last N seconds". A timer task is all it takes; no library
offers this for a running asyncio loop (aiodebug and loopmon log lag but keep no queryable history).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["LoopLag"]


@dataclass
class LoopLag:
    """Samples the running loop's lag every ``interval`` seconds while a loop runs."""

    interval: float = 0.25
    keep: float = 600.0  # seconds of history
    samples: deque[tuple[float, float]] = field(default_factory=deque)  # (monotonic end, lag)
    _task: asyncio.Task[None] | None = None

    def ensure_running(self) -> None:
        """Start sampling on the running loop (again, after a loop ended); cheap when running."""
        task = self._task
        if task is not None and not task.done() and task.get_loop().is_running():
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to sample
            self._task = asyncio.get_running_loop().create_task(self._sample(), name="loop-lag")

    async def _sample(self) -> None:
        while True:
            start = time.monotonic()
            await asyncio.sleep(self.interval)
            end = time.monotonic()
            self.add(end, max(0.0, end - start - self.interval))

    def add(self, at: float, lag: float) -> None:
        self.samples.append((at, lag))
        while self.samples and self.samples[0][0] < at - self.keep:
            self.samples.popleft()

    def lost(self, seconds: float, now: float | None = None) -> float:
        """Seconds the loop ran late during the last ``seconds`` (up to ``now``, monotonic)."""
        end = time.monotonic() if now is None else now
        return sum(lag for at, lag in self.samples if end - seconds <= at <= end + self.interval)

    def explains(self, elapsed: float, now: float | None = None) -> bool:
        """Whether a fetch that timed out after ``elapsed`` seconds may have timed out because of
        us: the loop lost at least a fifth of the fetch's time (and half a second) meanwhile. (How
        far ``elapsed`` ran past the deadline proves nothing: it includes the wait for a per-host
        slot, which a slow outlet lengthens by itself.)"""
        return self.lost(elapsed, now) >= max(0.5, 0.2 * elapsed)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
