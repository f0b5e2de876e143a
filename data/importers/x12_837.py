"""X12 837 health care claims, professional (005010X222A2) and institutional (005010X223A3) -> canonical tables.

Field mapping: data/README.md, "### X12 837P/837I". Each CLM is one encounter and one claim
(encounter_id = claim_id = CLM01, the patient control number an 835 echoes in CLP01); HI gives
diagnoses, ICD procedures and the DRG; SV1 (professional) / SV2 (institutional) lines give service lines;
NM1*85 billing / *71 attending / *72 operating / *82 rendering providers with an NPI give providers;
the billing provider is the facility. Patients are pseudonymised (a hash of name and birth date).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from codedash.data.codes import fiscal_year
from codedash.data.importers import _x12
from codedash.data.importers.base import (
    ImportFormatError,
    ImportSummary,
    X12FormatError,
    add_origin_rows,
    scratch,
    write_tables,
)

FORMAT = "x12-837"
PROFESSIONAL, INSTITUTIONAL = "005010X222A2", "005010X223A3"
GUIDES = (PROFESSIONAL, INSTITUTIONAL)
LABEL = "837P/837I claims (005010X222A2 / 005010X223A3)"

# HI qualifiers kept as diagnoses: principal first, then others in order of appearance.
DX_PRINCIPAL = {"ABK": "ICD10CM", "BK": "ICD9CM"}
DX_OTHER = {"ABF": "ICD10CM", "BF": "ICD9CM", "ABN": "ICD10CM", "BN": "ICD9CM"}
DX_DROPPED = {"ABJ", "BJ", "APR", "PR"}  # admitting diagnosis, patient's reason for visit: not coded final diagnoses
PX_PRINCIPAL = {"BBR": "ICD10PCS", "BR": "ICD9PCS"}
PX_OTHER = {"BBQ": "ICD10PCS", "BQ": "ICD9PCS"}
ED_REVENUE = ("045", "0981")


def detect(paths: list[Path]) -> bool:
    """True when every file is an X12 837 whose GS08 is 005010X222A2 or 005010X223A3."""
    return _x12.detects(paths, "837", GUIDES)


@dataclass
class Party:
    id: str | None = None
    name: str | None = None
    state: str | None = None
    npi: str | None = None


@dataclass
class Person:
    last: str = ""
    first: str = ""
    member_id: str = ""
    birth: date | None = None
    sex: str | None = None


@dataclass
class Claim:
    seg: _x12.Segment
    file: str
    guide: str
    claim_id: str
    charge: Decimal
    facility_code: str
    frequency: str
    billing: Party
    payer: Party
    filing: str
    patient: Person
    created: date | None
    billed_at: datetime | None = None
    statement: tuple[date, date] | None = None
    admission: date | None = None
    discharge_status: str | None = None
    attending: str | None = None
    operating: str | None = None
    rendering: str | None = None
    drg: str | None = None
    dx: list[tuple[int, str, str, str | None]] = field(default_factory=list)      # (order, system, code, poa)
    px: list[tuple[int, str, str, date | None]] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    dropped_hi: int = 0


def _npi_provider(seg: _x12.Segment, providers: dict) -> str | None:
    """Provider id of an NM1 (NPI when N108 = XX); records it in providers. None when it has no id."""
    ident = seg.el(9)
    if not ident:
        return None
    pid = ident if seg.el(8) == "XX" else f"{seg.el(8)}:{ident}"
    name = (seg.el(3) if seg.el(2) == "2" else " ".join(x for x in (seg.el(4), seg.el(3)) if x)) or None
    providers.setdefault(pid, {"provider_id": pid, "provider_name": name,
                               "npi": ident if seg.el(8) == "XX" else None})
    return pid


def _line_date(seg: _x12.Segment) -> tuple[date, date]:
    return _x12.date_range(seg.el(2), seg.el(3), seg)


def _parse_transaction(tx: _x12.Transaction, providers: dict, notes: dict) -> list[Claim]:
    claims: list[Claim] = []
    billing = Party()
    payer = Party()
    filing = ""
    subscriber = Person()
    patient: Person | None = None
    created = None
    billed_at = None
    claim: Claim | None = None
    line: dict | None = None
    where = None          # current loop: '85' billing, 'IL' subscriber, 'QC' patient, 'PR' payer, 'claim', 'other'
    for seg in tx.segments[1:-1]:
        sid = seg.id
        if sid == "BHT":
            try:
                created = _x12.d8(seg.el(4), seg) if seg.el(4) else None
            except ImportFormatError:
                created = None
            hhmm = seg.el(5)
            billed_at = datetime(created.year, created.month, created.day, int(hhmm[:2]), int(hhmm[2:4])) \
                if created and len(hhmm) >= 4 and hhmm[:4].isdigit() and hhmm[:2] < "24" and hhmm[2:4] < "60" \
                else (datetime(created.year, created.month, created.day) if created else None)
        elif sid == "HL":
            claim, line, where = None, None, None
            level = seg.el(3)
            if level == "20":
                billing = Party()
            elif level == "22":
                subscriber, patient, payer, filing = Person(), None, Party(), ""
            elif level == "23":
                patient = Person()
        elif sid == "SBR":
            if claim is None:
                filing = seg.el(9)
            else:
                where = "other"     # 2320 other subscriber / other payer loops: not this claim's payer
        elif sid == "NM1" and claim is None:
            q = seg.el(1)
            if q == "85":
                where = "85"
                pid = _npi_provider(seg, providers)
                name = providers[pid]["provider_name"] if pid else seg.el(3)
                billing = Party(seg.el(9) or seg.el(3), name or "unknown billing provider", None,
                                seg.el(9) if seg.el(8) == "XX" else None)
            elif q == "IL":
                where = "IL"
                subscriber = Person(seg.el(3), seg.el(4), seg.el(9))
            elif q == "QC" and patient is not None:
                where = "QC"
                patient.last, patient.first, patient.member_id = seg.el(3), seg.el(4), seg.el(9)
            elif q == "PR":
                where = "PR"
                payer = Party(seg.el(9) or seg.el(3).upper(), seg.el(3) or seg.el(9))
            else:
                where = None
        elif sid == "N4" and claim is None and where == "85":
            billing.state = seg.el(2) or None
        elif sid == "DMG" and claim is None and where in ("IL", "QC"):
            person = subscriber if where == "IL" else patient
            if seg.el(2):
                person.birth = _x12.d8(seg.el(2), seg)
            person.sex = seg.el(3) if seg.el(3) in ("F", "M", "U") else None
        elif sid == "CLM":
            if not seg.el(1):
                raise X12FormatError(None, seg.number, "CLM01 (patient control number) is empty")
            line, where = None, "claim"
            comps = seg.comps(5)
            claim = Claim(seg, str(tx.file), tx.guide, seg.el(1), _x12.amount(seg, 2, required=True),
                          comps[0] if comps else "", comps[2] if len(comps) > 2 else "",
                          billing, payer, filing, patient or subscriber, created, billed_at)
            claims.append(claim)
        elif claim is None:
            continue
        elif sid == "DTP" and line is None and where == "claim":
            if seg.el(1) == "434":
                claim.statement = _x12.date_range(seg.el(2), seg.el(3), seg)
            elif seg.el(1) == "435":
                claim.admission = _x12.d8(seg.el(3)[:8], seg)
            elif seg.el(1) == "472" and claim.statement is None:
                claim.statement = _x12.date_range(seg.el(2), seg.el(3), seg)
        elif sid == "CL1":
            claim.discharge_status = seg.el(3) or None
        elif sid == "HI":
            _hi(seg, claim)
        elif sid == "NM1" and where in ("claim", "line") and seg.el(1) in ("71", "72", "82"):
            pid = _npi_provider(seg, providers)
            if line is not None:
                if seg.el(1) == "82" and pid:
                    line["rendering_provider_id"] = pid
            elif seg.el(1) == "71":
                claim.attending = pid
            elif seg.el(1) == "72":
                claim.operating = pid
            else:
                claim.rendering = pid
        elif sid == "LX":
            where = "line"
            line = {"line_number": int(seg.el(1)) if seg.el(1).isdigit() else len(claim.lines) + 1,
                    "rendering_provider_id": None, "service_date": None, "segment": seg.number}
            claim.lines.append(line)
        elif sid in ("SV1", "SV2") and line is not None:
            _service(seg, line, notes)
        elif sid == "DTP" and line is not None and seg.el(1) == "472":
            line["service_date"] = _line_date(seg)[0]
    alt = sum(1 for seg in tx.segments if seg.alt_separator)
    if alt:
        notes[_x12.ALT_NOTE] = notes.get(_x12.ALT_NOTE, 0) + alt
    return claims


def _hi(seg: _x12.Segment, claim: Claim) -> None:
    for i in range(1, len(seg.elements)):
        comps = seg.comps(i)
        if len(comps) < 2 or not comps[1]:
            continue
        q, value = comps[0].upper(), _x12.code(comps[1])
        order = seg.number * 100 + i
        if q in DX_PRINCIPAL or q in DX_OTHER:
            poa = comps[8].upper() if len(comps) > 8 and comps[8] else None
            system = DX_PRINCIPAL.get(q) or DX_OTHER[q]
            claim.dx.append((0 if q in DX_PRINCIPAL else order, system, value, poa))
        elif q in PX_PRINCIPAL or q in PX_OTHER:
            when = None
            if len(comps) > 3 and comps[2] == "D8" and comps[3]:
                when = _x12.d8(comps[3], seg)
            system = PX_PRINCIPAL.get(q) or PX_OTHER[q]
            claim.px.append((0 if q in PX_PRINCIPAL else order, system, value, when))
        elif q == "DR":
            claim.drg = value.zfill(3) if value.isdigit() else value
        else:
            claim.dropped_hi += 1


def _service(seg: _x12.Segment, line: dict, notes: dict) -> None:
    if seg.id == "SV1":
        comps, charge_i, units_i = seg.comps(1), 2, 4
        line["revenue_code"] = None
        line["pos"] = seg.el(5) or None
    else:
        comps, charge_i, units_i = seg.comps(2), 3, 5
        line["revenue_code"] = _x12.code(seg.el(1))
    q = comps[0].upper() if comps else ""
    c = _x12.code(comps[1]) if len(comps) > 1 and q in ("HC", "HP") else None
    if comps and q not in ("HC", "HP"):
        key = f"procedure codes with qualifier {q} (not HCPCS/CPT) kept as lines without a code"
        notes[key] = notes.get(key, 0) + 1
    mods = [m.upper() for m in comps[2:6] if m] if c else []
    mods += [None] * (4 - len(mods))
    line.update({"code_system": ("CPT" if _x12.is_cpt(c) else "HCPCS") if c else None, "code": c,
                 "modifier_1": mods[0], "modifier_2": mods[1], "modifier_3": mods[2], "modifier_4": mods[3],
                 "charge_amount": _x12.amount(seg, charge_i, required=True),
                 "units": _x12.amount(seg, units_i) or Decimal("1.00")})
    if seg.id == "SV2" and not line["revenue_code"]:
        raise X12FormatError(None, seg.number, "SV201 (revenue code) is empty")


def _encounter_type(claim: Claim) -> str:
    fc = claim.facility_code
    if claim.guide == INSTITUTIONAL:
        if len(fc) == 2 and fc[1] in "12":
            return "inpatient"
        if any((ln.get("revenue_code") or "").startswith(ED_REVENUE) for ln in claim.lines):
            return "emergency"
        return "outpatient"
    return {"11": "office", "23": "emergency", "21": "inpatient", "51": "inpatient", "61": "inpatient"}.get(
        fc, "outpatient")


def convert(paths: list[Path], out_dir: Path, con=None) -> ImportSummary:
    paths = _x12.expand([Path(p) for p in paths])
    summary = ImportSummary(format=FORMAT, files=[str(p) for p in paths])
    notes: dict[str, int] = {}
    providers: dict[str, dict] = {}
    claims: list[Claim] = []
    for path in paths:
        try:
            n = 0
            for tx in _x12.parse(path, "837", GUIDES, LABEL):
                got = _parse_transaction(tx, providers, notes)
                n += len(got)
                claims += got
        except ImportFormatError as exc:
            raise _x12.with_file(exc, path) from None
        summary.rows_read[path.name] = n
    if not claims:
        raise X12FormatError(paths[0] if paths else None, None, "no CLM claim in the 837 file(s); nothing to import")

    have = _x12.existing_keys(con, "select encounter_id from main.encounters")
    have_payers = _x12.existing_keys(con, "select payer_id from main.payers")
    have_facilities = _x12.existing_keys(con, "select facility_id from main.facilities")
    have_providers = _x12.existing_keys(con, "select provider_id from main.providers")

    encounters, diagnoses, procedures, service_lines = [], [], [], []
    payers: dict[str, dict] = {}
    facilities: dict[str, dict] = {}
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for claim in claims:
        where = f"{Path(claim.file).name} segment {claim.seg.number}"
        if claim.claim_id in seen or claim.claim_id in have:
            duplicates.append(f"{claim.claim_id} ({where})")
            continue
        seen[claim.claim_id] = where
        try:
            line_dates = [ln["service_date"] for ln in claim.lines if ln["service_date"]]
            if claim.statement:
                start, end = claim.statement
            elif line_dates:
                start, end = min(line_dates), max(line_dates)
            elif claim.created:
                start = end = claim.created
                notes["claims without any service date: BHT04 (creation date) used"] = notes.get(
                    "claims without any service date: BHT04 (creation date) used", 0) + 1
            else:
                raise X12FormatError(None, claim.seg.number, f"claim {claim.claim_id} has no service date")
        except ImportFormatError as exc:
            raise _x12.with_file(exc, Path(claim.file)) from None
        admit = claim.admission or start
        discharge = max(end, admit)
        pat = claim.patient
        facility_id = claim.billing.id or "UNKNOWN"
        facilities.setdefault(facility_id, {
            "facility_id": facility_id, "facility_name": claim.billing.name or facility_id,
            "state": claim.billing.state, "facility_type": "hospital" if claim.guide == INSTITUTIONAL else "clinic"})
        payer_id = claim.payer.id or "UNKNOWN"
        payers.setdefault(payer_id, {"payer_id": payer_id, "payer_name": claim.payer.name or payer_id,
                                     "payer_type": _x12.payer_type(claim.filing)})
        encounters.append({
            "encounter_id": claim.claim_id,
            "patient_id": _x12.pseudonym(pat.last, pat.first, pat.birth.isoformat() if pat.birth else pat.member_id),
            "facility_id": facility_id, "encounter_type": _encounter_type(claim),
            "admit_date": admit, "discharge_date": discharge, "discharge_status": claim.discharge_status,
            "attending_provider_id": claim.attending or claim.rendering,
            "place_of_service": claim.facility_code or None if claim.guide == PROFESSIONAL else None,
            "payer_id": payer_id, "payer_type": _x12.payer_type(claim.filing),
            "drg_code": claim.drg, "age_years": _x12.age_at(pat.birth, admit), "sex": pat.sex,
            "final_billed_at": claim.billed_at,
        })
        fy = f"FY{fiscal_year(discharge)}"
        for seq, (_, system, c, poa) in enumerate(sorted(claim.dx, key=lambda d: d[0]), start=1):
            diagnoses.append({"encounter_id": claim.claim_id, "sequence": seq, "code_system": system, "code": c,
                              "code_version": fy if system == "ICD10CM" else None, "poa": poa})
        for seq, (_, system, c, when) in enumerate(sorted(claim.px, key=lambda d: d[0]), start=1):
            procedures.append({"encounter_id": claim.claim_id, "sequence": seq, "code_system": system, "code": c,
                               "code_version": fy if system == "ICD10PCS" else None, "procedure_date": when,
                               "provider_id": claim.operating})
        numbers = set()
        for ln in claim.lines:
            if "charge_amount" not in ln:
                raise X12FormatError(claim.file, claim.seg.number,
                                        f"claim {claim.claim_id}: LX {ln['line_number']} has no SV1/SV2 service line")
            if ln["line_number"] in numbers:
                raise X12FormatError(claim.file, claim.seg.number,
                                        f"claim {claim.claim_id}: line number {ln['line_number']} repeated")
            numbers.add(ln["line_number"])
            service_lines.append({
                "encounter_id": claim.claim_id, "line_number": ln["line_number"], "claim_id": claim.claim_id,
                "service_date": ln["service_date"] or admit, "revenue_code": ln["revenue_code"],
                "code_system": ln["code_system"], "code": ln["code"], "modifier_1": ln["modifier_1"],
                "modifier_2": ln["modifier_2"], "modifier_3": ln["modifier_3"], "modifier_4": ln["modifier_4"],
                "units": ln["units"], "charge_amount": ln["charge_amount"], "allowed_amount": None,
                "paid_amount": None, "rendering_provider_id": ln["rendering_provider_id"] or claim.rendering,
            })
        if claim.dropped_hi:
            notes["HI codes kept out (admitting dx, reason for visit, value/occurrence/condition codes, HCPCS "
                  "procedure codes)"] = notes.get("HI codes kept out (admitting dx, reason for visit, value/"
                                                  "occurrence/condition codes, HCPCS procedure codes)", 0) \
                + claim.dropped_hi

    provider_rows = [{**p, "specialty_code": None, "facility_id": None} for k, p in providers.items()
                     if k not in have_providers]
    with scratch(None) as s:
        src = ", ".join(p.name for p in paths)
        _x12.insert_rows(s, "payers", [p for k, p in payers.items() if k not in have_payers], src)
        _x12.insert_rows(s, "facilities", [f for k, f in facilities.items() if k not in have_facilities], src)
        _x12.insert_rows(s, "providers", provider_rows, src)
        _x12.insert_rows(s, "encounters", encounters, src)
        _x12.insert_rows(s, "diagnoses", diagnoses, src)
        _x12.insert_rows(s, "procedures", procedures, src)
        _x12.insert_rows(s, "service_lines", service_lines, src)
        add_origin_rows(s, [(c.claim_id, c.file, c.seg.number) for c in claims])   # the CLM segment
        add_origin_rows(s, [(c.claim_id, ln["line_number"], c.file, ln["segment"]) for c in claims
                            for ln in c.lines], lines=True)                        # the LX segment
        summary.rows_written = write_tables(s, out_dir, ["payers", "facilities", "providers", "encounters",
                                                          "diagnoses", "procedures", "service_lines"])
    if duplicates:
        summary.notes.append(f"{len(duplicates)} claims skipped because their claim_id (CLM01) was already read "
                             f"or loaded — the first one read is kept (COB copies and resubmissions repeat "
                             f"CLM01): {', '.join(duplicates)}")
    summary.notes.append("no adjudication in an 837: allowed/paid stay empty until an 835 is loaded")
    for text, n in notes.items():
        summary.notes.append(f"{n} × {text}")
    return summary
