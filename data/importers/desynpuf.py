"""CMS DE-SynPUF 2008-2010 CSVs (beneficiary summary, inpatient, outpatient, carrier claims) -> canonical Parquet.

One claim = one encounter. Encounter ids carry the file type ('IP-', 'OP-', 'CAR-' + CLM_ID) because
CLM_ID is only unique within one claim file. The carrier line processing indicator LINE_PRCSG_IND_CD
is the only denial signal in DE-SynPUF. Mapping, and what is dropped and why: data/README.md,
section "Importers -> CMS DE-SynPUF".
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from codedash.data.importers import base
from codedash.data.importers.base import ImportFormatError, ImportSummary

FORMAT = "desynpuf"
TABLES = ("facilities", "payers", "providers", "encounters", "diagnoses", "procedures",
          "service_lines", "adjudications", "adjustments")
EMPTY = {
    "adjudications": ("no adjudication data in this source (DE-SynPUF has a denial signal only on carrier "
                      "claims, and none were loaded)"),
    "procedures": "no ICD-9 procedure codes on these claims",
}
PAYER_ID = "MEDICARE"
# LINE_PRCSG_IND_CD values that are not denials: A allowed, R reprocessed (adjusted later), S secondary payer.
NOT_DENIED = ("A", "R", "S")

LAYOUTS = {
    "beneficiary": ("DESYNPUF_ID", "BENE_BIRTH_DT", "BENE_SEX_IDENT_CD"),
    "inpatient": ("DESYNPUF_ID", "CLM_ID", "SEGMENT", "CLM_FROM_DT", "CLM_THRU_DT", "CLM_ADMSN_DT",
                  "CLM_DRG_CD", "CLM_PMT_AMT", "ICD9_DGNS_CD_1", "ICD9_PRCDR_CD_1"),
    "outpatient": ("DESYNPUF_ID", "CLM_ID", "SEGMENT", "CLM_FROM_DT", "CLM_THRU_DT", "CLM_PMT_AMT",
                   "ICD9_DGNS_CD_1", "HCPCS_CD_1"),
    "carrier": ("DESYNPUF_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT", "ICD9_DGNS_CD_1", "HCPCS_CD_1",
                "LINE_NCH_PMT_AMT_1", "LINE_ALOWD_CHRG_AMT_1", "LINE_PRCSG_IND_CD_1"),
    "pde": ("DESYNPUF_ID", "PDE_ID", "PROD_SRVC_ID"),
}
PREFIX = {"inpatient": "IP-", "outpatient": "OP-", "carrier": "CAR-"}


def _kind(header: list[str]) -> str | None:
    cols = {c.upper() for c in header}
    for kind in ("carrier", "inpatient", "outpatient", "beneficiary", "pde"):
        if all(c in cols for c in LAYOUTS[kind]):
            if kind == "outpatient" and "CLM_DRG_CD" in cols:
                continue
            return kind
    return None


def detect(paths: list[Path]) -> bool:
    """True when every named file has a DE-SynPUF header and at least one is a claims file."""
    kinds = base.header_kinds(paths, lambda _delim, header: _kind(header))
    return kinds is not None and any(k in PREFIX for k in kinds)


def _why_unknown(header: list[str]) -> str:
    cols = {c.upper() for c in header}
    if "DESYNPUF_ID" not in cols:
        if {"BENE_ID", "CLM_ID"} <= cols:
            return "this is a CMS RIF file (BENE_ID), not DE-SynPUF; use --format cms-rif"
        return "no DESYNPUF_ID column: not a DE-SynPUF 2008-2010 file"
    candidates = [k for k in LAYOUTS if not (k == "outpatient" and "CLM_DRG_CD" in cols)]
    best = min(candidates, key=lambda k: sum(c not in cols for c in LAYOUTS[k]))
    missing = [c for c in LAYOUTS[best] if c not in cols]
    return (f"unknown DE-SynPUF layout: closest is the {best} file, which also needs "
            f"{', '.join(missing)} (only the 2008-2010 DE1.0 layout is supported)")


def _classify(paths: list[Path], summary: ImportSummary) -> dict[str, list[tuple[Path, str]]]:
    groups: dict[str, list[tuple[Path, str]]] = {k: [] for k in LAYOUTS}
    for f, explicit in base.listed_files(paths):
        if not f.exists():
            raise ImportFormatError(f, None, "file not found")
        delim, header = base.read_header(f)
        kind = _kind(header) if delim == "," else None
        if kind is None:
            if explicit:
                raise ImportFormatError(f, 1, _why_unknown(header))
            summary.notes.append(f"{f.name}: skipped (not a DE-SynPUF file)")
            continue
        base.check_not_truncated(f, delim, header)
        groups[kind].append((f, delim))
    if not any(groups[k] for k in PREFIX):
        raise ImportFormatError(paths[0] if paths else None, None,
                                "no DE-SynPUF inpatient, outpatient or carrier claims file among the inputs")
    return groups


def _date(col: str) -> str:
    return f"cast(strptime(nullif(trim({col}), ''), '%Y%m%d') as date)"


def _amt(col: str) -> str:
    return f"coalesce({base.money(col)}, 0)"


def convert(paths: list[Path], out_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> ImportSummary:
    paths = [Path(p) for p in paths]
    summary = ImportSummary(format=FORMAT)
    groups = _classify(paths, summary)
    with base.scratch(con) as c:
        for kind in ("beneficiary", "inpatient", "outpatient", "carrier"):
            if groups[kind]:
                summary.rows_read.update(base.stage(c, f"src_{kind}", groups[kind]))
                summary.files += [str(p) for p, _ in groups[kind]]
        for p, _ in groups["pde"]:
            summary.notes.append(f"{p.name}: Part D drug events not imported: codedash has no drug tables")
        _map(c, groups, summary)
        for kind, pre in PREFIX.items():
            if groups[kind]:
                base.add_origins(c, base.first_lines(f"src_{kind}", f"'{pre}' || trim(CLM_ID)"))
        summary.rows_written = base.write_tables(c, out_dir, TABLES)
        summary.empty_reasons = base.empty_reasons(summary.rows_written, EMPTY)
    return summary


def _check(c: duckdb.DuckDBPyConnection, view: str, dates: list[str], amounts: list[str]) -> None:
    cols = base.columns_of(c, view)
    base.check_values(c, view, [(d, "try_strptime(v, '%Y%m%d')", "a date (YYYYMMDD)") for d in dates if d in cols]
                      + [(a, "try_cast(v as decimal(14,2))", "an amount") for a in amounts if a in cols])
    bad = c.execute(f"""select _file, _line from {view} where nullif(trim(DESYNPUF_ID), '') is null
                        {"or nullif(trim(CLM_ID), '') is null" if 'CLM_ID' in cols else ''} limit 1""").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], "DESYNPUF_ID and CLM_ID are required")


def _map(c: duckdb.DuckDBPyConnection, groups: dict, summary: ImportSummary) -> None:
    # ---- beneficiaries: birth date and sex (latest file wins; they do not change between years)
    if groups["beneficiary"]:
        _check(c, "src_beneficiary", ["BENE_BIRTH_DT"], [])
        c.execute(f"""create temp table bene as
                      select trim(DESYNPUF_ID) as patient_id, arg_max({_date('BENE_BIRTH_DT')}, _file) as birth_date,
                             arg_max(trim(BENE_SEX_IDENT_CD), _file) as sex_cd
                      from src_beneficiary group by 1""")
    else:
        c.execute("create temp table bene (patient_id varchar, birth_date date, sex_cd varchar)")
        summary.notes.append("no beneficiary summary file: age and sex unknown (sex 'U')")

    # ---- claims -> one staging table of claim headers, codes and lines
    c.execute("""create temp table hdr (kind varchar, encounter_id varchar, claim_id varchar, patient_id varchar,
                 facility_id varchar, admit_date date, discharge_date date, attending varchar, drg varchar,
                 paid decimal(14,2), allowed decimal(14,2), encounter_type varchar)""")
    c.execute("""create temp table dx (encounter_id varchar, seq integer, code varchar)""")
    c.execute("""create temp table px (encounter_id varchar, seq integer, code varchar, pdate date)""")
    c.execute("""create temp table lines (encounter_id varchar, claim_id varchar, line integer, service_date date,
                 code varchar, charge decimal(14,2), allowed decimal(14,2), paid decimal(14,2), rendering varchar,
                 prcsg varchar)""")
    for kind in ("inpatient", "outpatient"):
        if not groups[kind]:
            continue
        view = f"src_{kind}"
        cols = base.columns_of(c, view)
        _check(c, view, ["CLM_FROM_DT", "CLM_THRU_DT", "CLM_ADMSN_DT", "NCH_BENE_DSCHRG_DT"],
               ["CLM_PMT_AMT", "NCH_PRMRY_PYR_CLM_PD_AMT", "NCH_BENE_IP_DDCTBL_AMT",
                "NCH_BENE_PTA_COINSRNC_LBLTY_AM", "NCH_BENE_BLOOD_DDCTBL_LBLTY_AM", "NCH_BENE_PTB_DDCTBL_AMT",
                "NCH_BENE_PTB_COINSRNC_AMT"])
        pre = PREFIX[kind]
        liab = [x for x in ("NCH_PRMRY_PYR_CLM_PD_AMT", "NCH_BENE_IP_DDCTBL_AMT", "NCH_BENE_PTA_COINSRNC_LBLTY_AM",
                            "NCH_BENE_BLOOD_DDCTBL_LBLTY_AM", "NCH_BENE_PTB_DDCTBL_AMT", "NCH_BENE_PTB_COINSRNC_AMT")
                if x in cols]
        allowed = " + ".join([_amt("CLM_PMT_AMT")] + [_amt(x) for x in liab])
        seg = "try_cast(SEGMENT as integer)"
        ed = " or ".join(f"trim(HCPCS_CD_{n}) between '99281' and '99285'"
                         for n in range(1, 46) if f"HCPCS_CD_{n}" in cols)
        etype = ("'inpatient'" if kind == "inpatient"
                 else f"case when max(case when {ed} then 1 else 0 end) = 1 then 'emergency' else 'outpatient' end")
        admit = (f"coalesce(min({_date('CLM_ADMSN_DT')}), min({_date('CLM_FROM_DT')}))" if "CLM_ADMSN_DT" in cols
                 else f"min({_date('CLM_FROM_DT')})")
        disch = (f"coalesce(max({_date('CLM_THRU_DT')}), max({_date('NCH_BENE_DSCHRG_DT')}))"
                 if "NCH_BENE_DSCHRG_DT" in cols else f"max({_date('CLM_THRU_DT')})")
        c.execute(f"""
            insert into hdr
            select '{kind}', '{pre}' || trim(CLM_ID), trim(CLM_ID), any_value(trim(DESYNPUF_ID)),
                   arg_min(nullif(trim(PRVDR_NUM), ''), {seg}) filter (where nullif(trim(PRVDR_NUM), '') is not null),
                   {admit}, greatest({disch}, {admit}),
                   arg_min(nullif(trim(AT_PHYSN_NPI), ''), {seg}) filter (where nullif(trim(AT_PHYSN_NPI), '') is not null),
                   {"arg_min(trim(CLM_DRG_CD), " + seg + ") filter (where regexp_full_match(trim(CLM_DRG_CD), '[0-9]{3}'))"
                    if kind == 'inpatient' else 'null'},
                   sum({_amt('CLM_PMT_AMT')}), sum({allowed}), {etype}
            from {view} group by trim(CLM_ID)""")
        bad = c.execute(f"""select min(_file), min(_line), trim(CLM_ID) from {view} group by trim(CLM_ID)
                            having count(distinct trim(DESYNPUF_ID)) > 1
                                or count(*) > count(distinct {seg}) limit 1""").fetchone()
        if bad:
            raise ImportFormatError(bad[0], bad[1], f"claim {bad[2]}: repeated SEGMENT or more than one beneficiary")
        for n in range(1, 11):
            if f"ICD9_DGNS_CD_{n}" in cols:
                c.execute(f"""insert into dx select '{pre}' || trim(CLM_ID), {n},
                              arg_min({base.norm(f'ICD9_DGNS_CD_{n}')}, {seg})
                              from {view} where {base.norm(f'ICD9_DGNS_CD_{n}')} is not null group by trim(CLM_ID)""")
        for n in range(1, 7):
            if f"ICD9_PRCDR_CD_{n}" in cols:
                c.execute(f"""insert into px select '{pre}' || trim(CLM_ID), {n},
                              arg_min({base.norm(f'ICD9_PRCDR_CD_{n}')}, {seg}), null
                              from {view} where {base.norm(f'ICD9_PRCDR_CD_{n}')} is not null group by trim(CLM_ID)""")
        # line 1 = the claim itself (institutional DE-SynPUF amounts are claim-level only)
        c.execute(f"""insert into lines select encounter_id, claim_id, 1, admit_date, null, allowed, allowed, paid,
                      attending, null from hdr where kind = '{kind}'""")
        if kind == "outpatient":
            for n in range(1, 46):
                if f"HCPCS_CD_{n}" in cols:
                    c.execute(f"""insert into lines select '{pre}' || trim(CLM_ID), trim(CLM_ID), {n} + 1,
                                  min({_date('CLM_FROM_DT')}), arg_min({base.norm(f'HCPCS_CD_{n}')}, {seg}),
                                  0, null, null, null, null
                                  from {view} where {base.norm(f'HCPCS_CD_{n}')} is not null group by trim(CLM_ID)""")

    if groups["carrier"]:
        view = "src_carrier"
        cols = base.columns_of(c, view)
        amounts = [f"{f}_{n}" for f in ("LINE_NCH_PMT_AMT", "LINE_ALOWD_CHRG_AMT") for n in range(1, 14)]
        _check(c, view, ["CLM_FROM_DT", "CLM_THRU_DT"], amounts)
        bad = c.execute(f"""select min(_file), max(_line), trim(CLM_ID) from {view} group by trim(CLM_ID)
                            having count(*) > 1 limit 1""").fetchone()
        if bad:
            raise ImportFormatError(bad[0], bad[1], f"carrier claim {bad[2]} appears on more than one row")
        em = " or ".join(f"trim(HCPCS_CD_{n}) between '99201' and '99215'" for n in range(1, 14) if f"HCPCS_CD_{n}" in cols)
        er = " or ".join(f"trim(HCPCS_CD_{n}) between '99281' and '99285'" for n in range(1, 14) if f"HCPCS_CD_{n}" in cols)
        c.execute(f"""
            insert into hdr
            select 'carrier', 'CAR-' || trim(CLM_ID), trim(CLM_ID), trim(DESYNPUF_ID),
                   coalesce('TIN ' || nullif(trim(TAX_NUM_1), ''), 'CARRIER'),
                   {_date('CLM_FROM_DT')}, greatest({_date('CLM_THRU_DT')}, {_date('CLM_FROM_DT')}),
                   nullif(trim(PRF_PHYSN_NPI_1), ''), null, null, null,
                   case when {er} then 'emergency' when {em} then 'office' else 'outpatient' end
            from {view}""")
        for n in range(1, 9):
            if f"ICD9_DGNS_CD_{n}" in cols:
                c.execute(f"""insert into dx select 'CAR-' || trim(CLM_ID), {n}, {base.norm(f'ICD9_DGNS_CD_{n}')}
                              from {view} where {base.norm(f'ICD9_DGNS_CD_{n}')} is not null""")
        for n in range(1, 14):
            c.execute(f"""
                insert into lines
                select 'CAR-' || trim(CLM_ID), trim(CLM_ID), {n}, {_date('CLM_FROM_DT')}, {base.norm(f'HCPCS_CD_{n}')},
                       {_amt(f'LINE_ALOWD_CHRG_AMT_{n}')}, {_amt(f'LINE_ALOWD_CHRG_AMT_{n}')},
                       {_amt(f'LINE_NCH_PMT_AMT_{n}')}, nullif(trim(PRF_PHYSN_NPI_{n}), ''),
                       {base.norm(f'LINE_PRCSG_IND_CD_{n}')}
                from {view}
                where {base.norm(f'HCPCS_CD_{n}')} is not null or {base.norm(f'LINE_PRCSG_IND_CD_{n}')} is not null""")
        summary.notes.append("carrier: LINE_ICD9_DGNS_CD_n (line diagnosis pointer), TAX_NUM_n after line 1, "
                             "deductible/coinsurance/primary-payer line amounts not imported")

    # ---- canonical tables
    base.insert(c, "payers", f"select '{PAYER_ID}' as payer_id, 'Medicare fee-for-service (DE-SynPUF)' as payer_name, 'medicare' as payer_type", "desynpuf")
    base.insert(c, "facilities", """
        select distinct coalesce(facility_id, 'UNKNOWN') as facility_id,
               case when facility_id is null then 'Unknown provider'
                    when kind = 'carrier' then 'Carrier billing entity ' || facility_id
                    else 'Provider ' || facility_id end as facility_name,
               null as state, case when kind = 'carrier' then null else 'hospital' end as facility_type
        from (select distinct facility_id, min(kind) as kind from hdr group by 1)""", "desynpuf")
    base.insert(c, "providers", """
        select npi as provider_id, null as provider_name, null as specialty_code, null as facility_id,
               case when regexp_full_match(npi, '[0-9]{10}') then npi end as npi
        from (select attending as npi from hdr where attending is not null
              union select rendering from lines where rendering is not null)""", "desynpuf")
    base.insert(c, "encounters", f"""
        select h.encounter_id, h.patient_id, coalesce(h.facility_id, 'UNKNOWN') as facility_id, h.encounter_type,
               h.admit_date, h.discharge_date, null as discharge_status, h.attending as attending_provider_id,
               null as specialty_code, null as place_of_service, '{PAYER_ID}' as payer_id, 'medicare' as payer_type,
               h.drg as drg_code, null as drg_version,
               case when b.birth_date is not null and b.birth_date <= h.admit_date
                    then least(90, date_sub('year', b.birth_date, h.admit_date)) end as age_years,
               case b.sex_cd when '1' then 'M' when '2' then 'F' else 'U' end as sex
        from hdr as h left join bene as b on b.patient_id = h.patient_id""", "desynpuf")
    fy = "(year(e.discharge_date) + case when month(e.discharge_date) >= 10 then 1 else 0 end)"
    base.insert(c, "diagnoses", f"""
        select d.encounter_id, d.seq as sequence, 'ICD9CM' as code_system, d.code,
               'FY' || cast({fy} as varchar) as code_version, null as poa
        from dx as d join hdr as e using (encounter_id)""", "desynpuf")
    base.insert(c, "procedures", f"""
        select d.encounter_id, d.seq as sequence, 'ICD9PCS' as code_system, d.code,
               'FY' || cast({fy} as varchar) as code_version, d.pdate as procedure_date, null as provider_id
        from px as d join hdr as e using (encounter_id)""", "desynpuf")
    base.insert(c, "service_lines", """
        select encounter_id, line as line_number, claim_id, service_date, null as revenue_code,
               case when code is null then null
                    when regexp_full_match(code, '[0-9]{4}[0-9FTU]') then 'CPT' else 'HCPCS' end as code_system,
               code, null as modifier_1, null as modifier_2, null as modifier_3, null as modifier_4,
               1 as units, charge as charge_amount, allowed as allowed_amount, paid as paid_amount,
               rendering as rendering_provider_id
        from lines""", "desynpuf")
    not_denied = ", ".join(f"'{v}'" for v in NOT_DENIED)
    base.insert(c, "adjudications", f"""
        select l.claim_id, l.encounter_id, l.line as line_number, 1 as adjudication_seq, '{PAYER_ID}' as payer_id,
               h.discharge_date as adjudication_date, l.charge as billed_amount, l.allowed as allowed_amount,
               l.paid as paid_amount, coalesce(l.prcsg not in ({not_denied}), false) as denied,
               null as carc_group, null as carc_code,
               case when l.prcsg is not null and l.prcsg not in ({not_denied}) then 'PRCSG-' || l.prcsg end as rarc_code,
               l.charge - l.paid as adjustment_amount
        from lines as l join hdr as h using (encounter_id)
        where h.kind = 'carrier'""", "desynpuf")

    n_noind = c.execute("select count(*) from lines where claim_id in (select claim_id from hdr where kind = 'carrier') "
                        "and prcsg is null").fetchone()[0]
    summary.notes += [
        "encounter = claim: encounter_id = 'IP-'/'OP-'/'CAR-' + CLM_ID (CLM_ID is unique only within a file type)",
        "inpatient/outpatient claims spanning two SEGMENT rows are combined: codes and ids from the lowest "
        "segment that has them, payments summed",
        "institutional DE-SynPUF claims carry no charges: their one claim-level service line has charge = allowed = "
        "Medicare payment + primary-payer payment + beneficiary deductible/coinsurance; outpatient HCPCS_CD_n become "
        "lines 2..46 with charge 0 (no line amounts in the source)",
        "carrier lines carry no submitted charge: charge_amount = LINE_ALOWD_CHRG_AMT",
        "adjudications only for carrier lines (the only denial signal): denied when LINE_PRCSG_IND_CD is not "
        f"A/R/S; the indicator is kept as rarc_code 'PRCSG-<value>' (a CMS code, not an X12 RARC); "
        f"{n_noind} carrier lines without an indicator counted as not denied",
        "no POA, discharge status, place of service, specialty or DRG version in DE-SynPUF (MS-DRG v25-v28 era): null",
        "ADMTNG_ICD9_DGNS_CD (admitting diagnosis), OT/OP_PHYSN_NPI, HCPCS_CD_n on inpatient claims, utilization "
        "days, beneficiary chronic-condition flags and annual reimbursement totals not imported",
    ]
