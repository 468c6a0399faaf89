"""The README's promises stay true: its two commands, CI running the test one, every command documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from memoryhole.cli import cli
from memoryhole.models import DELETION_HOWS, EVENT_KINDS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)[:2]


def test_readme_opens_with_setup_plus_demo_and_setup_plus_tests() -> None:
    demo, tests = _commands()
    assert demo.endswith("memoryhole demo")
    assert tests.endswith("pytest")
    assert demo.rsplit("&&", 1)[0] == tests.rsplit("&&", 1)[0]  # the same set-up


def test_ci_runs_the_readme_test_command_exactly() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands()[1] in ci.splitlines()


def test_every_command_is_in_the_readme_and_cli_docs() -> None:
    cli_doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        names = [name] + [f"{name} {sub}" for sub in getattr(command, "commands", {})]
        for full in names:
            assert f"memoryhole {full}" in README or f"memoryhole {name}" in README, full
            assert f"memoryhole {full}" in cli_doc, full


def test_event_kinds_and_deletion_hows_are_documented() -> None:
    cli_doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for word in (*EVENT_KINDS, *DELETION_HOWS):
        assert f"`{word}`" in cli_doc, word


def test_help_teaches_and_exits_zero() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "memoryhole.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "memoryhole demo" in out.stdout and "memoryhole add" in out.stdout
