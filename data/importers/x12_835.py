"""X12 835 health care claim payment/advice (5010, implementation guide 005010X221A1) -> canonical tables.

Field mapping: data/README.md, "### X12 835". In short: each CLP is a claim paid (or denied) by the
payer of its transaction (N1*PR); each SVC is one adjudicated service line (`adjudications`); every CAS
reason/amount/quantity triplet, at claim and at line level, is one `adjustments` row; LQ*HE gives the
line's RARC. When `con` (the target database) already holds the claims (loaded from 837s: same claim_id
= CLP01 patient control number), the adjudications attach to those encounters and service lines;
otherwise a minimal encounter per claim is created from the remittance itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from codedash.data.importers import _x12
from codedash.data.importers.base import (
    ImportFormatError,
    ImportSummary,
    X12FormatError,
    add_origin_rows,
    scratch,
    write_tables,
)

FORMAT = "x12-835"
GUIDES = ("005010X221A1",)
LABEL = "835 remittance advice (005010X221A1)"

# Adjustments that reduce payment without denying the service: contractual write-off (CO-45),
# patient deductible / coinsurance / copay (PR-1/2/3) and the prior payer's payment on a COB claim (OA-23).
NOT_A_DENIAL = {("CO", "45"), ("PR", "1"), ("PR", "2"), ("PR", "3"), ("OA", "23")}
GROUPS = {"CO", "PR", "OA", "PI", "CR"}
ZERO = Decimal("0.00")


def detect(paths: list[Path]) -> bool:
    """True when every file is an X12 835 whose GS08 is 005010X221A1."""
    return _x12.detects(paths, "835", GUIDES)


@dataclass
class Cas:
    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None
    seg: int


@dataclass
class Line:
    seg: _x12.Segment
    qualifier: str
    code: str | None
    modifiers: list[str]
    revenue_code: str | None
    billed: Decimal
    paid: Decimal
    units: Decimal
    service_date: date | None = None
    end_date: date | None = None
    cas: list[Cas] = field(default_factory=list)
    rarc: list[str] = field(default_factory=list)
    allowed: Decimal | None = None


@dataclass
class Claim:
    seg: _x12.Segment
    claim_id: str
    status: str
    billed: Decimal
    paid: Decimal
    filing: str
    facility_code: str
    drg: str | None
    payer_id: str
    payee_id: str
    adjudication_date: date
    patient: str | None = None
    rendering: str | None = None
    start: date | None = None
    end: date | None = None
    inpatient: bool = False
    outpatient: bool = False
    remarks: list[str] = field(default_factory=list)
    cas: list[Cas] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    file: str = ""


def _cas(seg: _x12.Segment) -> list[Cas]:
    group = seg.el(1)
    if group not in GROUPS:
        raise X12FormatError(None, seg.number, f"CAS01 {group!r} is not a claim adjustment group code")
    out = []
    for k in range(6):  # up to six reason/amount/quantity triplets: CAS02-04, 05-07, ... 17-19
        reason, amt_i, qty_i = 2 + 3 * k, 3 + 3 * k, 4 + 3 * k
        if not seg.el(reason):
            continue
        amt = _x12.amount(seg, amt_i, required=True)
        qty = _x12.amount(seg, qty_i)
        out.append(Cas(group, seg.el(reason).upper(), amt, qty, seg.number))
    if not out:
        raise X12FormatError(None, seg.number, "CAS segment without a reason code")
    return out


def _svc(seg: _x12.Segment) -> Line:
    comps = seg.comps(1)
    if not comps:
        raise X12FormatError(None, seg.number, "SVC01 (procedure) is empty")
    qualifier = comps[0].upper()
    raw = _x12.code(comps[1]) if len(comps) > 1 else None
    mods = [m.upper() for m in comps[2:6] if m]
    revenue = _x12.code(seg.el(4)) if seg.el(4) else None
    code = None
    if qualifier in ("HC", "HP"):
        code = raw
    elif qualifier == "NU":
        revenue = raw
    units = _x12.amount(seg, 5) or Decimal("1.00")
    return Line(seg, qualifier, code, mods, revenue, _x12.amount(seg, 2, required=True),
                _x12.amount(seg, 3, required=True), units)


def _parse_transaction(tx: _x12.Transaction, notes: dict[str, int]) -> tuple[list[Claim], dict, dict, dict]:
    payer = {"payer_id": None, "payer_name": None, "ref_2u": None}
    payee = {"facility_id": None, "facility_name": None, "state": None}
    providers: dict[str, dict] = {}
    prod_date = check_date = None
    claims: list[Claim] = []
    loop = None         # 'PR' | 'PE' | None
    claim: Claim | None = None
    line: Line | None = None
    for seg in tx.segments[1:-1]:
        sid = seg.id
        if sid == "BPR":
            try:  # BPR16 (payment effective date) is only a fallback; a bad one is ignored, not fatal
                check_date = _x12.d8(seg.el(16), seg) if seg.el(16) else None
            except ImportFormatError:
                notes["invalid BPR16 payment date ignored (DTM*405 production date used)"] = notes.get(
                    "invalid BPR16 payment date ignored (DTM*405 production date used)", 0) + 1
        elif sid == "DTM" and claim is None and seg.el(1) == "405":
            prod_date = _x12.d8(seg.el(2), seg)
        elif sid == "N1" and claim is None:
            loop = seg.el(1)
            if loop == "PR":
                payer["payer_name"] = seg.el(2) or "unknown payer"
                payer["payer_id"] = seg.el(4) or None
            elif loop == "PE":
                payee["facility_name"] = seg.el(2) or "unknown payee"
                payee["facility_id"] = seg.el(4) or seg.el(2)
        elif sid == "N4" and claim is None and loop == "PE":
            payee["state"] = seg.el(2) or None
        elif sid == "REF" and claim is None and loop == "PR" and seg.el(1) == "2U":
            payer["ref_2u"] = seg.el(2)
        elif sid == "CLP":
            line = None
            if not seg.el(1):
                raise X12FormatError(None, seg.number, "CLP01 (patient control number) is empty")
            payer_id = payer["payer_id"] or payer["ref_2u"] or (payer["payer_name"] or "UNKNOWN").upper()
            adj_date = prod_date or check_date or _x12.d8("20" + tx.isa_date, seg)
            claim = Claim(seg, seg.el(1), seg.el(2), _x12.amount(seg, 3, required=True),
                          _x12.amount(seg, 4, required=True), seg.el(6), seg.el(8), _x12.code(seg.el(11)),
                          payer_id, payee["facility_id"] or "UNKNOWN", adj_date, file=str(tx.file))
            claims.append(claim)
        elif claim is None:
            continue
        elif sid == "NM1" and seg.el(1) in ("QC", "IL") and line is None:
            if seg.el(1) == "QC" or claim.patient is None:
                ident = seg.el(9)
                claim.patient = _x12.pseudonym(ident) if ident else _x12.pseudonym(seg.el(3), seg.el(4), seg.el(5))
        elif sid == "NM1" and seg.el(1) == "82" and line is None:
            ident = seg.el(9)
            if ident:
                pid = ident if seg.el(8) == "XX" else f"{seg.el(8)}:{ident}"
                claim.rendering = pid
                name = " ".join(x for x in (seg.el(3), seg.el(4)) if x) or None
                providers.setdefault(pid, {"provider_id": pid, "provider_name": name,
                                           "npi": ident if seg.el(8) == "XX" else None})
        elif sid == "MIA":
            claim.inpatient = True
            claim.remarks += [seg.el(i) for i in (5, 20, 21, 22, 23) if seg.el(i)]
        elif sid == "MOA":
            claim.outpatient = True
            claim.remarks += [seg.el(i) for i in (3, 4, 5, 6, 7) if seg.el(i)]
        elif sid == "DTM" and line is None and seg.el(1) in ("232", "233"):
            d = _x12.d8(seg.el(2), seg)
            if seg.el(1) == "232":
                claim.start = d
            else:
                claim.end = d
        elif sid == "CAS":
            (line.cas if line is not None else claim.cas).extend(_cas(seg))
        elif sid == "SVC":
            line = _svc(seg)
            claim.lines.append(line)
        elif sid == "DTM" and line is not None and seg.el(1) in ("472", "150", "151"):
            d = _x12.d8(seg.el(2), seg)
            if seg.el(1) in ("472", "150"):
                line.service_date = d
            if seg.el(1) in ("472", "151"):
                line.end_date = d
        elif sid == "AMT" and line is not None and seg.el(1) == "B6":
            line.allowed = _x12.amount(seg, 2)
        elif sid == "LQ" and line is not None:
            if seg.el(1) == "HE":
                line.rarc.append(seg.el(2).upper())
            else:
                notes["LQ qualifier other than HE (NCPDP reject codes) dropped"] = notes.get(
                    "LQ qualifier other than HE (NCPDP reject codes) dropped", 0) + 1
        elif sid == "PLB":
            notes["PLB provider-level adjustments (not tied to a claim) dropped"] = notes.get(
                "PLB provider-level adjustments (not tied to a claim) dropped", 0) + 1
    alt = sum(1 for seg in tx.segments if seg.alt_separator)
    if alt:
        notes[_x12.ALT_NOTE] = notes.get(_x12.ALT_NOTE, 0) + alt
    payer_row = {"payer_id": None}
    if claims:
        payer_row = {"payer_id": claims[0].payer_id, "payer_name": payer["payer_name"] or claims[0].payer_id,
                     "payer_type": _x12.payer_type(claims[0].filing)}
    facility_row = {"facility_id": payee["facility_id"] or "UNKNOWN",
                    "facility_name": payee["facility_name"] or "unknown payee", "state": payee["state"]}
    return claims, payer_row, facility_row, providers


def _denied(claim: Claim, adjustments: list[Cas], paid: Decimal, billed: Decimal) -> bool:
    if claim.status == "4":
        return True
    if paid != ZERO or billed == ZERO:
        return False
    return any((a.group, a.reason) not in NOT_A_DENIAL and a.amount > ZERO for a in adjustments)


def _main_reason(adjustments: list[Cas], denied: bool) -> Cas | None:
    pool = [a for a in adjustments if (a.group, a.reason) not in NOT_A_DENIAL] if denied else []
    pool = pool or adjustments
    return max(pool, key=lambda a: a.amount, default=None)


def _encounter_type(claim: Claim) -> str:
    if claim.inpatient:
        return "inpatient"
    if claim.outpatient:
        return "outpatient"
    return {"11": "office", "23": "emergency", "21": "inpatient"}.get(claim.facility_code, "outpatient")


def convert(paths: list[Path], out_dir: Path, con=None) -> ImportSummary:
    paths = _x12.expand([Path(p) for p in paths])
    summary = ImportSummary(format=FORMAT, files=[str(p) for p in paths])
    notes: dict[str, int] = {}
    all_claims: list[Claim] = []
    payers: dict[str, dict] = {}
    facilities: dict[str, dict] = {}
    providers: dict[str, dict] = {}
    for path in paths:
        try:
            txs = _x12.parse(path, "835", GUIDES, LABEL)
            n_claims = 0
            for tx in txs:
                claims, payer_row, facility_row, provs = _parse_transaction(tx, notes)
                n_claims += len(claims)
                all_claims += claims
                if payer_row["payer_id"]:
                    payers.setdefault(payer_row["payer_id"], payer_row)
                facilities.setdefault(facility_row["facility_id"], facility_row)
                for k, v in provs.items():
                    providers.setdefault(k, v)
        except ImportFormatError as exc:
            raise _x12.with_file(exc, path) from None
        summary.rows_read[path.name] = n_claims
    if not all_claims:
        raise X12FormatError(paths[0] if paths else None, None, "no CLP claim in the 835 file(s); nothing to import")

    # Claims already in the target database (from 837s): attach to them instead of creating encounters.
    ids = sorted({c.claim_id for c in all_claims})
    known_lines: dict[str, list[tuple]] = {}
    for enc, cid, ln, code, mod1 in _x12.existing_keys(
            con, "select encounter_id, claim_id, line_number, code, modifier_1 from main.service_lines "
                 "where list_contains($1, claim_id) order by claim_id, line_number", [ids]):
        known_lines.setdefault(cid, []).append((enc, ln, code, mod1))
    prior_seq = dict(_x12.existing_keys(
        con, "select claim_id, max(adjudication_seq) from main.adjudications where list_contains($1, claim_id) "
             "group by claim_id", [ids]))
    have_payers = _x12.existing_keys(con, "select payer_id from main.payers")
    have_facilities = _x12.existing_keys(con, "select facility_id from main.facilities")
    have_providers = _x12.existing_keys(con, "select provider_id from main.providers")

    encounters, service_lines, adjudications, adjustments = [], [], [], []
    seq_of: dict[str, int] = {}
    created: set[str] = set()
    attached = 0
    rarc_extra = 0
    origins: list[tuple[str, str, int]] = []      # encounter -> the CLP segment that adjudicated it
    line_origins: list[tuple[str, int, str, int]] = []
    for claim in all_claims:
        seq = seq_of.get(claim.claim_id, prior_seq.get(claim.claim_id, 0)) + 1
        seq_of[claim.claim_id] = seq
        existing = known_lines.get(claim.claim_id)
        lines = claim.lines
        synthetic = not lines
        if synthetic:  # claim-level adjudication only (typical of institutional claims): one line for the claim
            lines = [Line(claim.seg, "", None, [], None, claim.billed, claim.paid, Decimal("1.00"),
                          claim.start, claim.end, list(claim.cas), [])]
        dates = [d for ln in lines for d in (ln.service_date, ln.end_date) if d]
        start = claim.start or min(dates, default=None) or claim.adjudication_date
        end = claim.end or max(dates, default=None) or start
        if existing:
            attached += 1
            encounter_id = existing[0][0]
        else:
            encounter_id = claim.claim_id
        origins.append((encounter_id, claim.file, claim.seg.number))
        if not existing and encounter_id not in created:
            created.add(encounter_id)
            encounters.append({
                "encounter_id": encounter_id, "patient_id": claim.patient or _x12.pseudonym(claim.claim_id),
                "facility_id": claim.payee_id, "encounter_type": _encounter_type(claim),
                "admit_date": start, "discharge_date": max(end, start),
                "place_of_service": claim.facility_code if not (claim.inpatient or claim.outpatient)
                and claim.facility_code else None,
                "payer_id": claim.payer_id, "payer_type": _x12.payer_type(claim.filing),
                "drg_code": claim.drg, "attending_provider_id": None, "sex": None, "age_years": None,
                # billed on or before the remittance: the production date is the latest possible bill date
                "final_billed_at": datetime(claim.adjudication_date.year, claim.adjudication_date.month,
                                            claim.adjudication_date.day),
            })
        unmatched = list(existing or [])
        for i, ln in enumerate(lines, start=1):
            line_number = i
            if existing:  # match the 837 line: same code (and first modifier) in order, else same position
                hit = next((u for u in unmatched if u[2] == ln.code and (u[3] or None) == (ln.modifiers[:1] or [None])[0]),
                           None) or next((u for u in unmatched if u[2] == ln.code), None)
                if hit is None and i - 1 < len(existing) and existing[i - 1] in unmatched:
                    hit = existing[i - 1]
                if hit is not None:
                    unmatched.remove(hit)
                    line_number = hit[1]
            own = ln.cas
            denied = _denied(claim, own, ln.paid, ln.billed)
            main = _main_reason(own, denied) or (_main_reason(claim.cas, denied) if denied else None)
            pr = sum((a.amount for a in own if a.group == "PR"), ZERO)
            allowed = ln.allowed if ln.allowed is not None else ln.paid + pr
            rarcs = ln.rarc or ([r.upper() for r in claim.remarks] if synthetic else [])
            rarc_extra += max(0, len(rarcs) - 1)
            line_origins.append((encounter_id, line_number, claim.file, ln.seg.number))   # the SVC segment
            adjudications.append({
                "claim_id": claim.claim_id, "encounter_id": encounter_id, "line_number": line_number,
                "adjudication_seq": seq, "payer_id": claim.payer_id, "adjudication_date": claim.adjudication_date,
                "billed_amount": ln.billed, "allowed_amount": allowed, "paid_amount": ln.paid, "denied": denied,
                "carc_group": main.group if main else None, "carc_code": main.reason if main else None,
                "rarc_code": rarcs[0] if rarcs else None,
                "adjustment_amount": sum((a.amount for a in own), ZERO), "appeal_filed": False,
            })
            if not existing and seq == 1:
                svc_date = ln.service_date or start
                code_system = None
                if ln.code:
                    code_system = "CPT" if _x12.is_cpt(ln.code) else "HCPCS"
                mods = (ln.modifiers + [None] * 4)[:4]
                service_lines.append({
                    "encounter_id": encounter_id, "line_number": line_number, "claim_id": claim.claim_id,
                    "service_date": svc_date, "revenue_code": ln.revenue_code, "code_system": code_system,
                    "code": ln.code, "modifier_1": mods[0], "modifier_2": mods[1], "modifier_3": mods[2],
                    "modifier_4": mods[3], "units": ln.units, "charge_amount": ln.billed,
                    "allowed_amount": allowed, "paid_amount": ln.paid, "rendering_provider_id": claim.rendering,
                })
            if not synthetic:
                for k, a in enumerate(own, start=1):
                    adjustments.append({"claim_id": claim.claim_id, "line_number": line_number,
                                        "adjudication_seq": seq, "adjustment_seq": k, "carc_group": a.group,
                                        "carc_code": a.reason, "amount": a.amount, "quantity": a.quantity})
        for k, a in enumerate(claim.cas, start=1):
            adjustments.append({"claim_id": claim.claim_id, "line_number": None, "adjudication_seq": seq,
                                "adjustment_seq": k, "carc_group": a.group, "carc_code": a.reason,
                                "amount": a.amount, "quantity": a.quantity})
        if any(ln.qualifier not in ("HC", "HP", "NU", "") for ln in claim.lines):
            notes["SVC01 codes other than HCPCS/CPT (HC) or revenue code (NU) kept without a code"] = notes.get(
                "SVC01 codes other than HCPCS/CPT (HC) or revenue code (NU) kept without a code", 0) + 1

    payer_rows = [p for k, p in payers.items() if k not in have_payers]
    used_facilities = {e["facility_id"] for e in encounters}
    facility_rows = [{**f, "facility_type": None} for k, f in facilities.items()
                     if k in used_facilities and k not in have_facilities]
    provider_rows = [{**p, "specialty_code": None, "facility_id": None} for k, p in providers.items()
                     if k not in have_providers]

    with scratch(None) as s:
        src = ", ".join(p.name for p in paths)
        _x12.insert_rows(s, "payers", payer_rows, src)
        _x12.insert_rows(s, "facilities", facility_rows, src)
        _x12.insert_rows(s, "providers", provider_rows, src)
        _x12.insert_rows(s, "encounters", encounters, src)
        _x12.insert_rows(s, "service_lines", service_lines, src)
        _x12.insert_rows(s, "adjudications", adjudications, src)
        _x12.insert_rows(s, "adjustments", adjustments, src)
        add_origin_rows(s, origins)
        add_origin_rows(s, line_origins, lines=True)
        summary.rows_written = write_tables(s, out_dir, ["payers", "facilities", "providers", "encounters",
                                                          "service_lines", "adjudications", "adjustments"])
    n_claims = len({c.claim_id for c in all_claims})
    summary.notes.append(f"{n_claims} claims: {attached} attached to claims already loaded (837, same claim_id), "
                         f"{len(encounters)} minimal encounters created from the remittance (no diagnoses, "
                         "age or sex: an 835 carries none)")
    if any(not c.lines for c in all_claims):
        summary.notes.append(f"{sum(1 for c in all_claims if not c.lines)} claims paid at claim level (no SVC): "
                             "one adjudication line carries the whole claim; their CAS are claim-level adjustments")
    if rarc_extra:
        summary.notes.append(f"{rarc_extra} further RARC remarks beyond the first per line not kept "
                             "(adjudications.rarc_code holds one)")
    for text, n in notes.items():
        summary.notes.append(f"{n} × {text}")
    return summary
