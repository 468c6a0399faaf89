"""``python -m memoryhole.simulate``: serve a simulated newsroom until SIGINT/SIGTERM.

Prints one ``NAME URL`` line per outlet, then ``ready``, so a benchmark can start it as a process
and script it through ``POST /__sim__/<action>`` (see ``memoryhole.simulate.server.control``).
"""

from __future__ import annotations

import argparse
import signal
import threading

from memoryhole.simulate.newsroom import Newsroom
from memoryhole.simulate.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m memoryhole.simulate", description=__doc__)
    parser.add_argument("--outlets", type=int, default=3, help="number of outlets (styles cycle)")
    parser.add_argument("--articles", type=int, default=20, help="seeded articles per outlet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-noise", action="store_true", help="identical bytes on every load")
    parser.add_argument(
        "--port-base", type=int, default=None, help="outlet i listens on PORT_BASE+i"
    )
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    room = Newsroom.build(
        seed=args.seed,
        outlets=args.outlets,
        articles_per_outlet=args.articles,
        noise=not args.no_noise,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with serve(room, host=args.host, port_base=args.port_base) as sim:
        for name, url in sim.urls.items():
            print(name, url)
        print("ready", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
