"""`memoryhole serve` and `memoryhole user ...`: click commands that cli.py registers.

They take the CLI's state object (``ctx.obj``: ``.paths``, ``.store`` and ``.settings()``) so they
open the data directory exactly as every other command does.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..store import StoreError
from ..store.users import Users


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--login-required",
    is_flag=True,
    help="Reading needs a login too (by default anyone who can reach the server may read).",
)
@click.pass_obj
def serve_command(state: Any, host: str, port: int, login_required: bool) -> None:
    """Serve the web UI, the JSON API (/api, /openapi.json) and Atom feeds (/feeds)."""
    import uvicorn

    from .app import create_app

    app = create_app(
        state.paths, state.settings(), public_read=not login_required, store=state.store
    )
    click.echo(f"memoryhole web UI on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            "  not on loopback: put it behind HTTPS (a reverse proxy) before exposing it", err=True
        )
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


@click.group("user")
def user_command() -> None:
    """Web users (who may add and manage outlets) and their API tokens."""


def _users(state: Any) -> Users:
    return Users(state.store.engine)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_command.command("add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@click.pass_obj
def user_add(state: Any, name: str, password_stdin: bool) -> None:
    """Add a user who can log in to the web UI."""
    try:
        user = _users(state).add(name, _password(password_stdin))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added user {user.name}")


@user_command.command("password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@click.pass_obj
def user_password(state: Any, name: str, password_stdin: bool) -> None:
    """Set a user's password (ends every session of theirs)."""
    users = _users(state)
    user = users.get(name)
    if user is None:
        raise click.ClickException(f"no user named {name!r}")
    try:
        users.set_password(user.id, _password(password_stdin))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password set; sessions of {name} ended")


@user_command.command("token")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@click.pass_obj
def user_token(state: Any, name: str, label: str) -> None:
    """Create an API token for a user and print it (once)."""
    users = _users(state)
    user = users.get(name)
    if user is None:
        raise click.ClickException(f"no user named {name!r}")
    click.echo(users.create_token(user, label))


@user_command.command("logout")
@click.argument("name")
@click.pass_obj
def user_logout(state: Any, name: str) -> None:
    """End every web session of a user."""
    users = _users(state)
    user = users.get(name)
    if user is None:
        raise click.ClickException(f"no user named {name!r}")
    click.echo(f"ended {users.revoke_sessions(user.id)} sessions of {name}")
