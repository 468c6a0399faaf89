"""The web UI, JSON API and Atom feeds (FastAPI + Jinja2, server-rendered). See docs/web.md."""

from .app import create_app, start_in_thread

__all__ = ["create_app", "start_in_thread"]
