"""Serves a ``Newsroom`` over HTTP on 127.0.0.1: one listening socket per outlet, background threads.

The socket side of the simulation: it carries out what ``routes.respond`` decides (delays,
connection resets, gzip), closes and reopens an outlet's listening socket for the "refuse" failure,
and offers the control endpoint ``POST /__sim__/<action>`` so a newsroom in another process can be
scripted (``control()`` is the client for it).
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from memoryhole.simulate.newsroom import Newsroom
from memoryhole.simulate.routes import SimResponse, respond

__all__ = ["SimServer", "serve", "control", "CONTROL_ACTIONS"]

#: What ``POST /__sim__/<action>`` may call: the Newsroom scripting methods plus clock and log.
CONTROL_ACTIONS: dict[str, Callable[..., Any]] = {
    "publish": Newsroom.publish,
    "edit": Newsroom.edit,
    "delete": Newsroom.delete,
    "restore": Newsroom.restore,
    "move": Newsroom.move,
    "unlist": Newsroom.unlist,
    "fail": Newsroom.fail,
    "recover": Newsroom.recover,
    "fail_url": Newsroom.fail_url,
    "recover_url": Newsroom.recover_url,
    "roll": Newsroom.roll,
    "advance": Newsroom.advance,
    "now": Newsroom.now,
    "log": lambda room: list(room.log),
    "urls": lambda room, outlet, visible_only=True: [
        room.url_of(a) for a in room.articles(outlet, visible_only)
    ],
}

GZIP_MIN_BYTES = 256


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a benchmark client reuses connections
    # Headers and body go out as two writes; with Nagle on, delayed ACKs stall each answer ~40 ms.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    room: Newsroom
    outlet: str
    allow_control: bool

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        if self.allow_control and self.path.startswith("/__sim__/"):
            self._control(self.path.removeprefix("/__sim__/").split("?")[0])
        else:
            self._answer(send_body=True)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # a benchmark makes thousands of requests; stderr lines would dominate the cost

    def _answer(self, send_body: bool) -> None:
        resp = respond(self.room, self.outlet, self.command, self.path, self.headers)
        if resp.delay:
            threading.Event().wait(resp.delay)
        if resp.fault == "reset":
            self._reset()
            return
        self._send(resp, send_body)

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees "connection reset", no response.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, resp: SimResponse, send_body: bool) -> None:
        body, headers = resp.body, list(resp.headers)
        if (
            resp.gzip_ok
            and len(body) >= GZIP_MIN_BYTES
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            body = gzip.compress(body, compresslevel=5, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        self.send_response(resp.status)
        for name, value in headers:
            self.send_header(name, value)
        if resp.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and resp.status != 304:
            self.wfile.write(body)

    def _control(self, action: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        args = json.loads(self.rfile.read(length) or b"{}")
        if action not in CONTROL_ACTIONS:
            status, payload = (
                404,
                {"error": f"unknown action {action!r}; one of {sorted(CONTROL_ACTIONS)}"},
            )
        else:
            status, payload = self._call(CONTROL_ACTIONS[action], args)
        body = json.dumps(payload, default=_json_default, ensure_ascii=False).encode()
        self._send(
            SimResponse(status, (("Content-Type", "application/json"),), body), send_body=True
        )

    def _call(self, func: Callable[..., Any], args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if args.get("replace") is not None:
            args["replace"] = tuple(args["replace"])  # JSON has no tuples
        try:
            return 200, {"result": func(self.room, **args)}
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True  # reopening the same port after "refuse" must not wait for TIME_WAIT
    allow_reuse_port = True  # ... and may bind beside the socket that holds the port meanwhile
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-answer (timeouts in tests) are expected, not errors


class _Listener:
    """One outlet's listening socket, which can be closed and reopened on the same port."""

    def __init__(
        self, room: Newsroom, outlet: str, host: str, port: int, allow_control: bool
    ) -> None:
        self.host, self.port = host, port
        attrs = {"room": room, "outlet": outlet, "allow_control": allow_control}
        self.handler = type(f"Handler_{outlet}", (_Handler,), attrs)
        self.httpd: _HTTPServer | None = None
        self.thread: threading.Thread | None = None
        # While refusing, a bound socket that does not listen holds the port: connections are
        # refused, and no client connection can be given the port as its ephemeral port (which
        # would make reopening fail with "address already in use").
        self.reserve: socket.socket | None = None

    def open(self) -> None:
        self.httpd = _HTTPServer((self.host, self.port), self.handler)
        self.port = self.httpd.server_address[1]
        if self.reserve is not None:
            self.reserve.close()
            self.reserve = None
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"sim-{self.port}",
        )
        self.thread.start()

    def close(self, hold_port: bool = False) -> None:
        if hold_port and self.httpd is not None and self.reserve is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            self.reserve = socket.socket(family, socket.SOCK_STREAM)
            self.reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            self.reserve.bind((self.host, self.port))
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if not hold_port and self.reserve is not None:
            self.reserve.close()
            self.reserve = None

    @property
    def is_open(self) -> bool:
        return self.httpd is not None


