"""The simulated newsroom: scriptable fake news outlets served on 127.0.0.1 for tests, benchmarks and
``memoryhole demo``. See docs/simulator.md.

    room = Newsroom.build(seed=0)
    with serve(room) as sim:
        url = room.publish("daily-planet")
        room.delete(url, "http-410")
"""

from memoryhole.simulate.newsroom import (
    DELETE_HOWS,
    FAIL_MODES,
    JUDGED_AS,
    STYLES,
    Article,
    Newsroom,
    Outlet,
)
from memoryhole.simulate.server import SimServer, control, serve

__all__ = [
    "Newsroom",
    "Outlet",
    "Article",
    "STYLES",
    "DELETE_HOWS",
    "FAIL_MODES",
    "JUDGED_AS",
    "SimServer",
    "serve",
    "control",
]
