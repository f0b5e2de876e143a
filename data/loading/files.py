"""Finding the native files of a load and inspecting their first bytes before any parser sees them.

Native format: one file per canonical table, named `<table>.csv`, `<table>.csv.gz` or `<table>.parquet`
(see data/README.md). The first 64 KiB of a CSV (decompressed when gzip) are enough to refuse an empty
file, a known binary format or a non-UTF-8 header with a clear message. One streaming pass over the
whole file (C-speed byte searches, no per-line Python) then finds a NUL byte anywhere (DuckDB would load
it into a value) and the blank lines DuckDB skips, so that reported line numbers stay physical lines.
"""
from __future__ import annotations

import bisect
import csv
import errno
import gzip
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from codedash.data.loading.report import Failure
from codedash.data.loading.tables import LOADABLE

HEAD_BYTES = 64 * 1024
SCAN_CHUNK = 1 << 20
MAX_LINE = 16 << 20                       # a longer line is cut into regions (its quote parity may be misread)
_BEFORE_EMPTY = re.compile(rb"\n(?=\r?\n)")    # a line end followed by an empty line (or only '\r')
_NOT_QUOTE_OR_NL = bytes(b for b in range(256) if b not in b'"\n')
GZIP_MAGIC = b"\x1f\x8b"
_NAME = re.compile(r"^(?P<table>[a-z_]+)\.(?P<ext>csv|csv\.gz|parquet)$")
_BINARY_MAGIC = {
    b"PAR1": "a Parquet file (name it {table}.parquet)",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?); export it as CSV",
    b"\xd0\xcf\x11\xe0": "an Excel .xls workbook; export it as CSV",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"SQLite format 3": "an SQLite database",
}


@dataclass
class Source:
    table: str
    path: Path
    kind: str                 # 'csv' | 'parquet'
    gzip: bool = False
    # physical line numbers of blank lines outside quoted fields, and first/last lines of records with
    # quoted line breaks (CSV; filled by inspect_csv)
    blank_lines: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.path)


def _file_failure(path: Path, message: str, check: str = "FILE_READABLE") -> Failure:
    return Failure(check, "*", str(path), None, None, None, message)


def unreadable(path: Path) -> str | None:
    """Why a path cannot be opened (a symbolic link loop, a broken link, missing), or None."""
    try:
        os.stat(path)
    except OSError as exc:
        link = ""
        if path.is_symlink():
            try:
                link = f" (-> {os.readlink(path)})"
            except OSError:
                pass
        if exc.errno == errno.ELOOP:
            return f"symbolic link loop{link}: the link leads back to itself, so the file cannot be read"
        if link:
            return f"broken symbolic link{link}: its target does not exist"
        if exc.errno == errno.ENOENT:
            return "file not found"
        return f"cannot read: {exc.strerror or exc}"
    return None


def folder_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """A folder's regular files (sorted, links followed) and the entries that cannot be read, with why
    (a loop or broken link is named, never skipped silently). Subfolders are not entered."""
    files, bad = [], []
    for q in sorted(folder.iterdir()):
        reason = unreadable(q)
        if reason is not None:
            bad.append((q, reason))
        elif q.is_file():
            files.append(q)
    return files, bad


def dataset_files(folder: Path, bad: list[tuple[Path, str]]) -> list[Path]:
    """The tables of a Parquet dataset (data.lakehouse layout) in `folder`: `<table>/<table>.parquet`.
    A table folder with other Parquet files (a lake's part files) is named in `bad` rather than read in part."""
    files = []
    for sub in sorted(q for q in folder.iterdir() if q.is_dir() and q.name in LOADABLE):
        parts = sorted(sub.glob("*.parquet"))
        own = sub / f"{sub.name}.parquet"
        if parts == [own]:
            files.append(own)
        elif parts:
            bad.append((sub, f"holds {len(parts)} Parquet files; a load reads one file per table, named "
                             f"{sub.name}.parquet (combine the parts, or publish marts built from the lake with "
                             "`codedash load --marts DIR` alone)"))
    return files


