"""The WARC archive: every HTTP exchange as WARC/1.1 records (append-only, rotated, revisits), read back,
verified and exported. Gzip member boundaries are found by hand with zlib (not warcio's iterator) so a
torn tail after a crash is detected without an exception and members can be copied byte-for-byte.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import re
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from memoryhole import __version__
from memoryhole.fetcher import DecodeFailure, decode_content
from memoryhole.models import Exchange, Fetch, WarcLocation, utcnow

__all__ = [
    "Archive",
    "ArchivedRecord",
    "RevisitTarget",
    "TornTail",
    "VerifyReport",
    "payload_digest",
    "read_records",
    "iter_records",
    "verify",
    "export",
]

log = logging.getLogger(__name__)

MiB = 1024 * 1024
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
READ_DECODE_LIMIT = 64 * MiB  # what read_records will inflate a stored payload to, at most
SCAN_CHUNK = 1 * MiB
# An error class of the fetch → the WARC-Truncated reason of its cut-short final response.
TRUNCATED_REASONS = {"too-large": "length", "timeout": "time"}


def payload_digest(raw: bytes) -> str:
    """WARC-Payload-Digest of a payload: ``sha1:`` + base32, as warcio and the Wayback Machine write it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(raw).digest()).decode("ascii")


@dataclass(frozen=True)
class RevisitTarget:
    """The earlier response whose payload a new one repeats (``date`` is its WARC-Date)."""

    uri: str
    date: str
    record_id: str


@dataclass(frozen=True)
class ArchivedRecord:
    """One WARC record read back; ``payload`` is decoded per Content-Encoding (``raw_payload`` is not)."""

    type: str
    headers: dict[str, str]
    http_status: int | None
    http_headers: tuple[tuple[str, str], ...]
    payload: bytes
    raw_payload: bytes
    filename: str
    offset: int  # of the record's gzip member
    length: int
    digest_ok: bool | None = None  # None when the record carries no digest warcio can check
    decode_error: str | None = (
        None  # payload could not be decoded; ``payload`` holds the part that was
    )

    @property
    def record_id(self) -> str | None:
        return self.headers.get("WARC-Record-ID")

    @property
    def target_uri(self) -> str | None:
        return self.headers.get("WARC-Target-URI")


@dataclass(frozen=True)
class TornTail:
    """A file ending in a partial gzip member (a crash mid-write); the bytes from ``offset`` are junk."""

    filename: str
    offset: int
    junk_bytes: int


@dataclass(frozen=True)
class VerifyReport:
    files: int
    records: int
    by_type: dict[str, int]
    torn: tuple[TornTail, ...]
    bad_records: tuple[str, ...]  # "file@offset: why" for members that are not valid WARC records

    @property
    def ok(self) -> bool:
        return not self.torn and not self.bad_records


# --------------------------------------------------------------------------- gzip members


