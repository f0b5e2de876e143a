"""Tuva Project claims input layer (medical_claim + eligibility CSVs) -> canonical Parquet.

One claim = one encounter (encounter_id = claim_id): the Tuva input layer has no encounter grouping
(Tuva builds encounters later in its own marts). Mapping, and what is dropped and why, is documented
in data/README.md, section "Importers -> Tuva input layer".
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from codedash.data.importers import base
from codedash.data.importers.base import ImportFormatError, ImportSummary

FORMAT = "tuva"
TABLES = ("facilities", "payers", "providers", "encounters", "diagnoses", "procedures",
          "service_lines", "adjudications", "adjustments")
EMPTY = {
    "adjudications": ("no adjudication or denial data in this source (the Tuva input layer has no denial "
                      "field; paid_amount = 0 is not a denial)"),
    "procedures": "no ICD procedure codes on these claims",
}

MEDICAL_REQUIRED = ("claim_id", "claim_line_number", "claim_type", "claim_start_date", "claim_end_date",
                    "bill_type_code", "place_of_service_code", "hcpcs_code", "paid_amount", "charge_amount",
                    "diagnosis_code_type", "diagnosis_code_1")
ELIGIBILITY_REQUIRED = ("birth_date", "gender", "enrollment_start_date", "enrollment_end_date", "payer",
                        "payer_type")
PHARMACY_MARKERS = ("ndc_code", "dispensing_date")
N_DX = 25
N_PX = 25
PROFESSIONAL_FACILITY = "PROFESSIONAL"


def _kind(header: list[str]) -> str | None:
    cols = {c.lower() for c in header}
    has_person = bool(cols & {"patient_id", "person_id"})
    if has_person and all(c in cols for c in MEDICAL_REQUIRED):
        return "medical_claim"
    if has_person and all(c in cols for c in ELIGIBILITY_REQUIRED):
        return "eligibility"
    if has_person and "claim_id" in cols and all(c in cols for c in PHARMACY_MARKERS):
        return "pharmacy_claim"
    return None


def detect(paths: list[Path]) -> bool:
    """True when every named file is a Tuva input-layer table and one of them is medical_claim."""
    kinds = base.header_kinds(paths, lambda _delim, header: _kind(header))
    return kinds is not None and "medical_claim" in kinds


def _classify(paths: list[Path], summary: ImportSummary) -> dict[str, list[tuple[Path, str]]]:
    groups: dict[str, list[tuple[Path, str]]] = {"medical_claim": [], "eligibility": [], "pharmacy_claim": []}
    for f, explicit in base.listed_files(paths):
        if not f.exists():
            raise ImportFormatError(f, None, "file not found")
        delim, header = base.read_header(f)
        kind = _kind(header) if delim == "," else None
        if kind is None:
            if explicit:
                lower = {c.lower() for c in header}
                missing = [c for c in MEDICAL_REQUIRED if c not in lower]
                raise ImportFormatError(
                    f, 1, "unknown layout: not a Tuva input-layer medical_claim, eligibility or pharmacy_claim "
                    f"CSV (a medical_claim header needs {', '.join(missing[:6]) or 'patient_id/person_id'}"
                    f"{' ...' if len(missing) > 6 else ''})")
            summary.notes.append(f"{f.name}: skipped (not a Tuva input-layer table)")
            continue
        base.check_not_truncated(f, delim, header)
        groups[kind].append((f, delim))
    if not groups["medical_claim"]:
        raise ImportFormatError(paths[0] if paths else None, None,
                                "no Tuva medical_claim file among the inputs (eligibility alone has no encounters)")
    return groups


def _fy_sql(d: str) -> str:
    return f"(year({d}) + case when month({d}) >= 10 then 1 else 0 end)"


def convert(paths: list[Path], out_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> ImportSummary:
    paths = [Path(p) for p in paths]
    summary = ImportSummary(format=FORMAT)
    groups = _classify(paths, summary)
    with base.scratch(con) as c:
        summary.rows_read.update(base.stage(c, "mc", groups["medical_claim"]))
        summary.files += [str(p) for p, _ in groups["medical_claim"]]
        if groups["eligibility"]:
            summary.rows_read.update(base.stage(c, "el", groups["eligibility"]))
            summary.files += [str(p) for p, _ in groups["eligibility"]]
        for p, _ in groups["pharmacy_claim"]:
            summary.notes.append(f"{p.name}: pharmacy claims (NDC) not imported: codedash has no drug tables")
        _map(c, bool(groups["eligibility"]), summary)
        base.add_origins(c, base.first_lines("mc", "trim(claim_id)"))
        base.add_origins(c, base.first_lines("mc", "trim(claim_id), try_cast(claim_line_number as integer)"),
                         lines=True)
        summary.rows_written = base.write_tables(c, out_dir, TABLES)
        summary.empty_reasons = base.empty_reasons(summary.rows_written, EMPTY)
    return summary


def _map(c: duckdb.DuckDBPyConnection, has_elig: bool, summary: ImportSummary) -> None:
    cols = base.columns_of(c, "mc")
    person = "person_id" if "person_id" in cols else "patient_id"
    date_cols = ["claim_start_date", "claim_end_date", "claim_line_start_date", "admission_date", "discharge_date"]
    base.check_values(c, "mc", [(d, "try_cast(v as date)", "a date (YYYY-MM-DD)") for d in date_cols]
                      + [(m, "try_cast(v as decimal(14,2))", "an amount")
                         for m in ("paid_amount", "allowed_amount", "charge_amount")]
                      + [("claim_line_number", "try_cast(v as integer)", "an integer"),
                         ("service_unit_quantity", "try_cast(v as decimal(10,2))", "a number")])
    bad = c.execute(f"""select _file, _line, claim_id from mc where nullif(trim(claim_id), '') is null
                        or nullif(trim({person}), '') is null or nullif(trim(claim_line_number), '') is null
                        or nullif(trim(claim_start_date), '') is null limit 1""").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], f"claim_id, {person}, claim_line_number and claim_start_date are required")
    bad = c.execute(f"""select min(_file), min(_line), claim_id from mc group by claim_id
                        having count(distinct {person}) > 1 limit 1""").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], f"claim {bad[2]} belongs to more than one {person}")
    bad = c.execute("""select _file, _line, diagnosis_code_type from mc
                       where lower(trim(diagnosis_code_type)) not in ('icd-10-cm', 'icd-9-cm') limit 1""").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], f"diagnosis_code_type {bad[2]!r} is not icd-10-cm or icd-9-cm")
    bad = c.execute("""select _file, _line, claim_type from mc
                       where lower(trim(claim_type)) not in ('institutional', 'professional') limit 1""").fetchone()
    if bad:
        raise ImportFormatError(bad[0], bad[1], f"claim_type {bad[2]!r} is not institutional or professional")

    dx_n = [n for n in range(1, N_DX + 1) if f"diagnosis_code_{n}" in cols]
    px_n = [n for n in range(1, N_PX + 1) if f"procedure_code_{n}" in cols]

    def opt(col: str) -> str:
        return col if col in cols else "cast(null as varchar)"

    c.execute(f"""
        create or replace temp table l as
        select trim(claim_id) as claim_id, cast(claim_line_number as integer) as line,
               lower(trim(claim_type)) as claim_type, trim({person}) as patient_id,
               cast(claim_start_date as date) as claim_start, cast(claim_end_date as date) as claim_end,
               try_cast({opt('claim_line_start_date')} as date) as line_start,
               try_cast({opt('admission_date')} as date) as admission_date,
               try_cast({opt('discharge_date')} as date) as discharge_date,
               nullif(trim({opt('discharge_disposition_code')}), '') as discharge_status,
               nullif(trim(place_of_service_code), '') as pos,
               case when length(trim(bill_type_code)) = 4 then substr(trim(bill_type_code), 2)
                    else nullif(trim(bill_type_code), '') end as bill_type,
               {base.norm(opt('ms_drg_code'))} as drg,
               case when trim({opt('revenue_center_code')}) <> ''
                    then lpad(trim({opt('revenue_center_code')}), 4, '0') end as revenue_code,
               {base.norm('hcpcs_code')} as hcpcs,
               {', '.join(f"{base.norm(opt(f'hcpcs_modifier_{k}'))} as mod{k}" for k in range(1, 6))},
               try_cast(nullif(trim({opt('service_unit_quantity')}), '') as decimal(10,2)) as units,
               nullif(trim({opt('rendering_npi')}), '') as rendering_npi,
               nullif(trim({opt('billing_npi')}), '') as billing_npi,
               nullif(trim({opt('facility_npi')}), '') as facility_npi,
               {base.money('paid_amount')} as paid, {base.money(opt('allowed_amount'))} as allowed,
               {base.money('charge_amount')} as charge,
               case lower(trim(diagnosis_code_type)) when 'icd-9-cm' then 'ICD9CM' else 'ICD10CM' end as dx_system,
               case lower(trim({opt('procedure_code_type')})) when 'icd-9-pcs' then 'ICD9PCS' else 'ICD10PCS' end
                   as px_system,
               _file, _line
        from mc""")
    dup = c.execute("""select min(_file), max(_line), claim_id, line from l group by claim_id, line
                       having count(*) > 1 limit 1""").fetchone()
    if dup:
        raise ImportFormatError(dup[0], dup[1], f"claim {dup[2]} line {dup[3]} appears more than once")

    # One encounter per claim: header fields from the lowest line that has them.
    c.execute(f"""
        create or replace temp table enc as
        with g as (
            select claim_id, any_value(patient_id) as patient_id,
                   arg_min(claim_type, line) as claim_type,
                   coalesce(min(admission_date), min(claim_start)) as admit_date,
                   greatest(coalesce(max(discharge_date), max(claim_end)),
                            coalesce(min(admission_date), min(claim_start))) as discharge_date,
                   arg_min(discharge_status, line) filter (where discharge_status is not null) as discharge_status,
                   arg_min(pos, line) filter (where pos is not null) as pos,
                   arg_min(bill_type, line) filter (where bill_type is not null) as bill_type,
                   arg_min(drg, line) filter (where drg is not null) as drg,
                   max(case when revenue_code like '045%' or revenue_code = '0981' then 1 else 0 end) as ed_rev,
                   arg_min(rendering_npi, line) filter (where rendering_npi is not null) as attending,
                   arg_min(coalesce(facility_npi, billing_npi), line)
                       filter (where coalesce(facility_npi, billing_npi) is not null) as facility
            from l group by claim_id
        )
        select *,
               case when claim_type = 'institutional' and left(bill_type, 2) = '11' then 'inpatient'
                    when claim_type = 'institutional' and ed_rev = 1 then 'emergency'
                    when claim_type = 'institutional' then 'outpatient'
                    when pos = '23' then 'emergency'
                    when pos in ('02', '10', '11', '49', '50', '71', '72') then 'office'
                    else 'outpatient' end as encounter_type,
               {_fy_sql('discharge_date')} as fy
        from g""")

    if has_elig:
        ecols = base.columns_of(c, "el")
        eperson = "person_id" if "person_id" in ecols else "patient_id"
        base.check_values(c, "el", [(d, "try_cast(v as date)", "a date (YYYY-MM-DD)")
                                    for d in ("birth_date", "enrollment_start_date", "enrollment_end_date")])
        c.execute(f"""
            create or replace temp table elig as
            select trim({eperson}) as patient_id, cast(nullif(trim(birth_date), '') as date) as birth_date,
                   lower(trim(gender)) as gender,
                   cast(nullif(trim(enrollment_start_date), '') as date) as enr_start,
                   cast(nullif(trim(enrollment_end_date), '') as date) as enr_end,
                   nullif(lower(trim(payer)), '') as payer, nullif(lower(trim(payer_type)), '') as payer_type
            from el""")
    else:
        c.execute("""create or replace temp table elig (patient_id varchar, birth_date date, gender varchar,
                     enr_start date, enr_end date, payer varchar, payer_type varchar)""")
        summary.notes.append("no eligibility file: age, sex and payer are unknown (sex 'U')")

    c.execute("""
        create or replace temp table person as
        select patient_id, max(birth_date) as birth_date, max(gender) as gender from elig group by 1""")
    c.execute("""
        create or replace temp table claim_payer as
        select e.claim_id, arg_max(el.payer, el.enr_start) as payer, arg_max(el.payer_type, el.enr_start) as payer_type
        from enc as e join elig as el on el.patient_id = e.patient_id
         and e.admit_date between el.enr_start and coalesce(el.enr_end, date '9999-12-31')
        where el.payer is not null
        group by e.claim_id""")

    ptype = """case when payer_type in ('medicare', 'medicaid', 'commercial') then payer_type
                    when payer_type in ('medicare advantage', 'medicare_advantage') then 'medicare_advantage'
                    when payer_type in ('self pay', 'self_pay', 'self-pay') then 'self_pay'
                    else 'other' end"""
    base.insert(c, "payers", f"""
        select payer as payer_id, payer as payer_name, any_value({ptype}) as payer_type
        from elig where payer is not null group by payer""", "eligibility")
    base.insert(c, "facilities", f"""
        select distinct coalesce(facility, '{PROFESSIONAL_FACILITY}') as facility_id,
               case when facility is null then 'Professional claims (no facility NPI)'
                    else 'NPI ' || facility end as facility_name,
               cast(null as varchar) as state, cast(null as varchar) as facility_type
        from enc""", "medical_claim")
    base.insert(c, "providers", """
        select npi as provider_id, cast(null as varchar) as provider_name, cast(null as varchar) as specialty_code,
               cast(null as varchar) as facility_id,
               case when regexp_full_match(npi, '[0-9]{10}') then npi end as npi
        from (select rendering_npi as npi from l where rendering_npi is not null
              union select attending from enc where attending is not null)""", "medical_claim")
    base.insert(c, "encounters", f"""
        select e.claim_id as encounter_id, e.patient_id,
               coalesce(e.facility, '{PROFESSIONAL_FACILITY}') as facility_id, e.encounter_type,
               e.admit_date, e.discharge_date,
               case when e.discharge_status is not null then lpad(e.discharge_status, 2, '0') end as discharge_status,
               e.attending as attending_provider_id, cast(null as varchar) as specialty_code,
               e.pos as place_of_service, cp.payer as payer_id, p.payer_type,
               case when e.encounter_type = 'inpatient' then lpad(e.drg, 3, '0') end as drg_code,
               case when e.encounter_type = 'inpatient' and e.drg is not null
                    then case e.fy when 2024 then 41 when 2025 then 42 when 2026 then 43 end end as drg_version,
               case when pe.birth_date is not null and pe.birth_date <= e.admit_date
                    then least(90, date_sub('year', pe.birth_date, e.admit_date)) end as age_years,
               case pe.gender when 'male' then 'M' when 'm' then 'M' when 'female' then 'F' when 'f' then 'F'
                    else 'U' end as sex
        from enc as e
        left join claim_payer as cp on cp.claim_id = e.claim_id
        left join payers as p on p.payer_id = cp.payer
        left join person as pe on pe.patient_id = e.patient_id""", "medical_claim")

    if dx_n:
        dx_sel = " union all ".join(
            f"""select claim_id, line, {n} as seq, {base.norm(f'diagnosis_code_{n}')} as code,
                       {base.norm(f'diagnosis_poa_{n}') if f'diagnosis_poa_{n}' in cols else 'cast(null as varchar)'}
                       as poa, dx_system from mc_dx""" for n in dx_n)
        dx_cols = ", ".join(f"diagnosis_code_{n}" + (f", diagnosis_poa_{n}" if f"diagnosis_poa_{n}" in cols else "")
                            for n in dx_n)
        c.execute(f"""create or replace temp table mc_dx as
                      select trim(claim_id) as claim_id, cast(claim_line_number as integer) as line,
                             case lower(trim(diagnosis_code_type)) when 'icd-9-cm' then 'ICD9CM' else 'ICD10CM' end
                                 as dx_system, {dx_cols}
                      from mc""")
        base.insert(c, "diagnoses", f"""
            with d as ({dx_sel}),
            firsts as (
                select claim_id, seq, arg_min(code, line) as code, arg_min(poa, line) as poa,
                       arg_min(dx_system, line) as code_system
                from d where code is not null group by claim_id, seq
            )
            select f.claim_id as encounter_id, f.seq as sequence, f.code_system, f.code,
                   'FY' || cast(e.fy as varchar) as code_version,
                   case when f.poa in ('Y', 'N', 'U', 'W', '1') then f.poa end as poa
            from firsts as f join enc as e on e.claim_id = f.claim_id""", "medical_claim")
        bad_poa = c.execute(f"""select count(*) from ({dx_sel})
                               where code is not null and poa is not null
                               and poa not in ('Y', 'N', 'U', 'W', '1')""").fetchone()[0]
        if bad_poa:
            summary.notes.append(f"{bad_poa} diagnosis POA values outside Y/N/U/W/1 stored as null")
    if px_n:
        px_sel = " union all ".join(
            f"""select claim_id, line, {n} as seq, {base.norm(f'procedure_code_{n}')} as code,
                       try_cast({f'procedure_date_{n}' if f'procedure_date_{n}' in cols else 'null'} as date) as pdate,
                       px_system from mc_px""" for n in px_n)
        px_cols = ", ".join(f"procedure_code_{n}" + (f", procedure_date_{n}" if f"procedure_date_{n}" in cols else "")
                            for n in px_n)
        c.execute(f"""create or replace temp table mc_px as
                      select trim(claim_id) as claim_id, cast(claim_line_number as integer) as line,
                             case lower(trim({opt('procedure_code_type')})) when 'icd-9-pcs' then 'ICD9PCS'
                                  else 'ICD10PCS' end as px_system, {px_cols}
                      from mc""")
        base.insert(c, "procedures", f"""
            with d as ({px_sel})
            select claim_id as encounter_id, seq as sequence, arg_min(px_system, line) as code_system,
                   arg_min(code, line) as code,
                   'FY' || cast(any_value(e.fy) as varchar) as code_version,
                   arg_min(pdate, line) as procedure_date, cast(null as varchar) as provider_id
            from d join enc as e using (claim_id)
            where code is not null group by claim_id, seq""", "medical_claim")

    base.insert(c, "service_lines", """
        select claim_id as encounter_id, line as line_number, claim_id,
               coalesce(line_start, claim_start) as service_date, revenue_code,
               case when hcpcs is null then null
                    when regexp_full_match(hcpcs, '[0-9]{4}[0-9FTU]') then 'CPT' else 'HCPCS' end as code_system,
               hcpcs as code, mod1 as modifier_1, mod2 as modifier_2, mod3 as modifier_3, mod4 as modifier_4,
               coalesce(units, 1) as units, coalesce(charge, 0) as charge_amount,
               allowed as allowed_amount, paid as paid_amount, rendering_npi as rendering_provider_id
        from l""", "medical_claim")

    n5, nunits, ncharge, npaid0 = c.execute("""
        select count(mod5), count(*) - count(units), count(*) - count(charge),
               sum(case when paid = 0 then 1 else 0 end) from l""").fetchone()
    summary.notes += [
        "encounter = claim: one Tuva claim_id is one encounter (the input layer has no encounter grouping)",
        f"hcpcs_modifier_5 dropped ({n5} non-empty): the canonical schema keeps four modifiers",
        f"{nunits} lines without service_unit_quantity stored with units = 1; "
        f"{ncharge} lines without charge_amount stored with charge 0",
        "no adjudications written: the input layer has no denial or adjudication field; "
        f"{npaid0 or 0} lines with paid_amount = 0 are unlabeled, not denials",
        "no specialty in the input layer (NPIs only): specialty_code is null",
        "apr_drg_code, admit_source/type, total_cost_amount, paid_date, member_id, data_source not imported",
        "drg_version only for discharges in FY2024-FY2026 (41/42/43); earlier DRGs kept with drg_version null",
    ]