def discover(paths: list[str | Path]) -> tuple[list[Source], list[Failure], list[str]]:
    """Sources by table (a folder contributes every file named after a table), failures, notes."""
    sources: dict[str, Source] = {}
    failures: list[Failure] = []
    notes: list[str] = []
    expected = ", ".join(f"{t}.csv" for t in LOADABLE)

    def add(path: Path, from_folder: bool) -> None:
        m = _NAME.match(path.name)
        if not m or m.group("table") not in LOADABLE:
            if from_folder:
                notes.append(f"ignored {path} (not named after a canonical table)")
            else:
                failures.append(_file_failure(path, f"file name is not a canonical table: expected one of {expected} "
                                                    "(or .csv.gz / .parquet)"))
            return
        table = m.group("table")
        if table in sources:
            failures.append(_file_failure(path, f"table {table} is given twice ({sources[table].path} and {path})"))
            return
        kind = "parquet" if m.group("ext") == "parquet" else "csv"
        sources[table] = Source(table, path, kind)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found, bad = folder_files(p)
            found += dataset_files(p, bad)
            failures.extend(_file_failure(q, reason) for q, reason in bad)
            before = len(sources)
            for q in found:
                add(q, from_folder=True)
            if not found and not bad:
                failures.append(_file_failure(p, f"the folder is empty (expected native files: {expected}, ...)"))
            elif len(sources) == before and not bad:
                names = ", ".join(q.name for q in found[:5]) + (", ..." if len(found) > 5 else "")
                failures.append(_file_failure(p, f"no native files in this folder: {names} "
                                                 f"{'is' if len(found) == 1 else 'are'} not named after a canonical "
                                                 f"table (expected {expected}, or .csv.gz / .parquet)"))
        elif p.is_file():
            add(p, from_folder=False)
        elif (reason := unreadable(p)) is not None:
            failures.append(_file_failure(p, reason))
        else:
            failures.append(_file_failure(p, "not a regular file"))
    ordered = [sources[t] for t in LOADABLE if t in sources]
    return ordered, failures, notes


def _head(src: Source) -> bytes:
    with src.path.open("rb") as f:
        raw = f.read(HEAD_BYTES)
    if raw.startswith(GZIP_MAGIC):
        src.gzip = True
        with gzip.open(src.path, "rb") as g:
            return g.read(HEAD_BYTES)
    return raw


def _chunks(src: Source):
    opener = gzip.open if src.gzip else open
    with opener(src.path, "rb") as f:
        while chunk := f.read(SCAN_CHUNK):
            yield chunk


@dataclass
class Scan:
    nul: tuple[int, int] | None           # the first NUL byte: (1-based byte, physical line)
    blank_lines: list[int]                # physical lines that are empty (or '\r'), outside quoted fields
    spans: list[tuple[int, int]]          # first and last physical line of each record with quoted line breaks


