"""Archive: WARC writing checked by `warcio check`, read-back, revisits, rotation, torn tails, export."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator
from warcio.utils import Digester

from memoryhole.archive import (
    Archive,
    RevisitTarget,
    export,
    iter_records,
    payload_digest,
    read_records,
    verify,
)
from memoryhole.fetcher import Fetcher, FetchLimits
from memoryhole.models import Exchange, Fetch, WarcLocation

WARCIO = Path(sys.executable).with_name("warcio")
PAGE = b"<html><head><title>Story</title></head><body><p>Words.</p></body></html>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        if self.path == "/gz":
            self._send(200, gzip.compress(PAGE), [("Content-Encoding", "gzip")])
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (PAGE[:20], PAGE[20:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/moved":
            self._send(301, b"", [("Location", "/gz")])
        else:
            self._send(200, PAGE + self.path.encode(), [])

    def _send(self, status: int, body: bytes, extra: list[tuple[str, str]]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for key, value in extra:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch_all(*urls: str) -> list[Fetch]:
    async def go() -> list[Fetch]:
        limits = FetchLimits(connect_timeout=2, read_timeout=2, total_timeout=5)
        async with Fetcher(limits=limits, respect_robots=False) as fetcher:
            return [await fetcher.fetch(url) for url in urls]

    return asyncio.run(go())


def warcio_check(path: Path) -> None:
    result = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def only_file(directory: Path) -> Path:
    (path,) = directory.glob("*.warc.gz")
    return path


# --------------------------------------------------------------------------- writing and reading


def test_written_records_pass_warcio_check_and_read_back(tmp_path, base_url):
    (fetch,) = fetch_all(base_url + "/moved")
    assert fetch.ok and len(fetch.exchanges) == 2
    with Archive(tmp_path) as archive:
        loc = archive.write_fetch(fetch)
    path = only_file(tmp_path)
    assert path.name == loc.filename and loc.offset > 0  # the warcinfo record comes first
    warcio_check(path)

    records = read_records(tmp_path, loc)
    assert [r.type for r in records] == ["request", "response"] * 2
    for (req, resp), ex in zip(
        zip(records[::2], records[1::2], strict=True), fetch.exchanges, strict=True
    ):
        assert req.http_headers == ex.request_headers
        assert req.headers["WARC-Concurrent-To"] == resp.record_id
        assert resp.http_status == ex.status and resp.http_headers == ex.response_headers
        assert resp.raw_payload == ex.raw_body and resp.digest_ok is True
        assert resp.headers["WARC-IP-Address"] == "127.0.0.1"
        assert resp.headers["WARC-Date"] == ex.started_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert resp.target_uri == ex.url
    final = records[-1]
    assert final.payload == fetch.body == PAGE  # decoded per Content-Encoding: gzip
    assert final.raw_payload != PAGE
    assert loc.record_id == final.record_id and not loc.revisit
    assert loc.payload_digest == final.headers["WARC-Payload-Digest"]
    assert loc.payload_digest == payload_digest(fetch.exchanges[-1].raw_body)


def test_chunked_response_is_stored_dechunked(tmp_path, base_url):
    (fetch,) = fetch_all(base_url + "/chunked")
    assert fetch.body == PAGE
    archive = Archive(tmp_path)
    loc = archive.write_fetch(fetch)
    archive.close()
    warcio_check(tmp_path / loc.filename)
    response = read_records(tmp_path, loc)[-1]
    names = [k.lower() for k, _ in response.http_headers]
    assert "transfer-encoding" not in names
    assert ("X-Archive-Orig-Transfer-Encoding", "chunked") in response.http_headers
    assert response.payload == PAGE


def test_identical_payload_becomes_revisit(tmp_path, base_url):
    first, second = fetch_all(base_url + "/same", base_url + "/same")
    seen: dict[str, RevisitTarget] = {}

    def revisit_of(digest: str) -> RevisitTarget | None:
        return seen.get(digest)

    with Archive(tmp_path) as archive:
        loc1 = archive.write_fetch(first, revisit_of=revisit_of)
        original = read_records(tmp_path, loc1)[-1]
        seen[loc1.payload_digest] = RevisitTarget(
            original.target_uri, original.headers["WARC-Date"], original.record_id
        )
        loc2 = archive.write_fetch(second, revisit_of=revisit_of)
    assert not loc1.revisit and loc2.revisit and loc2.payload_digest == loc1.payload_digest
    warcio_check(tmp_path / loc2.filename)
    revisit = read_records(tmp_path, loc2)[-1]
    assert revisit.type == "revisit" and revisit.raw_payload == b"" and revisit.http_status == 200
    assert revisit.headers["WARC-Profile"] == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert revisit.headers["WARC-Refers-To"] == original.record_id
    assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]
    assert loc2.record_id == revisit.record_id


def test_failed_fetch_without_response_is_a_metadata_record(tmp_path):
    failed = Fetch(
        url="http://127.0.0.1:9/x",
        started_at=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        elapsed=0.25,
        final_url="http://127.0.0.1:9/x",
        status=None,
        error="connection",
        error_detail="refused",
    )
    with Archive(tmp_path) as archive:
        loc = archive.write_fetch(failed)
    warcio_check(tmp_path / loc.filename)
    (record,) = read_records(tmp_path, loc)
    assert record.type == "metadata" and record.record_id == loc.record_id
    assert record.headers["Content-Type"] == "application/json"
    assert record.headers["WARC-Date"] == "2024-05-01T12:00:00.123456Z"
    assert json.loads(record.payload) == {
        "error": "connection",
        "detail": "refused",
        "elapsed": 0.25,
        "final_url": "http://127.0.0.1:9/x",
    }
    assert loc.payload_digest is None


def synthetic(body: bytes, headers: tuple[tuple[str, str], ...], complete: bool = True) -> Fetch:
    when = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    ex = Exchange(
        url="http://news.example/a?b=1",
        method="GET",
        request_headers=(("Host", "news.example"), ("User-Agent", "t")),
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        response_headers=headers,
        raw_body=body,
        started_at=when,
        complete=complete,
    )
    return Fetch(
        url=ex.url,
        started_at=when,
        elapsed=0.1,
        final_url=ex.url,
        status=200,
        body=body,
        exchanges=(ex,),
        error=None if complete else "too-large",
    )


header_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=3000),
    headers=st.lists(
        st.tuples(st.from_regex(r"X-[A-Za-z0-9-]{1,12}", fullmatch=True), header_text), max_size=5
    ),
)
def test_round_trip_any_payload(tmp_path_factory, body, headers):
    directory = tmp_path_factory.mktemp("rt")
    fetch = synthetic(body, tuple(headers))
    with Archive(directory) as archive:
        loc = archive.write_fetch(fetch)
    request, response = read_records(directory, loc)
    assert response.raw_payload == response.payload == body
    assert response.http_headers == tuple(headers)
    assert request.http_headers == fetch.exchanges[0].request_headers
    assert response.headers["WARC-Payload-Digest"] == payload_digest(body)
    assert response.digest_ok is True


@given(st.binary(max_size=5000))
def test_payload_digest_matches_warcio(data):
    digester = Digester("sha1")
    digester.update(data)
    assert payload_digest(data) == str(digester)


def test_cut_short_response_is_marked_truncated(tmp_path):
    with Archive(tmp_path) as archive:
        loc = archive.write_fetch(synthetic(b"partial", (), complete=False))
    warcio_check(tmp_path / loc.filename)
    assert read_records(tmp_path, loc)[-1].headers["WARC-Truncated"] == "length"


# --------------------------------------------------------------------------- files


def test_rotation_starts_new_files_each_with_warcinfo(tmp_path):
    with Archive(tmp_path, max_file_bytes=3000, prefix="t") as archive:
        bodies = [random.Random(i).randbytes(1500) for i in range(5)]  # incompressible
        locs = [archive.write_fetch(synthetic(body, ())) for body in bodies]
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3 and {loc.filename for loc in locs} == {f.name for f in files}
    serials = [int(f.name.split("-")[-1].split(".")[0]) for f in files]
    assert serials == list(range(len(files)))
    for path in files:
        assert path.name.startswith("t-") and len(path.name.split("-")[1]) == 14
        first = next(iter_records(path))
        assert first.type == "warcinfo" and first.headers["WARC-Filename"] == path.name
        warcio_check(path)
    for i, loc in enumerate(locs):
        assert read_records(tmp_path, loc)[-1].payload == bodies[i]
    report = verify(tmp_path)
    assert report.ok and report.by_type == {"warcinfo": len(files), "request": 5, "response": 5}


def test_torn_tail_is_skipped_and_never_rewritten(tmp_path, caplog):
    source = tmp_path / "src"
    with Archive(source) as archive:
        locs = [archive.write_fetch(synthetic(b"body %d" % i * 50, ())) for i in range(3)]
    original = source / locs[0].filename
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    torn_file = crashed / original.name
    shutil.copy(original, torn_file)
    cut = locs[-1].offset + locs[-1].length // 2  # mid-way through the last fetch's records
    with torn_file.open("r+b") as fh:
        fh.truncate(cut)
    torn_bytes = torn_file.read_bytes()

    records = list(iter_records(torn_file))  # no exception at the torn tail
    assert [r.type for r in records][:5] == [
        "warcinfo",
        "request",
        "response",
        "request",
        "response",
    ]
    assert all(r.offset < cut for r in records)

    archive = Archive.open(crashed)
    assert archive.torn is not None and archive.torn.filename == torn_file.name
    assert locs[-1].offset <= archive.torn.offset < cut
    assert "torn" in caplog.text
    loc = archive.write_fetch(synthetic(b"after the crash", ()))
    archive.close()
    assert loc.filename != torn_file.name and torn_file.read_bytes() == torn_bytes
    report = verify(crashed)
    assert report.files == 2 and len(report.torn) == 1 and not report.ok
    assert read_records(crashed, loc)[-1].payload == b"after the crash"


def test_export_one_urls_records(tmp_path, base_url):
    fetches = fetch_all(base_url + "/one", base_url + "/two", base_url + "/one")
    with Archive(tmp_path / "a") as archive:
        locs = [archive.write_fetch(f) for f in fetches]
    ones = [loc for loc, f in zip(locs, fetches, strict=True) if f.url.endswith("/one")]
    out = tmp_path / "one.warc.gz"
    assert export(tmp_path / "a", ones, out) == 4
    warcio_check(out)
    exported = list(iter_records(out))
    assert exported[0].type == "warcinfo"
    assert {r.target_uri for r in exported[1:]} == {base_url + "/one"}
    # Members are copied byte-for-byte from the archive.
    source = (tmp_path / "a" / ones[0].filename).read_bytes()
    first = source[ones[0].offset : ones[0].offset + ones[0].length]
    assert first in out.read_bytes()

    plain = tmp_path / "all.warc"
    assert export(tmp_path / "a", None, plain) == 1 + 2 * 3 * 1  # warcinfo + request/response x3
    with plain.open("rb") as fh:
        types = [rec.rec_type for rec in ArchiveIterator(fh)]
    assert types.count("response") == 3 and types.count("warcinfo") == 2
    assert not plain.read_bytes().startswith(b"\x1f\x8b")


def test_read_records_of_unknown_location_fails_loudly(tmp_path):
    Archive(tmp_path).close()
    with pytest.raises(FileNotFoundError):
        read_records(tmp_path, WarcLocation("missing.warc.gz", 0, 10, None, None))
    assert list(iter_records(io_empty(tmp_path))) == []


def io_empty(directory: Path) -> Path:
    path = directory / "empty.warc.gz"
    path.write_bytes(b"")
    return path
