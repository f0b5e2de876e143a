"""A small, strict X12 5010 reader shared by the 835 and 837 importers (plain Python; X12 files are small).

Delimiters come from the ISA header, as the standard defines them: the element separator is the
character at position 4 (index 3), the repetition separator is ISA11, the component (sub-element)
separator is ISA16 (index 104) and the segment terminator is the character right after ISA16 (index 105).
Line breaks after a segment terminator are tolerated. Every envelope is checked: ISA13 = IEA02,
IEA01 = number of GS, GS06 = GE02, GE01 = number of ST, ST02 = SE02 and SE01 = the number of segments
from ST to SE inclusive. Segment numbers (1 = ISA) are what ImportFormatError reports as `line`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from codedash.data.importers.base import ImportFormatError, X12FormatError, folder_files

ISA_LENGTH = 106
_ALT_COMPOSITE = re.compile(r"^[A-Z0-9]{1,3}([:>])")  # the ISA segment is fixed-length: 105 characters + the segment terminator


@dataclass
class Segment:
    id: str
    elements: list[str]          # elements[0] is the segment id, so elements[i] is element i (1-based)
    number: int                  # 1-based position in the file (ISA = 1)
    component_sep: str
    alt_separator: bool = False  # a composite used ':' or '>' instead of ISA16 (see comps)

    def el(self, i: int) -> str:
        return self.elements[i].strip() if i < len(self.elements) else ""

    def comps(self, i: int) -> list[str]:
        """Components of element i. Tolerance: when ISA16 does not occur in the element but ':' or '>'
        follows a 1- to 3-character qualifier (files whose ISA16 disagrees with their body, as some published
        examples do), that character is used instead and `alt_separator` is set so importers can say so."""
        v = self.el(i)
        if not v:
            return []
        sep = self.component_sep
        if sep not in v:
            m = _ALT_COMPOSITE.match(v)
            if m and m.group(1) != sep:
                sep = m.group(1)
                self.alt_separator = True
        return [p.strip() for p in v.split(sep)]

    def comp(self, i: int, j: int) -> str:
        """Component j (1-based) of element i."""
        parts = self.comps(i)
        return parts[j - 1] if j - 1 < len(parts) else ""


@dataclass
class Transaction:
    file: Path
    st_control: str
    transaction_set: str          # ST01: '835' | '837'
    guide: str                    # implementation guide (GS08, ST03 when present)
    segments: list[Segment] = field(default_factory=list)   # ST .. SE inclusive
    isa_date: str = ""            # ISA09 (YYMMDD), fallback date


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise X12FormatError(path, None, f"cannot read file: {exc}") from None
    if b"\x00" in raw[:4096]:
        raise X12FormatError(path, None, "not an X12 interchange: the file is binary")
    return raw.decode("latin-1").lstrip("\ufeff\r\n\t ")


ALT_NOTE = "segments whose composites use ':' or '>' although ISA16 names the other; read with the one used"


def detects(paths: list[Path], transaction: str, guides) -> bool:
    """True when every file is an X12 `transaction` (ST01) of one of `guides` (GS08)."""
    paths = expand(paths)
    if not paths:
        return False
    for p in paths:
        head = peek(Path(p))
        if head is None or head[2] != transaction or head[1] not in guides:
            return False
    return True


def peek(path: Path) -> tuple[str, str, str] | None:
    """(ISA12 version, GS08 guide, ST01) of a file that looks like X12, else None. Cheap: reads 4 KiB."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("latin-1").lstrip("\ufeff\r\n\t ")
    except OSError:
        return None
    if not head.startswith("ISA") or len(head) < ISA_LENGTH:
        return None
    esep, term = head[3], head[105]
    segs = [s.strip("\r\n") for s in head.split(term)]
    isa = segs[0].split(esep)
    gs = next((s.split(esep) for s in segs if s.startswith("GS" + esep)), None)
    st = next((s.split(esep) for s in segs if s.startswith("ST" + esep)), None)
    if len(isa) < 17 or gs is None or st is None or len(gs) < 9:
        return None
    return isa[12].strip(), gs[8].strip(), st[1].strip()


