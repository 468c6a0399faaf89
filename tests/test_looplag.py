"""LoopLag: a timeout the monitor's own late loop explains is not evidence about the outlet."""

from __future__ import annotations

import asyncio
import time

from memoryhole.looplag import LoopLag


def test_lost_sums_the_lag_inside_the_window() -> None:
    lag = LoopLag(interval=0.25)
    for at, late in ((100.0, 0.0), (101.0, 2.0), (104.0, 0.5), (109.0, 0.1)):
        lag.add(at, late)
    assert lag.lost(5.0, now=105.0) == 2.5
    assert lag.lost(3.0, now=105.0) == 0.5
    assert lag.lost(1.0, now=110.0) == 0.1


def test_old_samples_are_dropped() -> None:
    lag = LoopLag(keep=10.0)
    lag.add(0.0, 3.0)
    lag.add(20.0, 0.0)
    assert len(lag.samples) == 1 and lag.lost(100.0, now=20.0) == 0.0


def test_explains_a_timeout_only_when_we_ran_late() -> None:
    lag = LoopLag()
    lag.add(50.0, 0.0)
    # a healthy loop: a 5 s timeout is the outlet's, however long it queued for a slot first
    assert not lag.explains(5.0, now=50.0)
    assert not lag.explains(20.0, now=50.0)
    # the loop lost 2 of the fetch's 5 seconds
    lag.add(48.0, 2.0)
    assert lag.explains(5.0, now=50.0)
    # a small hiccup long before the fetch started proves nothing
    quiet = LoopLag()
    quiet.add(10.0, 3.0)
    quiet.add(50.0, 0.1)
    assert not quiet.explains(5.0, now=50.0)


def test_samples_a_real_blocked_loop() -> None:
    async def scenario() -> float:
        lag = LoopLag(interval=0.05)
        lag.ensure_running()
        lag.ensure_running()  # idempotent: one sampler
        await asyncio.sleep(0.2)
        time.sleep(0.8)  # the loop is blocked, as by a slow disk or a starved process
        await asyncio.sleep(0.2)
        lost = lag.lost(5.0)
        lag.stop()
        return lost

    assert asyncio.run(scenario()) >= 0.6
