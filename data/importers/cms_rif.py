"""CMS CCW Research Identifiable File (RIF) layout, pipe-delimited with a header row of CCW variable names
(carrier, inpatient, outpatient claims and beneficiaries, as in the CMS Blue Button / BFD samples) -> canonical Parquet.

RIF claim files have one row per claim LINE (carrier: LINE_NUM; institutional: revenue center CLM_LINE_NUM)
with the claim header repeated on every row. One claim = one encounter ('CAR-'/'IP-'/'OP-' + CLM_ID).
Mapping, and what is dropped and why: data/README.md, section "Importers -> CMS RIF".
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from codedash.data.importers import base
from codedash.data.importers.base import ImportFormatError, ImportSummary

FORMAT = "cms-rif"
TABLES = ("facilities", "payers", "providers", "encounters", "diagnoses", "procedures",
          "service_lines", "adjudications", "adjustments")
EMPTY = {"procedures": "no ICD procedure codes on these claims"}
PAYER_ID = "MEDICARE"
NOT_DENIED = ("A", "R", "S")   # LINE_PRCSG_IND_CD: allowed, reprocessed, secondary payer
CARC_GROUPS = ("CO", "PR", "OA", "PI", "CR")

LAYOUTS = {
    "carrier": ("BENE_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT", "LINE_NUM", "HCPCS_CD", "PRVDR_SPCLTY",
                "LINE_PRCSG_IND_CD", "CARR_CLM_PMT_DNL_CD", "PRF_PHYSN_NPI", "LINE_SBMTD_CHRG_AMT",
                "LINE_ALOWD_CHRG_AMT", "LINE_NCH_PMT_AMT", "ICD_DGNS_CD1", "CARR_LINE_PRCNG_LCLTY_CD"),
    "inpatient": ("BENE_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT", "CLM_ADMSN_DT", "CLM_DRG_CD", "PRVDR_NUM",
                  "PRNCPAL_DGNS_CD", "ICD_DGNS_CD1", "CLM_POA_IND_SW1", "ICD_PRCDR_CD1", "CLM_PMT_AMT",
                  "CLM_LINE_NUM", "REV_CNTR", "REV_CNTR_TOT_CHRG_AMT", "CLM_PASS_THRU_PER_DIEM_AMT"),
    "outpatient": ("BENE_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT", "PRVDR_NUM", "PRNCPAL_DGNS_CD",
                   "ICD_DGNS_CD1", "CLM_PMT_AMT", "CLM_OP_PRVDR_PMT_AMT", "CLM_LINE_NUM", "REV_CNTR",
                   "REV_CNTR_TOT_CHRG_AMT", "REV_CNTR_PMT_AMT_AMT"),
    "beneficiary": ("BENE_ID", "BENE_BIRTH_DT", "BENE_SEX_IDENT_CD"),
}
# RIF files we recognise but do not import, by a column only they have
OTHER_RIF = {"snf": "NCH_QLFYD_STAY_FROM_DT", "dme": "DMERC_LINE_SUPPLR_TYPE_CD", "hha": "CLM_HHA_TOT_VISIT_CNT",
             "hospice": "CLM_HOSPC_START_DT_ID", "pde": "PDE_ID"}
PREFIX = {"carrier": "CAR-", "inpatient": "IP-", "outpatient": "OP-"}


def _kind(header: list[str]) -> str | None:
    cols = {c.upper() for c in header}
    for other, marker in OTHER_RIF.items():
        if marker in cols and "BENE_ID" in cols:
            return other
    if "CLM_ID" in cols:
        for kind in ("carrier", "inpatient", "outpatient"):
            if all(c in cols for c in LAYOUTS[kind]):
                if kind == "outpatient" and "CLM_DRG_CD" in cols:
                    continue
                return kind
        return None
    if all(c in cols for c in LAYOUTS["beneficiary"]):
        return "beneficiary"
    return None


RIF_SUFFIXES = (".txt", ".csv", ".psv", ".dat")


def detect(paths: list[Path]) -> bool:
    """True when every named file is a pipe-delimited RIF file and at least one is a supported claims file."""
    kinds = base.header_kinds(paths, lambda delim, header: _kind(header) if delim == "|" else None, RIF_SUFFIXES)
    return kinds is not None and any(k in PREFIX for k in kinds)


def _why_unknown(delim: str, header: list[str]) -> str:
    cols = {c.upper() for c in header}
    if "DESYNPUF_ID" in cols:
        return "this is a DE-SynPUF file (DESYNPUF_ID), not the RIF layout; use --format desynpuf"
    if delim != "|":
        return (f"not a pipe-delimited RIF file (header delimiter {delim!r}); the RIF layout has a header of CCW "
                "variable names separated by '|'")
    if "CLM_ID" not in cols:
        return "unknown RIF layout: header has no CLM_ID (claims) and no BENE_BIRTH_DT (beneficiary)"
    best = min(("carrier", "inpatient", "outpatient"), key=lambda k: sum(c not in cols for c in LAYOUTS[k]))
    missing = [c for c in LAYOUTS[best] if c not in cols]
    return f"unknown RIF layout: closest is {best}, which also needs {', '.join(missing)}"


def _classify(paths: list[Path], summary: ImportSummary) -> dict[str, list[tuple[Path, str]]]:
    groups: dict[str, list[tuple[Path, str]]] = {k: [] for k in LAYOUTS}
    for f, explicit in base.listed_files(paths, RIF_SUFFIXES):
        if not f.exists():
            raise ImportFormatError(f, None, "file not found")
        delim, header = base.read_header(f)
        kind = _kind(header) if delim == "|" else None
        if kind in OTHER_RIF:
            if explicit:
                raise ImportFormatError(f, 1, f"RIF {kind} claims are not imported (supported: carrier, inpatient, "
                                              "outpatient, beneficiary)")
            summary.notes.append(f"{f.name}: RIF {kind} file skipped (not imported)")
            continue
        if kind is None:
            if explicit:
                raise ImportFormatError(f, 1, _why_unknown(delim, header))
            summary.notes.append(f"{f.name}: skipped (not a RIF file)")
            continue
        base.check_not_truncated(f, delim, header)
        groups[kind].append((f, delim))
    if not any(groups[k] for k in PREFIX):
        raise ImportFormatError(paths[0] if paths else None, None,
                                "no RIF carrier, inpatient or outpatient claims file among the inputs")
    return groups


DATE_PARSE = "coalesce(try_strptime(v, '%d-%b-%Y'), try_strptime(v, '%Y-%m-%d'))"


def _date(col: str) -> str:
    value = f"nullif(trim({col}), '')"
    return f"cast({DATE_PARSE.replace('v', value)} as date)"


def _fy(d: str) -> str:
    return f"(year({d}) + case when month({d}) >= 10 then 1 else 0 end)"


def convert(paths: list[Path], out_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> ImportSummary:
    paths = [Path(p) for p in paths]
    summary = ImportSummary(format=FORMAT)
    groups = _classify(paths, summary)
    with base.scratch(con) as c:
        for kind in ("beneficiary", "carrier", "inpatient", "outpatient"):
            if groups[kind]:
                summary.rows_read.update(base.stage(c, f"src_{kind}", groups[kind]))
                summary.files += [str(p) for p, _ in groups[kind]]
        _map(c, groups, summary)
        for kind, pre in PREFIX.items():
            if groups[kind]:
                base.add_origins(c, base.first_lines(f"src_{kind}", f"'{pre}' || trim(CLM_ID)"))
        summary.rows_written = base.write_tables(c, out_dir, TABLES)
        summary.empty_reasons = base.empty_reasons(summary.rows_written, EMPTY)
    return summary


def _check(c: duckdb.DuckDBPyConnection, view: str, dates: list[str], amounts: list[str], key: str | None) -> None:
    cols = base.columns_of(c, view)
    base.check_values(c, view, [(d, DATE_PARSE, "a date (DD-MON-YYYY)") for d in dates if d in cols]
                      + [(a, "try_cast(v as decimal(14,2))", "an amount") for a in amounts if a in cols])
    need = ["BENE_ID"] + (["CLM_ID", key] if key else [])
    cond = " or ".join(f"nullif(trim({k}), '') is null" for k in need)
    bad = c.execute(f"select _file, _line from {view} where {cond} limit 1").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], f"{', '.join(need)} are required")
    if key:
        bad = c.execute(f"""select min(_file), max(_line), trim(CLM_ID), trim({key}) from {view}
                            group by trim(CLM_ID), trim({key}) having count(*) > 1 limit 1""").fetchone()
        if bad:
            raise ImportFormatError(bad[0], bad[1], f"claim {bad[2]} line {bad[3]} appears more than once "
                                                    "(the same claim line in two files?)")
        bad = c.execute(f"""select min(_file), max(_line), trim(CLM_ID) from {view} group by trim(CLM_ID)
                            having count(distinct trim(BENE_ID)) > 1 limit 1""").fetchone()
        if bad:
            raise ImportFormatError(bad[0], bad[1], f"claim {bad[2]} belongs to more than one BENE_ID")


def _map(c: duckdb.DuckDBPyConnection, groups: dict, summary: ImportSummary) -> None:
    if groups["beneficiary"]:
        _check(c, "src_beneficiary", ["BENE_BIRTH_DT"], [], None)
        c.execute(f"""create temp table bene as
                      select trim(BENE_ID) as patient_id, arg_max({_date('BENE_BIRTH_DT')}, _file) as birth_date,
                             arg_max(trim(BENE_SEX_IDENT_CD), _file) as sex_cd
                      from src_beneficiary group by 1""")
    else:
        c.execute("create temp table bene (patient_id varchar, birth_date date, sex_cd varchar)")
        summary.notes.append("no beneficiary file: age and sex unknown (sex 'U')")

    c.execute("""create temp table hdr (kind varchar, encounter_id varchar, claim_id varchar, patient_id varchar,
                 facility_id varchar, facility_kind varchar, encounter_type varchar, admit_date date,
                 discharge_date date, discharge_status varchar, attending varchar, specialty varchar, pos varchar,
                 drg varchar, denied boolean, nonpmt varchar, clm_dnl varchar, proc_date date)""")
    c.execute("""create temp table dxraw (encounter_id varchar, n integer, code varchar, vrsn varchar, poa varchar,
                 principal boolean)""")
    c.execute("create temp table px (encounter_id varchar, seq integer, code varchar, vrsn varchar, pdate date)")
    c.execute("""create temp table lines (encounter_id varchar, claim_id varchar, line integer, service_date date,
                 revenue_code varchar, code varchar, mod1 varchar, mod2 varchar, mod3 varchar, mod4 varchar,
                 units decimal(10,2), charge decimal(14,2), allowed decimal(14,2), paid decimal(14,2),
                 rendering varchar, prcsg varchar, ansi varchar)""")

    for kind in ("carrier", "inpatient", "outpatient"):
        if not groups[kind]:
            continue
        view, pre = f"src_{kind}", PREFIX[kind]
        cols = base.columns_of(c, view)

        def has(col: str) -> str:
            return col if col in cols else "cast(null as varchar)"

        line_col = "LINE_NUM" if kind == "carrier" else "CLM_LINE_NUM"
        amounts = ["CLM_PMT_AMT", "LINE_SBMTD_CHRG_AMT", "LINE_ALOWD_CHRG_AMT", "LINE_NCH_PMT_AMT",
                   "REV_CNTR_TOT_CHRG_AMT", "REV_CNTR_PMT_AMT_AMT", "LINE_SRVC_CNT", "REV_CNTR_UNIT_CNT"]
        _check(c, view, ["CLM_FROM_DT", "CLM_THRU_DT", "CLM_ADMSN_DT", "NCH_BENE_DSCHRG_DT", "LINE_1ST_EXPNS_DT",
                         "REV_CNTR_DT", "NCH_WKLY_PROC_DT", "FI_CLM_PROC_DT"], amounts, line_col)
        bad = c.execute(f"select _file, _line, {line_col} from {view} where try_cast({line_col} as integer) is null "
                        "limit 1").fetchone()
        if bad:
            raise ImportFormatError(bad[0], bad[1], f"{line_col} = {bad[2]!r} is not a line number")
        ln = f"cast({line_col} as integer)"
        c.execute(f"""create or replace temp view r as select *, {ln} as _ln from {view}
                      where coalesce(trim({has('FINAL_ACTION')}), 'F') <> 'N'""")
        n_nonfinal = c.execute(f"select count(*) from {view}").fetchone()[0] - c.execute(
            "select count(*) from r").fetchone()[0]
        if n_nonfinal:
            summary.notes.append(f"{kind}: {n_nonfinal} rows with FINAL_ACTION = 'N' (not final) skipped")

        def first(col: str) -> str:
            """Header value from the lowest line that has one."""
            return f"arg_min(nullif(trim({col}), ''), _ln) filter (where nullif(trim({col}), '') is not null)"

        if kind == "carrier":
            facility = (f"coalesce({first('CARR_CLM_BLG_NPI_NUM')}, 'TIN ' || {first(has('TAX_NUM'))}, 'CARRIER')")
            pos = f"lpad({first('LINE_PLACE_OF_SRVC_CD')}, 2, '0')"
            etype = f"""case when {pos} = '23' then 'emergency'
                             when {pos} in ('02', '10', '11', '49', '50', '71', '72') then 'office'
                             else 'outpatient' end"""
            c.execute(f"""
                insert into hdr
                select 'carrier', '{pre}' || trim(CLM_ID), trim(CLM_ID), any_value(trim(BENE_ID)), {facility},
                       'carrier', {etype}, min({_date('CLM_FROM_DT')}),
                       greatest(max({_date('CLM_THRU_DT')}), min({_date('CLM_FROM_DT')})), null,
                       {first('PRF_PHYSN_NPI')}, lpad({first('PRVDR_SPCLTY')}, 2, '0'), {pos}, null,
                       max(case when trim(CARR_CLM_PMT_DNL_CD) = '0' then 1 else 0 end) = 1, null,
                       {first('CARR_CLM_PMT_DNL_CD')},
                       coalesce(max({_date(has('NCH_WKLY_PROC_DT'))}), max({_date('CLM_THRU_DT')}))
                from r group by trim(CLM_ID)""")
            c.execute(f"""
                insert into lines
                select '{pre}' || trim(CLM_ID), trim(CLM_ID), _ln,
                       coalesce({_date('LINE_1ST_EXPNS_DT')}, {_date('CLM_FROM_DT')}), null,
                       {base.norm('HCPCS_CD')}, {base.norm(has('HCPCS_1ST_MDFR_CD'))},
                       {base.norm(has('HCPCS_2ND_MDFR_CD'))}, null, null,
                       coalesce(try_cast(nullif(trim(LINE_SRVC_CNT), '') as decimal(10,2)), 1),
                       coalesce({base.money('LINE_SBMTD_CHRG_AMT')}, 0), {base.money('LINE_ALOWD_CHRG_AMT')},
                       {base.money('LINE_NCH_PMT_AMT')}, nullif(trim(PRF_PHYSN_NPI), ''),
                       {base.norm('LINE_PRCSG_IND_CD')}, null
                from r""")
        else:
            disch = (f"coalesce(max({_date('NCH_BENE_DSCHRG_DT')}), max({_date('CLM_THRU_DT')}))"
                     if "NCH_BENE_DSCHRG_DT" in cols else f"max({_date('CLM_THRU_DT')})")
            admit = (f"coalesce(min({_date('CLM_ADMSN_DT')}), min({_date('CLM_FROM_DT')}))"
                     if "CLM_ADMSN_DT" in cols else f"min({_date('CLM_FROM_DT')})")
            etype = ("'inpatient'" if kind == "inpatient" else
                     "case when max(case when lpad(trim(REV_CNTR), 4, '0') like '045%' or lpad(trim(REV_CNTR), 4, '0') "
                     "= '0981' then 1 else 0 end) = 1 then 'emergency' else 'outpatient' end")
            nonpmt = first(has("CLM_MDCR_NON_PMT_RSN_CD"))
            c.execute(f"""
                insert into hdr
                select '{kind}', '{pre}' || trim(CLM_ID), trim(CLM_ID), any_value(trim(BENE_ID)),
                       coalesce({first('PRVDR_NUM')}, 'UNKNOWN'), 'institutional', {etype}, {admit},
                       greatest({disch}, {admit}), lpad({first(has('PTNT_DSCHRG_STUS_CD'))}, 2, '0'),
                       {first(has('AT_PHYSN_NPI'))}, null, null,
                       {"lpad(" + first('CLM_DRG_CD') + ", 3, '0')" if kind == 'inpatient' else 'null'},
                       {nonpmt} is not null and coalesce(max({base.money('CLM_PMT_AMT')}), 0) = 0, {nonpmt}, null,
                       coalesce(max({_date(has('FI_CLM_PROC_DT'))}), max({_date(has('NCH_WKLY_PROC_DT'))}),
                                max({_date('CLM_THRU_DT')}))
                from r group by trim(CLM_ID)""")
            # inpatient revenue lines carry no payment: the claim payment goes on the lowest line
            paid = (base.money("REV_CNTR_PMT_AMT_AMT") if kind == "outpatient" else
                    f"case when _ln = min(_ln) over (partition by trim(CLM_ID)) then {base.money('CLM_PMT_AMT')} end")
            svc = (f"""case when {_date('REV_CNTR_DT')} between {_date('CLM_FROM_DT')} and {_date('CLM_THRU_DT')}
                            then {_date('REV_CNTR_DT')} else {_date('CLM_FROM_DT')} end"""
                   if "REV_CNTR_DT" in cols else _date("CLM_FROM_DT"))
            c.execute(f"""
                insert into lines
                select '{pre}' || trim(CLM_ID), trim(CLM_ID), _ln, {svc},
                       case when trim(REV_CNTR) <> '' then lpad(trim(REV_CNTR), 4, '0') end,
                       {base.norm('HCPCS_CD')}, {base.norm(has('HCPCS_1ST_MDFR_CD'))},
                       {base.norm(has('HCPCS_2ND_MDFR_CD'))}, {base.norm(has('HCPCS_3RD_MDFR_CD'))},
                       {base.norm(has('HCPCS_4TH_MDFR_CD'))},
                       coalesce(try_cast(nullif(trim(REV_CNTR_UNIT_CNT), '') as decimal(10,2)), 1),
                       coalesce({base.money('REV_CNTR_TOT_CHRG_AMT')}, 0), null, {paid},
                       nullif(trim({has('RNDRNG_PHYSN_NPI')}), ''), null,
                       {base.norm(has('REV_CNTR_1ST_ANSI_CD'))}
                from r""")

        # diagnoses: principal + ICD_DGNS_CDn + external-cause ICD_DGNS_E_CDn, claim-level (lowest line)
        parts = [f"select '{pre}' || trim(CLM_ID), 0, {first('PRNCPAL_DGNS_CD')}, "
                 f"{first(has('PRNCPAL_DGNS_VRSN_CD'))}, null, true from r group by trim(CLM_ID)"]
        for n in range(1, 26):
            if f"ICD_DGNS_CD{n}" in cols:
                parts.append(f"select '{pre}' || trim(CLM_ID), {n}, {first(f'ICD_DGNS_CD{n}')}, "
                             f"{first(has(f'ICD_DGNS_VRSN_CD{n}'))}, {first(has(f'CLM_POA_IND_SW{n}'))}, false "
                             "from r group by trim(CLM_ID)")
            if f"ICD_DGNS_E_CD{n}" in cols:
                parts.append(f"select '{pre}' || trim(CLM_ID), 100 + {n}, {first(f'ICD_DGNS_E_CD{n}')}, "
                             f"{first(has(f'ICD_DGNS_E_VRSN_CD{n}'))}, {first(has(f'CLM_E_POA_IND_SW{n}'))}, false "
                             "from r group by trim(CLM_ID)")
        for p in parts:
            c.execute(f"insert into dxraw {p}")
        for n in range(1, 26):
            if f"ICD_PRCDR_CD{n}" in cols:
                c.execute(f"""insert into px select '{pre}' || trim(CLM_ID), {n}, {first(f'ICD_PRCDR_CD{n}')},
                              {first(has(f'ICD_PRCDR_VRSN_CD{n}'))},
                              min({_date(has(f'PRCDR_DT{n}'))}) from r group by trim(CLM_ID)""")

    # ---- canonical tables
    base.insert(c, "payers", f"""select '{PAYER_ID}' as payer_id, 'Medicare fee-for-service (RIF)' as payer_name,
                                 'medicare' as payer_type""", "cms-rif")
    base.insert(c, "facilities", """
        select facility_id, case when facility_id = 'CARRIER' then 'Carrier claims (no billing NPI)'
                                 when min(facility_kind) = 'carrier' then 'Billing provider ' || facility_id
                                 else 'Provider CCN ' || facility_id end as facility_name,
               null as state, case when min(facility_kind) = 'institutional' then 'hospital' end as facility_type
        from hdr group by facility_id""", "cms-rif")
    base.insert(c, "providers", """
        select npi as provider_id, null as provider_name, any_value(specialty) as specialty_code, null as facility_id,
               case when regexp_full_match(npi, '[0-9]{10}') then npi end as npi
        from (select attending as npi, specialty from hdr where attending is not null
              union all select rendering, null from lines where rendering is not null)
        group by npi""", "cms-rif")
    base.insert(c, "encounters", f"""
        select h.encounter_id, h.patient_id, h.facility_id, h.encounter_type, h.admit_date, h.discharge_date,
               h.discharge_status, h.attending as attending_provider_id, h.specialty as specialty_code,
               h.pos as place_of_service, '{PAYER_ID}' as payer_id, 'medicare' as payer_type, h.drg as drg_code,
               case when h.drg is not null then case {_fy('h.discharge_date')} when 2024 then 41 when 2025 then 42
                    when 2026 then 43 end end as drg_version,
               case when b.birth_date is not null and b.birth_date <= h.admit_date
                    then least(90, date_sub('year', b.birth_date, h.admit_date)) end as age_years,
               case b.sex_cd when '1' then 'M' when '2' then 'F' else 'U' end as sex
        from hdr as h left join bene as b on b.patient_id = h.patient_id""", "cms-rif")
    base.insert(c, "diagnoses", f"""
        with d as (select encounter_id, n, {base.norm('code')} as code, trim(vrsn) as vrsn,
                          {base.norm('poa')} as poa, principal from dxraw),
        p as (  -- principal: PRNCPAL_DGNS_CD, else ICD_DGNS_CD1
            select encounter_id, arg_min(code, case when principal then 0 else 1 end) as code,
                   arg_min(vrsn, case when principal then 0 else 1 end) as vrsn
            from d where code is not null and (principal or n = 1) group by encounter_id
        ),
        ranked as (
            select p.encounter_id, 1 as sequence, p.code, p.vrsn,
                   (select min(d.poa) from d where d.encounter_id = p.encounter_id and d.code = p.code
                    and not d.principal) as poa
            from p
            union all
            select d.encounter_id, 1 + row_number() over (partition by d.encounter_id order by d.n), d.code, d.vrsn, d.poa
            from d join p using (encounter_id)
            where not d.principal and d.code is not null and d.code <> p.code
        )
        select r.encounter_id, r.sequence, case when r.vrsn = '9' then 'ICD9CM' else 'ICD10CM' end as code_system,
               r.code, 'FY' || cast({_fy('h.discharge_date')} as varchar) as code_version,
               case when r.poa in ('Y', 'N', 'U', 'W', '1') then r.poa end as poa
        from ranked as r join hdr as h using (encounter_id)""", "cms-rif")
    base.insert(c, "procedures", f"""
        select x.encounter_id, x.seq as sequence,
               case when trim(x.vrsn) = '9' then 'ICD9PCS' else 'ICD10PCS' end as code_system,
               {base.norm('x.code')} as code, 'FY' || cast({_fy('h.discharge_date')} as varchar) as code_version,
               x.pdate as procedure_date, null as provider_id
        from px as x join hdr as h using (encounter_id) where {base.norm('x.code')} is not null""", "cms-rif")
    base.insert(c, "service_lines", """
        select encounter_id, line as line_number, claim_id, service_date, revenue_code,
               case when code is null then null
                    when regexp_full_match(code, '[0-9]{4}[0-9FTU]') then 'CPT' else 'HCPCS' end as code_system,
               code, mod1 as modifier_1, mod2 as modifier_2, mod3 as modifier_3, mod4 as modifier_4, units,
               charge as charge_amount, allowed as allowed_amount, paid as paid_amount,
               rendering as rendering_provider_id
        from lines""", "cms-rif")
    not_denied = ", ".join(f"'{v}'" for v in NOT_DENIED)
    groups_sql = ", ".join(f"'{g}'" for g in CARC_GROUPS)
    base.insert(c, "adjudications", f"""
        with a as (
            select l.*, h.denied as claim_denied, h.nonpmt, h.clm_dnl, h.proc_date, h.kind,
                   coalesce(l.prcsg not in ({not_denied}), false) as line_denied
            from lines as l join hdr as h using (encounter_id)
        )
        select claim_id, encounter_id, line as line_number, 1 as adjudication_seq, '{PAYER_ID}' as payer_id,
               proc_date as adjudication_date, charge as billed_amount, allowed as allowed_amount,
               paid as paid_amount, claim_denied or line_denied as denied,
               case when left(ansi, 2) in ({groups_sql}) and length(ansi) > 2 then left(ansi, 2) end as carc_group,
               case when left(ansi, 2) in ({groups_sql}) and length(ansi) > 2 then substr(ansi, 3) end as carc_code,
               case when line_denied then 'PRCSG-' || prcsg
                    when claim_denied and kind = 'carrier' then 'CARR-DNL-' || clm_dnl
                    when claim_denied then 'NONPMT-' || nonpmt end as rarc_code,
               case when paid is not null then charge - paid end as adjustment_amount
        from a""", "cms-rif")

    n_diff = c.execute("""select count(*) from (select encounter_id,
                            max(case when principal then code end) as p, max(case when n = 1 then code end) as d1
                          from dxraw group by 1) where p is not null and d1 is not null and p <> d1""").fetchone()[0]
    summary.notes += [
        "encounter = claim: encounter_id = 'CAR-'/'IP-'/'OP-' + CLM_ID; claim header fields from the lowest line",
        "diagnosis sequence 1 = PRNCPAL_DGNS_CD (else ICD_DGNS_CD1); then ICD_DGNS_CDn and the external-cause "
        "ICD_DGNS_E_CDn in order, without repeating the principal code; "
        f"{n_diff} claims where PRNCPAL_DGNS_CD differs from ICD_DGNS_CD1 (both kept)",
        "carrier denial: CARR_CLM_PMT_DNL_CD = '0' (claim denied) or LINE_PRCSG_IND_CD not A/R/S (line); the "
        "indicator is kept as rarc_code 'PRCSG-<value>' / 'CARR-DNL-0' (CMS codes, not X12 RARCs); carc null",
        "institutional denial: CLM_MDCR_NON_PMT_RSN_CD present and CLM_PMT_AMT = 0 (rarc_code 'NONPMT-<code>'); "
        "REV_CNTR_1ST_ANSI_CD (e.g. 'CO45') -> carc_group/carc_code; 2nd-4th ANSI codes dropped (no amounts)",
        "inpatient revenue lines have no line payment: CLM_PMT_AMT is put on the claim's lowest line; "
        "REV_CNTR_DT outside the claim's from/thru dates replaced by CLM_FROM_DT",
        "no adjustments: RIF carries no CAS reason/amount pairs",
        "not imported: ADMTG_DGNS_CD, FST_DGNS_E_CD (repeats ICD_DGNS_E_CD1), LINE_ICD_DGNS_CD, BETOS_CD, "
        "deductible/coinsurance/primary-payer amounts, OP/OT physician NPIs, DME/SNF/HHA/hospice/PDE files",
    ]