class _MemberScan:
    """Iterates (offset, length) of the complete gzip members of a stream; ``torn_at`` is set after
    iteration when the stream ends inside a member or in bytes that are not gzip."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.torn_at: int | None = None
        self.size = 0

    def __iter__(self) -> Iterator[tuple[int, int]]:
        pos = start = 0
        d: zlib._Decompress | None = None
        while chunk := self._fh.read(SCAN_CHUNK):
            self.size += len(chunk)
            data = chunk
            while data:
                if d is None:
                    d, start = zlib.decompressobj(16 + zlib.MAX_WBITS), pos
                try:
                    d.decompress(data, 1 << 16)  # output is not needed, only where members end
                except zlib.error:
                    self.torn_at = start
                    return
                rest = d.unused_data if d.eof else d.unconsumed_tail
                pos += len(data) - len(rest)
                data = rest
                if d.eof:
                    yield start, pos - start
                    d = None
        if d is not None:
            with contextlib.suppress(zlib.error):
                d.flush()
            if d.eof:  # the end marker was only waiting behind buffered output
                yield start, pos - start
            else:
                self.torn_at = start


def _read_at(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(length)


# --------------------------------------------------------------------------- writing


class _ExactHeaders(StatusAndHeaders):
    """HTTP headers written back byte-for-byte (latin-1), where warcio would %-encode non-ASCII."""

    def __init__(self, first_line: str, headers: list[tuple[str, str]], *, request: bool) -> None:
        if request:
            super().__init__(first_line, headers, is_http_request=True)
        else:
            protocol, _, status = first_line.partition(" ")
            super().__init__(status, headers, protocol=protocol)
        lines = [first_line, *(f"{k}: {v}" for k, v in headers)]
        self._exact = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self._exact


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _response_headers(ex: Exchange) -> list[tuple[str, str]]:
    # The stored body is de-chunked, so a Transfer-Encoding header would make readers de-chunk again.
    out = []
    for key, value in ex.response_headers:
        if key.lower() == "transfer-encoding":
            out.append(("X-Archive-Orig-Transfer-Encoding", value))
        else:
            out.append((key, value))
    return out


def _request_line(ex: Exchange) -> str:
    parts = urlsplit(ex.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{ex.method} {target} {ex.http_version}"


class Archive:
    """Append-only WARC writer for one directory.

    Not thread-safe: use it from one writer thread at a time (the runner's archive thread), and
    from one process per directory. Each instance writes to new files only; it never reopens one.
    """

    def __init__(
        self, directory: Path, *, max_file_bytes: int = 256 * MiB, prefix: str = "memoryhole"
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if not os.access(self.directory, os.W_OK | os.X_OK):
            # Fail now with one clear error rather than on every fetch of a run.
            raise PermissionError(errno.EACCES, "WARC directory is not writable", str(directory))
        self.max_file_bytes = max_file_bytes
        self.prefix = prefix
        name_re = re.compile(re.escape(prefix) + r"-\d{14}-(\d{5,})\.warc\.gz$")
        serials = {p: int(m[1]) for p in self.directory.iterdir() if (m := name_re.match(p.name))}
        self._serial = max(serials.values(), default=-1)
        newest = max(serials, key=lambda p: (serials[p], p.name), default=None)
        self.torn: TornTail | None = _check_tail(newest) if newest else None
        self._fh: BinaryIO | None = None
        self._name = ""
        self._size = 0
        self._fresh = 0  # size of the file right after its warcinfo record

    @classmethod
    def open(cls, directory: Path, **kwargs: object) -> Archive:
        """Open for writing after a restart: a torn tail in the newest file is logged and recorded in
        ``.torn`` (the file is left untouched); records always go to a new file."""
        return cls(Path(directory), **kwargs)  # type: ignore[arg-type]

    @property
    def current_file(self) -> str | None:
        return self._name or None

    def write_fetch(
        self,
        fetch: Fetch,
        *,
        revisit_of: Callable[[str], RevisitTarget | None] | None = None,
        sync: bool = False,
    ) -> WarcLocation:
        """Write the records of one fetch; when it returns, they are in the file (fsynced if ``sync``)."""
        buf = io.BytesIO()
        writer = _Writer(buf, gzip=True, warc_version="1.1")
        digest: str | None = None
        record_id: str | None = None
        revisit = False
        if not fetch.exchanges:
            record_id = _write_metadata(writer, fetch)
        for i, ex in enumerate(fetch.exchanges):
            digest = payload_digest(ex.raw_body)
            target = None
            if i == len(fetch.exchanges) - 1 and revisit_of and ex.complete and ex.raw_body:
                target = revisit_of(digest)
            truncated = (
                None if ex.complete else TRUNCATED_REASONS.get(fetch.error or "", "disconnect")
            )
            record_id = _write_exchange(writer, ex, digest, target, truncated)
            revisit = target is not None
        data = buf.getvalue()
        offset = self._append(data, sync)
        return WarcLocation(self._name, offset, len(data), digest, record_id, revisit)

    def flush(self, sync: bool = False) -> None:
        """Push buffered bytes to the OS; with ``sync``, to the disk too (fsync)."""
        if self._fh is not None:
            self._fh.flush()
            if sync:
                os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Flush, fsync and close; the handle is let go even when that fails (disk full), and
        the error is raised then: what did not reach the disk is a torn tail for the next start."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            _close_quietly(fh)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _append(self, data: bytes, sync: bool) -> int:
        """Write ``data`` in one call (rotating first when needed); the offset it starts at."""
        over = self._size + len(data) > self.max_file_bytes and self._size > self._fresh
        if self._fh is None or over:
            self._rotate()
        assert self._fh is not None
        offset = self._size
        try:
            self._fh.write(data)
            self.flush(sync)
        except OSError:
            # A partial write (disk full, size limit, read-only) leaves a torn tail: never write
            # after it, start afresh in a new file next time. Closing flushes what is still
            # buffered, which fails the same way: the handle is dropped all the same.
            fh, self._fh = self._fh, None
            _close_quietly(fh)
            raise
        self._size += len(data)
        return offset

    def _rotate(self) -> None:
        self.close()
        while True:
            self._serial += 1
            stamp = utcnow().strftime("%Y%m%d%H%M%S")
            name = f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            try:
                fh = (self.directory / name).open("xb")  # never reopen an existing file
            except FileExistsError:
                continue
            break
        info = io.BytesIO()
        WARCWriter(info, gzip=True, warc_version="1.1").write_record(_warcinfo(name, self.prefix))
        try:
            fh.write(info.getvalue())
        except OSError:
            _close_quietly(fh)
            raise
        self._fh, self._name = fh, name
        self._size = self._fresh = len(info.getvalue())


def _close_quietly(fh: BinaryIO) -> None:
    """Close a file whose buffered bytes may not be writable any more (the error was raised before)."""
    with contextlib.suppress(OSError):
        fh.close()
    if not fh.closed:  # close() flushes first; when the flush fails, the descriptor is still closed
        with contextlib.suppress(OSError):
            fh.raw.close()  # type: ignore[attr-defined]


def _warcinfo(filename: str, prefix: str) -> object:
    fields = {
        "software": f"memoryhole/{__version__} (warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": CONFORMS_TO,
        "isPartOf": prefix,
        "description": "HTTP exchanges recorded by memoryhole, a news archive monitor",
    }
    return WARCWriter(io.BytesIO(), warc_version="1.1").create_warcinfo_record(filename, fields)


def _write_exchange(
    writer: WARCWriter,
    ex: Exchange,
    digest: str,
    target: RevisitTarget | None,
    truncated: str | None,
) -> str:
    """Request then response (or revisit) records for one hop; the response's record id."""
    date = warc_date(ex.started_at)
    resp_id = _record_id()
    resp_fields = {"WARC-Record-ID": resp_id, "WARC-Date": date}
    if ex.peer_ip:
        resp_fields["WARC-IP-Address"] = ex.peer_ip
    http = _ExactHeaders(
        f"{ex.http_version} {ex.status} {ex.reason}".rstrip(), _response_headers(ex), request=False
    )
    if target is not None:
        response = writer.create_revisit_record(
            ex.url,
            digest,
            target.uri,
            target.date,
            http_headers=http,
            warc_headers_dict=resp_fields,
        )
        response.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
        response.rec_headers.add_header("WARC-Refers-To", target.record_id)
    else:
        if truncated:
            resp_fields["WARC-Truncated"] = truncated
        response = writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.raw_body),
            length=len(ex.raw_body),
            http_headers=http,
            warc_headers_dict=resp_fields,
        )
    req_fields = {"WARC-Date": date, "WARC-Concurrent-To": resp_id}
    request = writer.create_warc_record(
        ex.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=_ExactHeaders(_request_line(ex), list(ex.request_headers), request=True),
        warc_headers_dict=req_fields,
    )
    writer.write_record(request)
    writer.write_record(response)
    return resp_id


