"""Alerts: rules say who hears of which events; delivery sends them through Apprise; feeds publish them.

The monitor starts `Dispatcher(store, paths, settings).run(stop_event)` beside itself; the CLI group
is `commands.alerts`; the web UI serves `feeds.atom_feed(...)`.
"""

from .delivery import AlertSettings, Dispatcher, apprise_send
from .feeds import atom_feed
from .messages import Links, Message, digest_message, event_message
from .rules import DEFAULT_KINDS, Rule

__all__ = [
    "AlertSettings",
    "DEFAULT_KINDS",
    "Dispatcher",
    "Links",
    "Message",
    "Rule",
    "apprise_send",
    "atom_feed",
    "digest_message",
    "event_message",
]