def expand(paths: list[Path]) -> list[Path]:
    """Files to read: each file as given; for a folder, its files that start like an X12 interchange."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += [q for q in folder_files(p) if peek(q) is not None]
        else:
            out.append(p)
    return out


def parse(path: Path, transaction_set: str, guides: tuple[str, ...], label: str) -> list[Transaction]:
    """Parse one file into its transactions, checking every envelope; raise ImportFormatError otherwise.

    transaction_set: '835' or '837'; guides: accepted implementation guides (e.g. ('005010X221A1',));
    label: what the importer reads, for messages ('835 remittance advice').
    """
    text = _read_text(path)
    if not text.startswith("ISA"):
        raise X12FormatError(path, 1, f"not an X12 interchange: the file does not start with an ISA segment "
                                         f"(expected an X12 {label}); unknown layout")
    if len(text) < ISA_LENGTH:
        raise X12FormatError(path, 1, "truncated file: the ISA header is shorter than its fixed 106 characters")
    esep, csep, term = text[3], text[104], text[105]
    if text[103] != esep or term in (esep, csep) or term.isalnum():
        raise X12FormatError(path, 1, "malformed ISA header: separators are not where the fixed-length ISA "
                                         "puts them (positions 4, 104, 105, 106)")
    raw_segments = text.split(term)
    if raw_segments and not raw_segments[-1].strip():
        raw_segments.pop()
    else:
        # the last segment has no terminator: the file was cut
        raise X12FormatError(path, len(raw_segments),
                                "truncated file: the last segment has no segment terminator; nothing was imported")
    segments = []
    for n, raw in enumerate(raw_segments, start=1):
        raw = raw.strip("\r\n")
        if not raw.strip():
            raise X12FormatError(path, n, "empty segment (two segment terminators in a row)")
        parts = raw.split(esep)
        segments.append(Segment(parts[0].strip(), parts, n, csep))

    isa = segments[0]
    version = isa.el(12)
    if len(isa.elements) != 17:
        raise X12FormatError(path, 1, f"malformed ISA header: {len(isa.elements) - 1} elements instead of 16")
    if version != "00501":
        guide_hint = {"835": "005010X221A1"}.get(transaction_set, "005010X222A2 / 005010X223A3")
        ver = "004010" if version == "00401" else version
        raise X12FormatError(path, 1, f"X12 version {ver} is not supported; codedash reads 5010 ({guide_hint})")

    transactions: list[Transaction] = []
    i, n_seg = 1, len(segments)
    n_groups = 0
    while i < n_seg and segments[i].id == "GS":
        gs = segments[i]
        n_groups += 1
        guide = gs.el(8)
        if guide.startswith("004010"):
            raise X12FormatError(path, gs.number, f"X12 version 004010 is not supported; codedash reads 5010 "
                                                    f"({', '.join(guides)})")
        if guide not in guides:
            raise X12FormatError(path, gs.number, f"unsupported implementation guide {guide!r} in GS08: this "
                                                    f"importer reads {label} ({', '.join(guides)})")
        i += 1
        n_st = 0
        while i < n_seg and segments[i].id == "ST":
            st = segments[i]
            n_st += 1
            if st.el(1) != transaction_set:
                raise X12FormatError(path, st.number, f"transaction set {st.el(1)!r} found; this importer reads "
                                                        f"{transaction_set} ({label})")
            if st.el(3) and st.el(3) != guide:
                raise X12FormatError(path, st.number, f"ST03 {st.el(3)!r} differs from GS08 {guide!r}")
            tx = Transaction(path, st.el(2), st.el(1), guide, [st], isa.el(9))
            i += 1
            while i < n_seg and segments[i].id not in ("SE", "ST", "GE", "GS", "IEA"):
                tx.segments.append(segments[i])
                i += 1
            if i >= n_seg or segments[i].id != "SE":
                where = segments[i].number if i < n_seg else segments[-1].number
                raise X12FormatError(path, where, f"transaction ST*{st.el(1)}*{st.el(2)} has no SE trailer "
                                                     f"(truncated file?)")
            se = segments[i]
            tx.segments.append(se)
            if se.el(2) != st.el(2):
                raise X12FormatError(path, se.number, f"control number mismatch: SE02 {se.el(2)!r} != ST02 "
                                                         f"{st.el(2)!r}")
            if se.el(1) != str(len(tx.segments)):
                raise X12FormatError(path, se.number, f"segment count mismatch: SE01 says {se.el(1)} segments, "
                                                         f"the transaction has {len(tx.segments)} (ST to SE)")
            transactions.append(tx)
            i += 1
        if i >= n_seg or segments[i].id != "GE":
            where = segments[i].number if i < n_seg else segments[-1].number
            raise X12FormatError(path, where, f"functional group GS*{gs.el(1)}*…*{gs.el(6)} has no GE trailer "
                                                 "(truncated file?)")
        ge = segments[i]
        if ge.el(2) != gs.el(6):
            raise X12FormatError(path, ge.number, f"control number mismatch: GE02 {ge.el(2)!r} != GS06 {gs.el(6)!r}")
        if ge.el(1) != str(n_st):
            raise X12FormatError(path, ge.number, f"GE01 says {ge.el(1)} transaction sets, the group has {n_st}")
        i += 1
    if n_groups == 0:
        where = segments[i].number if i < n_seg else 1
        raise X12FormatError(path, where, "no GS functional group after the ISA header; unknown layout")
    if i >= n_seg or segments[i].id != "IEA":
        where = segments[i].number if i < n_seg else segments[-1].number
        raise X12FormatError(path, where, "interchange has no IEA trailer (truncated file?)")
    iea = segments[i]
    if iea.el(2) != isa.el(13):
        raise X12FormatError(path, iea.number, f"control number mismatch: IEA02 {iea.el(2)!r} != ISA13 "
                                                  f"{isa.el(13)!r}")
    if iea.el(1) != str(n_groups):
        raise X12FormatError(path, iea.number, f"IEA01 says {iea.el(1)} functional groups, the interchange has "
                                                  f"{n_groups}")
    if i + 1 < n_seg:
        raise X12FormatError(path, segments[i + 1].number, f"unexpected segment {segments[i + 1].id} after IEA")
    return transactions


# ---------------------------------------------------------------------------------------------
# Value helpers
# ---------------------------------------------------------------------------------------------

def amount(seg: Segment, i: int, required: bool = False) -> Decimal | None:
    v = seg.el(i)
    if not v:
        if required:
            raise X12FormatError(None, seg.number, f"{seg.id}{i:02d} (an amount) is empty")
        return None
    try:
        return Decimal(v).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise X12FormatError(None, seg.number, f"{seg.id}{i:02d} = {v!r} is not an amount") from None


def d8(value: str, seg: Segment) -> date:
    """CCYYMMDD -> date."""
    try:
        return date(int(value[0:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 else _bad(value, seg)
    except ValueError:
        return _bad(value, seg)


def _bad(value: str, seg: Segment):
    raise X12FormatError(None, seg.number, f"{seg.id}: {value!r} is not a CCYYMMDD date")


def date_range(fmt: str, value: str, seg: Segment) -> tuple[date, date]:
    """A D8 or RD8 (CCYYMMDD-CCYYMMDD) date element -> (start, end)."""
    if fmt == "RD8" or "-" in value:
        a, _, b = value.partition("-")
        return d8(a, seg), d8(b or a, seg)
    return d8(value, seg), d8(value, seg)


def pseudonym(*parts: str) -> str:
    """A stable pseudonymous id from identifying values (member id, name, birth date): never stored in clear."""
    key = "|".join(p.strip().upper() for p in parts)
    return "P" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def code(value: str) -> str | None:
    c = "".join(value.split()).replace(".", "").upper()
    return c or None


# CLP06 / SBR09 claim filing indicator code -> codedash payer_type
FILING_INDICATOR = {
    "MA": "medicare", "MB": "medicare", "16": "medicare_advantage",
    "MC": "medicaid",
    "CI": "commercial", "BL": "commercial", "HM": "commercial", "12": "commercial", "13": "commercial",
    "14": "commercial", "15": "commercial", "17": "commercial", "LM": "commercial", "DS": "other",
    "CH": "other", "VA": "other", "TV": "other", "WC": "other", "AM": "other", "OF": "other", "11": "other",
    "ZZ": "other", "09": "self_pay",
}


def payer_type(indicator: str) -> str:
    return FILING_INDICATOR.get(indicator.strip().upper(), "other")


def age_at(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return max(0, min(90, years))


def with_file(exc: ImportFormatError, path: Path) -> ImportFormatError:
    """Fill in the file of an error raised by a value helper (which does not know it)."""
    if exc.file is None:
        return type(exc)(path, exc.line, exc.message)
    return exc


def insert_rows(con, table: str, rows: list[dict], source: str) -> None:
    """Insert dict rows into a scratch canonical table; constraint/conversion failures -> ImportFormatError."""
    import duckdb

    if not rows:
        return
    cols = list(rows[0])
    sql = f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})"
    try:
        con.executemany(sql, [[r.get(c) for c in cols] for r in rows])
    except (duckdb.ConstraintException, duckdb.ConversionException) as exc:
        raise X12FormatError(source, None, f"cannot build {table}: {str(exc).splitlines()[0]}") from None


def existing_keys(con, sql: str, params: list | None = None) -> set:
    """Keys already in the target database (main schema) when a connection is given; empty otherwise."""
    if con is None:
        return set()
    try:
        return {tuple(r) if len(r) > 1 else r[0] for r in con.execute(sql, params or []).fetchall()}
    except Exception:  # noqa: BLE001 - a database without the table simply has no keys
        return set()


def is_cpt(c: str) -> bool:
    """CPT (Category I: 5 digits; II/III: 4 digits + F/T) vs HCPCS Level II (a letter + 4 digits)."""
    return len(c) == 5 and (c.isdigit() or (c[:4].isdigit() and c[4] in "FTU"))