def scan(src: Source) -> Scan:
    """One pass over the (decompressed) file, in regions of whole lines, with C-speed byte operations only.

    A line with an odd number of quotes opens or closes a quoted field across its line break (RFC 4180
    doubles a quote inside a field, which keeps the parity), so those lines pair up into the spans of
    records with quoted line breaks; an empty line is blank unless an odd number of such lines precede it."""
    nul, empty, odd = None, [], []
    line, done, carry = 1, 0, b""
    for chunk in [*_chunks(src), None]:
        buf = carry + chunk if chunk is not None else carry
        cut = len(buf) if chunk is None or len(buf) > MAX_LINE else buf.rfind(b"\n") + 1
        region, carry = buf[:cut], buf[cut:]
        if nul is None and (i := region.find(b"\x00")) >= 0:
            nul = (done + i + 1, line + region.count(b"\n", 0, i))
        if region.startswith((b"\n", b"\r\n")):
            empty.append(line)
        pos, n = 0, line
        for m in _BEFORE_EMPTY.finditer(region):
            n += region.count(b"\n", pos, m.start())
            pos = m.start()
            empty.append(n + 1)
        # quotes and line breaks only, quote pairs removed: a quote left is on a line with an odd count
        marks = region.translate(None, _NOT_QUOTE_OR_NL).replace(b'""', b"")
        pos, n = 0, line
        while (q := marks.find(b'"', pos)) >= 0:
            n += marks.count(b"\n", pos, q)
            pos = q + 1
            odd.append(n)
        line += region.count(b"\n")
        done += cut
    blanks = [b for b in empty if bisect.bisect_left(odd, b) % 2 == 0]
    return Scan(nul, blanks, list(zip(odd[0::2], odd[1::2])))


def physical_line(line: int, spans: list[tuple[int, int]]) -> int:
    """The physical line of a record DuckDB numbers `line` (it counts blank lines but a record with
    quoted line breaks as one line): add the line breaks of the multi-line records before it."""
    for first, last in spans:
        if first >= line:
            break
        line += last - first
    return line


def inspect_csv(src: Source) -> tuple[list[str] | None, Failure | None]:
    """The header's column names, or the failure that stops this file before parsing."""
    def fail(check: str, message: str, line: int | None = None, value: str | None = None) -> tuple[None, Failure]:
        return None, Failure(check, src.table, src.name, line, None, value, message)

    try:
        if src.path.stat().st_size == 0:
            return fail("FILE_NOT_EMPTY", "file is empty (0 bytes): expected a header line with the column names")
        head = _head(src)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        return fail("FILE_GZIP_COMPLETE", f"gzip stream is truncated or corrupt ({exc})")
    except OSError as exc:
        return fail("FILE_READABLE", f"cannot read the file: {exc.strerror or exc}")
    if not head:
        return fail("FILE_NOT_EMPTY", "file is empty after decompression: expected a header line")
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return fail("FILE_IS_CSV", "not a CSV file: this is " + what.format(table=src.table))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return fail("FILE_ENCODING", "UTF-16 text (byte-order mark FF FE / FE FF): save the file as UTF-8", 1)
    try:
        found = scan(src)
        nul, src.blank_lines, src.spans = found.nul, found.blank_lines, found.spans
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        return fail("FILE_GZIP_COMPLETE", f"gzip stream is truncated or corrupt ({exc})")
    except OSError as exc:
        return fail("FILE_READABLE", f"cannot read the file: {exc.strerror or exc}")
    if nul is not None:
        offset, line = nul
        of = "of the decompressed text" if src.gzip else "of the file"
        return fail("FILE_IS_CSV", f"not a CSV text file: binary content (NUL byte at byte {offset:,} {of})", line)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    end = head.find(b"\n")
    if end < 0 and len(head) >= HEAD_BYTES:
        return fail("FILE_CSV_SYNTAX", f"no end of line in the first {HEAD_BYTES // 1024} KiB: not a CSV header", 1)
    first = head if end < 0 else head[:end]
    try:
        text = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        bad = first[max(0, exc.start - 20): exc.end + 20].decode("utf-8", "replace")
        return fail("FILE_ENCODING", f"not UTF-8 (byte 0x{first[exc.start]:02X} at byte {exc.start + 1} of the line; "
                                     "Latin-1 or Windows-1252?): save the file as UTF-8", 1, bad)
    if not text.strip():
        return fail("FILE_NOT_EMPTY", "the first line is blank: expected a header line with the column names", 1)
    try:
        names = next(csv.reader([text], strict=True))
    except csv.Error as exc:
        return fail("FILE_CSV_SYNTAX", f"header line is not valid CSV ({exc})", 1, text)
    return [n.strip().lower() for n in names], None