class SimServer:
    """The running servers of one newsroom; use as a context manager or call ``close()``."""

    def __init__(
        self,
        room: Newsroom,
        host: str = "127.0.0.1",
        port_base: int | None = None,
        control: bool = True,
    ) -> None:
        self.room = room
        self.host = host
        self._listeners = {
            name: _Listener(room, name, host, 0 if port_base is None else port_base + i, control)
            for i, name in enumerate(room.outlets)
        }
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="sim-watcher")

    def start(self) -> SimServer:
        for name, listener in self._listeners.items():
            listener.open()
            self.room.set_base(name, f"http://{self.host}:{listener.port}/")
        self.room.add_listener(self._sync)
        self._watcher.start()
        return self

    @property
    def urls(self) -> dict[str, str]:
        """Outlet name → base URL ("http://127.0.0.1:PORT/")."""
        return {name: f"http://{self.host}:{lis.port}/" for name, lis in self._listeners.items()}

    def url(self, outlet: str) -> str:
        return self.urls[outlet]

    def close(self) -> None:
        self._stop.set()
        self.room.remove_listener(self._sync)
        with self._sync_lock:
            for listener in self._listeners.values():
                listener.close()

    def _sync(self) -> None:
        """Close the socket of outlets failing with "refuse", reopen the others (same port)."""
        with self._sync_lock:
            if self._stop.is_set():
                return
            for name, listener in self._listeners.items():
                refusing = self.room.refusing(name)
                if refusing and listener.is_open:
                    listener.close(hold_port=True)
                elif not refusing and not listener.is_open:
                    listener.open()

    def _watch(self) -> None:
        # Timed failures end by the newsroom clock, with no call to notify us: poll for them.
        while not self._stop.wait(0.1):
            self._sync()

    def __enter__(self) -> SimServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def serve(
    room: Newsroom, host: str = "127.0.0.1", port_base: int | None = None, control: bool = True
) -> SimServer:
    """Start serving every outlet of ``room`` (ports from the OS, or ``port_base + i``)."""
    return SimServer(room, host, port_base, control).start()


def control(base_url: str, action: str, timeout: float = 10.0, **args: Any) -> Any:
    """Call a scripting method of a newsroom served in another process, through any outlet's URL.

    ``control(url, "delete", url=article_url, how="http-410")`` returns what the method returns
    (datetimes as ISO strings); raises ``RuntimeError`` with the server's message on a bad call.
    """
    req = urllib.request.Request(
        base_url.rstrip("/") + f"/__sim__/{action}",
        data=json.dumps(args).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # No proxies: a proxy named in the environment must never see simulator traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return json.loads(resp.read())["result"]
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{action}: {json.loads(exc.read()).get('error')}") from exc
