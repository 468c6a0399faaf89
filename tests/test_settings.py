"""Durations, the settings table and how it is loaded."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memoryhole.settings import Settings, SettingsError, format_duration, load, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2s", 2),
        ("10m", 600),
        ("1h", 3600),
        ("3d", 259200),
        ("1h30m", 5400),
        ("250ms", 0.25),
        ("90", 90),
        (" 5 m", 300),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad", ["", "x", "10 minutes", "-5s", "0s", "1h-2m", "s", "1.2.3s", "10mm"]
)
def test_bad_durations_say_how_to_write_one(bad: str) -> None:
    with pytest.raises(SettingsError, match="duration"):
        parse_duration(bad)


@given(st.text(max_size=30))
def test_parse_duration_never_fails_otherwise(text: str) -> None:
    with contextlib.suppress(SettingsError):
        assert parse_duration(text) > 0


@given(st.integers(min_value=1, max_value=10**7))
def test_format_then_parse_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_every_setting_is_documented() -> None:
    from dataclasses import fields

    assert {f.name for f in fields(Settings)} == set(Settings.help())


def test_toml_then_environment(tmp_path: Path) -> None:
    (tmp_path / "memoryhole.toml").write_text('poll = "5m"\nconcurrency = 4\n')
    s = load(tmp_path, {"MEMORYHOLE_CONCURRENCY": "8", "MEMORYHOLE_ALLOW_PRIVATE": "yes"})
    assert (s.poll, s.concurrency, s.allow_private) == (300, 8, True)


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / "memoryhole.toml").write_text("pol = 5\n")
    with pytest.raises(SettingsError, match="unknown setting 'pol'"):
        load(tmp_path, {})
