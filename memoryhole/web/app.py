"""The web application: `create_app` builds the FastAPI app (pages, JSON API, Atom feeds) over a data
directory; `start_in_thread` serves it with uvicorn for the demo and the tests.

Security lives here: response headers on every answer, errors that never show a traceback, and the
read gate (public, or login required).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..app import Paths
from ..settings import Settings
from ..store import Store
from ..store.users import Users
from .auth import Auth, load_secret
from .queries import EventTally

__all__ = ["create_app", "start_in_thread", "WebContext"]

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

#: Pages: only our own scripts, styles and frames; never framed by others.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
#: Archived pages: an opaque origin with no scripts, no plugins, no forms, no network.
SNAPSHOT_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


@dataclass
class WebContext:
    """What every request handler needs; one per app (``request.app.state.web``)."""

    paths: Paths
    settings: Settings
    store: Store
    users: Users
    auth: Auth
    templates: Jinja2Templates
    public_read: bool
    tally: EventTally = field(default_factory=EventTally)
    summary_cache: tuple[float, dict] | None = None  # (expires at, overview counts and chart)
    summary_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def engine(self) -> Any:
        return self.store.engine


def web(request: Request) -> WebContext:
    return request.app.state.web


def create_app(
    paths: Paths, settings: Settings, *, public_read: bool = True, store: Store | None = None
) -> FastAPI:
    """The whole web UI and API over one data directory (``store`` to share an open Store)."""
    from . import api, feeds, views

    store = store or Store(paths.db_url)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    views.register_filters(templates)
    users = Users(store.engine)
    ctx = WebContext(
        paths, settings, store, users, Auth(users, load_secret(paths.data)), templates, public_read
    )
    app = FastAPI(
        title="memoryhole",
        version=__version__,
        description="What news outlets changed and deleted, with the archived evidence. "
        "Field names are those of the CLI's JSON Lines.",
        docs_url=None,  # Swagger UI would load scripts from a CDN: the OpenAPI JSON is enough
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = ctx
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(views.router)
    _install_security(app)
    _install_errors(app, templates)
    return app


def _install_security(app: FastAPI) -> None:
    @app.middleware("http")
    async def secure_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", PAGE_CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.url.path.startswith(("/api/", "/account", "/login")):
            h.setdefault("Cache-Control", "no-store")
        return response


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/feeds/", "/openapi"))


def _install_errors(app: FastAPI, templates: Jinja2Templates) -> None:
    def page(request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message, "me": None},
            status_code=status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        resp = page(request, exc.status_code, message)
        if exc.status_code == 401 and _wants_json(request):
            resp.headers["WWW-Authenticate"] = "Bearer"
        return resp

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            errors = [
                {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        return page(request, 422, "some of the input could not be understood")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)  # the traceback goes to the log only
        return page(request, 500, "internal error (logged on the server)")


def require_reader(request: Request) -> None:
    """When reading needs a login, refuse anonymous requests (pages redirect to the login form)."""
    ctx = web(request)
    if not ctx.public_read and ctx.auth.identify(request).user is None:
        raise HTTPException(401, "log in to read")


def start_in_thread(
    paths: Paths,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    public_read: bool = True,
    store: Store | None = None,
) -> tuple[str, Callable[[], None]]:
    """Serve the app with uvicorn in a daemon thread; returns (base URL, stop function).

    ``port=0`` picks a free port. The stop function waits for the server to shut down.
    """
    import uvicorn

    app = create_app(paths, settings, public_read=public_read, store=store)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="memoryhole-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://{shown}:{bound}", stop
