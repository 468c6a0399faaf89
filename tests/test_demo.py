"""`memoryhole demo` — the README's first command — runs, finds articles and stops by itself with --for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_runs_and_reports(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "memoryhole.cli",
            "--data",
            str(tmp_path),
            "demo",
            "--for",
            "15s",
            "--speed",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "simulated newsroom at http://127.0.0.1:" in out.stderr
    assert "\tnew\t" in out.stdout  # articles found, printed as plain lines when piped
    assert "demo: stopped" in out.stderr
    assert "web UI at http://127.0.0.1:" in out.stderr
    assert (tmp_path / "memoryhole.db").exists() and list((tmp_path / "warc").glob("*.warc.gz"))