class _Writer(WARCWriter):
    """warcio's writer, compressing each record as its own gzip member at level 6 instead of 9:
    several times less CPU on HTML for a few per cent more bytes."""

    def _write_warc_record(self, out, record):
        if not self.gzip:
            return super()._write_warc_record(out, record)
        plain = io.BytesIO()
        self.gzip = False
        try:
            super()._write_warc_record(plain, record)
        finally:
            self.gzip = True
        comp = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        out.write(comp.compress(plain.getvalue()) + comp.flush())
        return None


def _write_metadata(writer: WARCWriter, fetch: Fetch) -> str:
    """A fetch that got no HTTP response at all leaves this trace: why, and how long it took."""
    body = json.dumps(
        {
            "error": fetch.error,
            "detail": fetch.error_detail,
            "elapsed": round(fetch.elapsed, 6),
            "final_url": fetch.final_url,
        },
        sort_keys=True,
    ).encode("utf-8")
    record_id = _record_id()
    record = writer.create_warc_record(
        fetch.url,
        "metadata",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": warc_date(fetch.started_at)},
    )
    writer.write_record(record)
    return record_id


# --------------------------------------------------------------------------- reading


def _parse_member(data: bytes, filename: str, offset: int) -> ArchivedRecord:
    """One gzip member → its record; raises ArchiveLoadFailed/ValueError when it is not one."""
    try:
        return _parse_record(data, filename, offset)
    except (ArchiveLoadFailed, ValueError):
        raise
    except (TypeError, LookupError, AttributeError) as exc:
        # warcio trusts some header values: a digest named "\x00sha1" reaches hashlib.new (found
        # by tests/test_fuzz.py); a damaged member is "not a record", never a crash
        raise ValueError(f"malformed WARC record: {exc!r}") from exc


def _parse_record(data: bytes, filename: str, offset: int) -> ArchivedRecord:
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        raw = record.raw_stream.read()
        http = record.http_headers
        status = int(http.get_statuscode()) if http and record.rec_type != "request" else None
        pairs = tuple((k, v) for k, v in http.headers) if http else ()
        encoding = http.get_header("Content-Encoding") if http else None
        payload, decode_error = raw, None
        if encoding:
            try:
                payload = decode_content(raw, encoding, limit=READ_DECODE_LIMIT, complete=False)
            except DecodeFailure as exc:
                payload, decode_error = exc.partial, exc.detail
        return ArchivedRecord(
            type=record.rec_type,
            headers=dict(record.rec_headers.headers),
            http_status=status,
            http_headers=pairs,
            payload=payload,
            raw_payload=raw,
            filename=filename,
            offset=offset,
            length=len(data),
            digest_ok=record.digest_checker.passed,
            decode_error=decode_error,
        )
    raise ValueError("gzip member holds no WARC record")


