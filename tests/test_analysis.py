"""The extraction worker pool: results equal the inline path, and workers let go of the monitor's
sockets (a forked worker holding a copy of a listening socket kept it accepting connections that
nobody answered after the monitor closed it: found by bench/timeline.py as a wave of timeouts)."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import pytest

from memoryhole.analysis import Analyser, analyse
from memoryhole.simulate import Newsroom, serve

PAGE = (
    b"<html><head><title>Port talks stall</title></head><body><article><h1>Port talks stall</h1>"
    + b"<p>The harbour board said on Monday that talks had stalled over the new berths.</p>" * 8
    + b"</article></body></html>"
)


def test_pool_gives_what_the_inline_path_gives() -> None:
    analyser = Analyser(workers=2)
    try:
        pooled = asyncio.run(analyser(PAGE, "utf-8", "http://127.0.0.1/a", None))
    finally:
        analyser.close()
    inline = analyse(PAGE, "utf-8", "http://127.0.0.1/a", None)
    assert pooled == inline and pooled.document is not None
    again = analyse(PAGE, "utf-8", "http://127.0.0.1/a", inline.fingerprint)
    assert again.document is None  # an unchanged, trusted fingerprint skips extraction


@pytest.mark.timeout(60)
def test_workers_do_not_keep_the_monitors_listening_sockets() -> None:
    room = Newsroom.build(seed=1, outlets=1, articles_per_outlet=3)
    with serve(room) as sim:
        analyser = Analyser(workers=2)  # forked now, while the newsroom's socket is open
        try:
            asyncio.run(analyser(PAGE, "utf-8", "http://127.0.0.1/a", None))  # the workers run
            room.fail("daily-planet", "refuse", seconds=60)  # the newsroom closes its socket
            address = urlsplit(sim.url("daily-planet"))
            assert address.hostname is not None and address.port is not None
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address.hostname, address.port), timeout=5).close()
        finally:
            analyser.close()
