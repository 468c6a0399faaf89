"""End to end: the real monitor watches the simulated newsroom on 127.0.0.1; the same statement is
published by an English and a Russian outlet; one cuts a quotation, the other deletes its article.
The index links the two into one story, names the surviving copy, and `memoryhole quotes --json`
tells the cut statement (removed) from the deleted article's (deleted). Nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memoryhole.app import Paths, open_store
from memoryhole.cli import cli as root
from memoryhole.cli import main
from memoryhole.quotes.changes import quote_changes_with_speakers
from memoryhole.quotes.commands import quotes
from memoryhole.quotes.index import index_new_versions
from memoryhole.simulate import Newsroom, serve
from memoryhole.simulate.texts import liu_story
from memoryhole.stories import live_copies, stories

FAST = ["--recheck", "1s", "--poll", "1s", "--confirm-gap", "2s", "--allow-private"]
SETTINGS_TOML = 'extract_workers = 1\nprobe_interval = "1h"\n'

# The lead registers these in cli.py; until then the test adds them to the same root group.
for command in (quotes, stories):
    if command.name not in root.commands:
        root.add_command(command)


def cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> str:
    capsys.readouterr()
    status = main(["--data", str(data), *args])
    out = capsys.readouterr()
    assert status == 0, f"memoryhole {' '.join(args)} → {status}: {out.err}"
    return out.out


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _publish(room: Newsroom, outlet: str, lang: str) -> str:
    story = liu_story(lang)
    return room.publish(outlet, title=story.title, text="\n\n".join(story.paragraphs))


def test_one_statement_in_two_languages_cut_and_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    room = Newsroom.build(seed=11, outlets=2, articles_per_outlet=4)
    data = tmp_path / "data"
    data.mkdir()
    (data / "memoryhole.toml").write_text(SETTINGS_TOML)
    with serve(room) as sim:
        for name, url in sim.urls.items():
            cli(capsys, data, "add", url, "--name", name, "--allow-private")
        en_url = _publish(room, "daily-planet", "en")
        ru_url = _publish(room, "vestnik", "ru")
        cli(capsys, data, "run", "--for", "5s", *FAST)

        store = open_store(Paths.resolve(data, None))
        try:
            index_new_versions(
                store
            )  # the runner indexes as it goes; catch up on the last versions
            assert index_new_versions(store) == 0  # and now everything is indexed
            en, ru = store.article(en_url), store.article(ru_url)
            assert en and ru, "the monitor found both new articles"
            linked = [
                s for s in jsonl(cli(capsys, data, "stories", "--json"))
                if {a["url"] for a in s["articles"]} >= {en_url, ru_url}
            ]  # fmt: skip
            assert len(linked) == 1 and linked[0]["sources"] == 2

            room.edit(en_url, drop_quote=True)  # cuts Liu's first quotation
            room.delete(ru_url, "http-404")
            cli(capsys, data, "run", "--for", "7s", *FAST)
            index_new_versions(store)  # catch up on what the runner had not indexed yet
            assert store.article(ru_url)["status"] == "deleted"

            # the copy that survives elsewhere
            copies = live_copies(store, ru["id"])
            assert {"source": "daily-planet", "url": en_url, "status": "live"}.items() <= next(
                c for c in copies if c["url"] == en_url
            ).items()

            # the edit: what the `edited` event will carry
            old, new = store.versions(en["id"])[-2:]
            cut = quote_changes_with_speakers(old["text"], new["text"], new["language"])
            assert [(q["speaker"], q["kind"]) for q in cut["removed"]] == [
                ("Liu Jianchao", "direct")
            ]
            assert cut["removed"][0]["text"].startswith("The corridor is not a line on a map")
        finally:
            store.close()

        # the deletion event itself names the copy still live at the other outlet
        (deleted,) = jsonl(cli(capsys, data, "changes", "--kind", "deleted", "--json"))
        assert deleted["url"] == ru_url
        copies = deleted[
            "still_live_at"
        ]  # the new English report (and the outlet's older one, if linked)
        assert en_url in {c["url"] for c in copies}
        assert {c["source"] for c in copies} == {"daily-planet"}
        assert "still live at daily-planet" in deleted["summary"]

        said = jsonl(cli(capsys, data, "quotes", "--json"))
        by_url: dict[str, list[dict]] = {}
        for s in said:
            assert {"speaker", "text", "kind", "url", "source", "status"} <= s.keys()
            assert s["first_seen"] <= s["last_seen"]
            by_url.setdefault(s["url"], []).append(s)
        en_said = {s["text"][:30]: s for s in by_url[en_url]}
        assert en_said["The corridor is not a line on "]["status"] == "removed"
        assert en_said["Chinese companies have built r"]["status"] == "live"
        assert {s["status"] for s in by_url[ru_url]} == {"deleted"}
        assert "Лю Цзяньчао" in {s["speaker"] for s in by_url[ru_url]}

        # people across scripts: the English spelling finds both outlets' statements
        liu = jsonl(cli(capsys, data, "quotes", "--speaker", "Liu Jianchao", "--json"))
        assert {s["source"] for s in liu} == {"daily-planet", "vestnik"}
        only = jsonl(cli(capsys, data, "quotes", "--source", "vestnik", "--json"))
        assert only and {s["source"] for s in only} == {"vestnik"}