def _records_in(blob: bytes, filename: str, base: int) -> list[ArchivedRecord]:
    scan = _MemberScan(io.BytesIO(blob))
    return [_parse_member(blob[o : o + n], filename, base + o) for o, n in scan]


def read_records(directory: Path, loc: WarcLocation) -> list[ArchivedRecord]:
    """The records one ``write_fetch`` wrote, in order (request, response, request, response, ...)."""
    blob = _read_at(Path(directory) / loc.filename, loc.offset, loc.length)
    return _records_in(blob, loc.filename, loc.offset)


def iter_records(path: Path) -> Iterator[ArchivedRecord]:
    """Every valid record of a ``.warc.gz`` file; stops without an exception at a torn tail."""
    path = Path(path)
    with path.open("rb") as scan_fh, path.open("rb") as read_fh:
        for offset, length in _MemberScan(scan_fh):
            read_fh.seek(offset)
            try:
                yield _parse_member(read_fh.read(length), path.name, offset)
            except (ArchiveLoadFailed, ValueError) as exc:
                log.warning("%s@%d is not a WARC record: %s", path.name, offset, exc)


def _check_tail(path: Path) -> TornTail | None:
    with path.open("rb") as fh:
        scan = _MemberScan(fh)
        for _ in scan:
            pass
    if scan.torn_at is None:
        return None
    torn = TornTail(path.name, scan.torn_at, scan.size - scan.torn_at)
    log.warning(
        "%s ends in a torn record at byte %d (%d bytes, a crash mid-write?); the file is left as it "
        "is and new records go to a new file. `memoryhole verify` lists such tails.",
        torn.filename,
        torn.offset,
        torn.junk_bytes,
    )
    return torn


def _warc_files(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("*.warc.gz"))


def verify(directory: Path) -> VerifyReport:
    """Read every record of every ``.warc.gz`` file: counts by type, torn tails, broken records."""
    by_type: Counter[str] = Counter()
    torn: list[TornTail] = []
    bad: list[str] = []
    files = _warc_files(directory)
    for path in files:
        with path.open("rb") as scan_fh, path.open("rb") as read_fh:
            scan = _MemberScan(scan_fh)
            for offset, length in scan:
                read_fh.seek(offset)
                try:
                    record = _parse_member(read_fh.read(length), path.name, offset)
                except (ArchiveLoadFailed, ValueError) as exc:
                    bad.append(f"{path.name}@{offset}: {exc}")
                    continue
                by_type[record.type] += 1
                if record.digest_ok is False:
                    bad.append(f"{path.name}@{offset}: digest mismatch")
            if scan.torn_at is not None:
                torn.append(TornTail(path.name, scan.torn_at, scan.size - scan.torn_at))
    return VerifyReport(len(files), sum(by_type.values()), dict(by_type), tuple(torn), tuple(bad))


# --------------------------------------------------------------------------- export


def _members_of(directory: Path, locations: Iterable[WarcLocation] | None) -> Iterator[bytes]:
    """Gzip members, as stored, of the given fetches (or of the whole archive)."""
    if locations is not None:
        for loc in locations:
            blob = _read_at(Path(directory) / loc.filename, loc.offset, loc.length)
            for offset, length in _MemberScan(io.BytesIO(blob)):
                yield blob[offset : offset + length]
        return
    for path in _warc_files(directory):
        with path.open("rb") as scan_fh, path.open("rb") as read_fh:
            for offset, length in _MemberScan(scan_fh):
                read_fh.seek(offset)
                yield read_fh.read(length)


def export(directory: Path, locations: Iterable[WarcLocation] | None, out: Path) -> int:
    """Copy records (all, or those of ``locations``) into a new WARC at ``out``, after a warcinfo
    record of its own; gzip members are copied byte-for-byte when ``out`` ends in ``.gz``.
    Returns the number of records copied. A revisit's original is only included if asked for."""
    out = Path(out)
    gz = out.name.endswith(".gz")
    count = 0
    with out.open("wb") as fh:
        WARCWriter(fh, gzip=gz, warc_version="1.1").write_record(_warcinfo(out.name, "export"))
        for member in _members_of(directory, locations):
            fh.write(member if gz else zlib.decompress(member, 16 + zlib.MAX_WBITS))
            count += 1
    return count
