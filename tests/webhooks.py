"""A JSON webhook on 127.0.0.1 for the alert tests: a real HTTP server that Apprise posts to."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalWebhook:
    """Serves POSTs on 127.0.0.1; `receive` (under `lock`) decides each answer's status, which is
    sent after `hold` seconds. `url(path)` is the Apprise URL of one path."""

    hold = 0.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hook.lock:
                    status = hook.receive(self.path, self.headers.get("Idempotency-Key"), body)
                time.sleep(hook.hold)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed meanwhile
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def receive(self, path: str, key: str | None, body: bytes) -> int:
        raise NotImplementedError

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
