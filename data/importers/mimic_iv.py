"""MIMIC-IV `hosp` module (v2.x: admissions, patients, diagnoses_icd, procedures_icd, hcpcsevents,
drgcodes, services; .csv or .csv.gz) -> canonical tables.

Field mapping: data/README.md, "### MIMIC-IV". One admission (hadm_id) is one inpatient encounter at
one facility (BIDMC); ICD-9 and ICD-10 codes are kept as recorded (icd_version); MS-DRGs (drg_type
'HCFA') go to encounters.drg_code, APR-DRGs are left out; the first service of a stay is the specialty
proxy. MIMIC dates are shifted into 2110-2201 and are kept as recorded, so code-set fiscal years
(code_version) and grouper versions (drg_version) are left empty. MIMIC has no charges or payments.
"""
from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

from codedash.data.importers.base import (
    ImportFormatError,
    ImportSummary,
    add_origins,
    first_lines,
    folder_files,
    insert,
    norm,
    scratch,
    stage,
    write_tables,
)

FORMAT = "mimic-iv"

# table -> columns the importer needs (MIMIC-IV 2.x header names)
TABLES: dict[str, tuple[str, ...]] = {
    "admissions": ("subject_id", "hadm_id", "admittime", "dischtime", "admission_type", "discharge_location",
                   "insurance"),
    "patients": ("subject_id", "gender", "anchor_age", "anchor_year"),
    "diagnoses_icd": ("subject_id", "hadm_id", "seq_num", "icd_code", "icd_version"),
    "procedures_icd": ("subject_id", "hadm_id", "seq_num", "chartdate", "icd_code", "icd_version"),
    "hcpcsevents": ("subject_id", "hadm_id", "chartdate", "hcpcs_cd", "seq_num"),
    "drgcodes": ("subject_id", "hadm_id", "drg_type", "drg_code"),
    "services": ("subject_id", "hadm_id", "transfertime", "curr_service"),
}
REQUIRED = ("admissions", "patients")
# Other MIMIC-IV hosp files: recognised (so a whole hosp folder can be given) but not read.
IGNORED = {"d_icd_diagnoses", "d_icd_procedures", "d_hcpcs", "transfers", "provider", "labevents", "d_labitems",
           "emar", "emar_detail", "microbiologyevents", "omr", "pharmacy", "poe", "poe_detail", "prescriptions",
           "d_omr", "drgcodes_apr"}

FACILITY = ("BIDMC", "Beth Israel Deaconess Medical Center (MIMIC-IV)", "MA", "hospital")

# MIMIC curr_service -> CMS Medicare specialty code (ref_specialty); services without a sensible match -> null.
SERVICE_SPECIALTY = {
    "MED": "11",    # general medicine -> Internal Medicine
    "CMED": "06",   # cardiac medicine -> Cardiology
    "OMED": "90",   # oncologic medicine -> Medical Oncology
    "NMED": "13",   # neurologic medicine -> Neurology
    "SURG": "02",   # general surgery
    "TRAUM": "02",  # trauma/critical surgery -> General Surgery
    "CSURG": "78",  # cardiac surgery
    "TSURG": "33",  # thoracic surgery
    "VSURG": "77",  # vascular surgery
    "NSURG": "14",  # neurosurgery
    "ORTHO": "20",  # orthopaedic surgery
    "PSURG": "24",  # plastic surgery
    "GU": "34",     # genitourinary -> Urology
    "ENT": "04",    # ear, nose and throat -> Otolaryngology
    "EYE": "18",    # ophthalmology
    "GYN": "16",    # gynaecology -> Obstetrics/Gynecology
    "OBS": "16",    # obstetrics -> Obstetrics/Gynecology
    "PSYCH": "26",  # psychiatry
    "DENT": "19",   # dental -> Oral Surgery (Dentist only)
    # NB / NBB (newborn) and anything else: null (no CMS physician specialty fits)
}

# admissions.discharge_location -> UB-04 patient discharge status
DISCHARGE_STATUS = {
    "HOME": "01", "HOME HEALTH CARE": "06", "SKILLED NURSING FACILITY": "03", "DIED": "20", "REHAB": "62",
    "CHRONIC/LONG TERM ACUTE CARE": "63", "HOSPICE": "50", "AGAINST ADVICE": "07", "PSYCH FACILITY": "65",
    "ACUTE HOSPITAL": "02", "OTHER FACILITY": "70", "HEALTHCARE FACILITY": "70", "ASSISTED LIVING": "01",
}
PAYERS = {"MEDICARE": ("Medicare", "medicare"), "MEDICAID": ("Medicaid", "medicaid"),
          "OTHER": ("Other (MIMIC: neither Medicare nor Medicaid)", "other")}


def _table_name(path: Path) -> str:
    name = path.name.lower()
    for ext in (".gz", ".csv"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def _expand(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += [q for q in folder_files(p) if q.name.lower().endswith((".csv", ".csv.gz"))]
        else:
            out.append(p)
    return out


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _header(path: Path) -> list[str]:
    try:
        with _open_text(path) as fh:
            return [c.strip().lower() for c in next(csv.reader([fh.readline()]))]
    except (OSError, EOFError, StopIteration, UnicodeDecodeError, zlib.error, csv.Error):
        return []


def detect(paths: list[Path]) -> bool:
    """True when every file is a MIMIC-IV hosp table (by name and header) and admissions is among them."""
    files = _expand(paths)
    if not files:
        return False
    names = set()
    for p in files:
        t = _table_name(p)
        if t in IGNORED:
            continue
        if t not in TABLES or not set(TABLES[t]) <= set(_header(p)):
            return False
        names.add(t)
    return "admissions" in names


def _check_complete(path: Path, header: list[str]) -> int:
    """Read the file to its end: a cut gzip stream or a last record with fewer fields than the header
    is a truncated file. Returns the number of data rows."""
    n, last = 0, ""
    try:
        with _open_text(path) as fh:
            fh.readline()
            for line in fh:
                if line.strip():
                    n += 1
                    last = line
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise ImportFormatError(path, n + 1, f"truncated or corrupt file: {exc}; nothing was imported") from None
    except UnicodeDecodeError:
        raise ImportFormatError(path, n + 2, "not UTF-8 text; nothing was imported") from None
    if last:
        fields = next(csv.reader([last]), [])
        if len(fields) < len(header) or not last.endswith("\n") and last.count('"') % 2:
            raise ImportFormatError(path, n + 1, f"truncated file: the last record has {len(fields)} of the "
                                                 f"header's {len(header)} fields; nothing was imported")
    return n


def convert(paths: list[Path], out_dir: Path, con=None) -> ImportSummary:
    files = _expand([Path(p) for p in paths])
    summary = ImportSummary(format=FORMAT, files=[str(p) for p in files])
    by_table: dict[str, Path] = {}
    ignored = [p.name for p in files if _table_name(p) in IGNORED]
    if ignored:
        summary.notes.append(f"MIMIC-IV tables codedash does not use, not read: {', '.join(ignored)}")
    for p in files:
        t = _table_name(p)
        if t in IGNORED:
            continue
        if t not in TABLES:
            raise ImportFormatError(p, None, f"unknown layout: {p.name} is not a MIMIC-IV hosp table codedash reads "
                                             f"({', '.join(TABLES)})")
        if t in by_table:
            raise ImportFormatError(p, None, f"{t} given twice ({by_table[t].name} and {p.name})")
        header = _header(p)
        missing = [c for c in TABLES[t] if c not in header]
        if missing:
            raise ImportFormatError(p, 1, f"unknown {t} layout: header lacks required column(s) {', '.join(missing)} "
                                          f"(MIMIC-IV 2.x expected)")
        _check_complete(p, header)
        by_table[t] = p
    for t in REQUIRED:
        if t not in by_table:
            raise ImportFormatError(None, None, f"MIMIC-IV import needs {t}.csv(.gz) (given: "
                                                f"{', '.join(p.name for p in files) or 'nothing'})")

    with scratch(None) as s:
        for t, p in by_table.items():
            summary.rows_read.update(stage(s, f"src_{t}", [(p, ",")]))
        for t in TABLES:  # empty stand-ins for optional tables that were not given
            if t not in by_table:
                cols = ", ".join(f"cast(null as varchar) as {c}" for c in TABLES[t])
                s.execute(f"create view src_{t} as select {cols}, cast(null as varchar) as _file, "
                          f"cast(null as bigint) as _line where false")
        _check_values(s)
        src = ", ".join(p.name for p in by_table.values())
        _build(s, src)
        add_origins(s, first_lines("src_admissions", "trim(hadm_id)"))
        written = write_tables(s, out_dir, ["facilities", "payers", "providers", "encounters", "diagnoses",
                                            "procedures", "service_lines"])
        summary.rows_written = written
        summary.notes += _notes(s)
    return summary


def _check_values(s) -> None:
    """First value that does not parse -> ImportFormatError with its file and line."""
    checks = [
        ("src_admissions", "hadm_id", "try_cast({c} as bigint)", "an integer hadm_id"),
        ("src_admissions", "admittime", "try_cast({c} as timestamp)", "a timestamp"),
        ("src_admissions", "dischtime", "try_cast({c} as timestamp)", "a timestamp"),
        ("src_patients", "anchor_age", "try_cast({c} as integer)", "an integer"),
        ("src_patients", "anchor_year", "try_cast({c} as integer)", "an integer"),
        ("src_diagnoses_icd", "seq_num", "try_cast({c} as smallint)", "an integer"),
        ("src_diagnoses_icd", "icd_version", "case when trim({c}) in ('9', '10') then 1 end", "9 or 10"),
        ("src_procedures_icd", "seq_num", "try_cast({c} as smallint)", "an integer"),
        ("src_procedures_icd", "icd_version", "case when trim({c}) in ('9', '10') then 1 end", "9 or 10"),
        ("src_procedures_icd", "chartdate", "try_cast({c} as date)", "a date"),
        ("src_hcpcsevents", "chartdate", "try_cast({c} as date)", "a date"),
    ]
    for view, col, expr, what in checks:
        row = s.execute(f"select _file, _line, {col} from {view} where nullif(trim({col}), '') is not null "
                        f"and ({expr.format(c=col)}) is null order by _line limit 1").fetchone()
        if row:
            raise ImportFormatError(row[0], row[1], f"{col} = {row[2]!r} is not {what}")
    for col in ("hadm_id", "subject_id", "admittime", "dischtime"):
        row = s.execute(f"select _file, _line from src_admissions where nullif(trim({col}), '') is null "
                        "limit 1").fetchone()
        if row:
            raise ImportFormatError(row[0], row[1], f"{col} is empty")


def _build(s, src: str) -> None:
    svc = ", ".join(f"('{k}', '{v}')" for k, v in SERVICE_SPECIALTY.items())
    dis = ", ".join(f"('{k}', '{v}')" for k, v in DISCHARGE_STATUS.items())
    s.execute(f"create temp table map_service(service varchar, specialty varchar); insert into map_service values {svc}")
    s.execute(f"create temp table map_discharge(location varchar, status varchar); insert into map_discharge values {dis}")
    insert(s, "facilities", "select ? as facility_id, ? as facility_name, ? as state, ? as facility_type"
           .replace("?", "{}").format(*(f"'{v}'" for v in FACILITY)), src)
    payers = " union all ".join(f"select '{k}' as payer_id, '{n}' as payer_name, '{t}' as payer_type"
                                for k, (n, t) in PAYERS.items())
    insert(s, "payers", f"""
        select * from ({payers})
        where payer_id in (select upper(trim(insurance)) from src_admissions)""", src)
    insert(s, "providers", """
        select distinct trim(admit_provider_id) as provider_id from src_admissions
        where nullif(trim(admit_provider_id), '') is not null""" if _has(s, "src_admissions", "admit_provider_id")
           else "select null as provider_id where false", src)
    admit_provider = "nullif(trim(a.admit_provider_id), '')" if _has(s, "src_admissions", "admit_provider_id") \
        else "null"
    insert(s, "encounters", f"""
        with first_service as (
            select trim(hadm_id) as hadm_id, upper(trim(curr_service)) as service,
                   row_number() over (partition by trim(hadm_id) order by cast(transfertime as timestamp), _line) as rn
            from src_services
        ),
        ms_drg as (
            select trim(hadm_id) as hadm_id, min(lpad(trim(drg_code), 3, '0')) as drg_code
            from src_drgcodes where upper(trim(drg_type)) = 'HCFA' group by 1
        ),
        adm as (
            select a.*, cast(a.admittime as timestamp) as t_in, cast(a.dischtime as timestamp) as t_out
            from src_admissions as a
        )
        select trim(a.hadm_id) as encounter_id,
               trim(a.subject_id) as patient_id,
               '{FACILITY[0]}' as facility_id,
               case when upper(a.admission_type) like '%OBSERVATION%' then 'outpatient' else 'inpatient' end
                   as encounter_type,
               cast(a.t_in as date) as admit_date,
               cast(greatest(a.t_out, a.t_in) as date) as discharge_date,
               d.status as discharge_status,
               {admit_provider} as attending_provider_id,
               m.specialty as specialty_code,
               case when upper(a.admission_type) like '%OBSERVATION%' then '22' else '21' end as place_of_service,
               case when upper(trim(a.insurance)) in ('MEDICARE', 'MEDICAID', 'OTHER') then upper(trim(a.insurance))
                    end as payer_id,
               case upper(trim(a.insurance)) when 'MEDICARE' then 'medicare' when 'MEDICAID' then 'medicaid'
                    when 'OTHER' then 'other' end as payer_type,
               g.drg_code as drg_code,
               cast(null as integer) as drg_version,
               cast(least(90, greatest(0, cast(p.anchor_age as integer)
                    + year(a.t_in) - cast(p.anchor_year as integer))) as smallint) as age_years,
               case upper(trim(p.gender)) when 'F' then 'F' when 'M' then 'M' else 'U' end as sex
        from adm as a
        left join src_patients as p on trim(p.subject_id) = trim(a.subject_id)
        left join map_discharge as d on d.location = upper(trim(a.discharge_location))
        left join first_service as f on f.hadm_id = trim(a.hadm_id) and f.rn = 1
        left join map_service as m on m.service = f.service
        left join ms_drg as g on g.hadm_id = trim(a.hadm_id)
        order by a._line""", src)
    insert(s, "diagnoses", f"""
        select trim(d.hadm_id) as encounter_id, cast(d.seq_num as smallint) as sequence,
               case trim(d.icd_version) when '9' then 'ICD9CM' else 'ICD10CM' end as code_system,
               {norm('d.icd_code')} as code, null as code_version, null as poa
        from src_diagnoses_icd as d
        where trim(d.hadm_id) in (select encounter_id from encounters) and {norm('d.icd_code')} is not null
        order by d._line""", src)
    insert(s, "procedures", f"""
        select trim(d.hadm_id) as encounter_id, cast(d.seq_num as smallint) as sequence,
               case trim(d.icd_version) when '9' then 'ICD9PCS' else 'ICD10PCS' end as code_system,
               {norm('d.icd_code')} as code, null as code_version, cast(d.chartdate as date) as procedure_date
        from src_procedures_icd as d
        where trim(d.hadm_id) in (select encounter_id from encounters) and {norm('d.icd_code')} is not null
        order by d._line""", src)
    insert(s, "service_lines", f"""
        with h as (
            select trim(hadm_id) as hadm_id, {norm('hcpcs_cd')} as code, cast(chartdate as date) as chartdate,
                   row_number() over (partition by trim(hadm_id)
                                      order by try_cast(seq_num as integer), _line) as line_number
            from src_hcpcsevents
            where trim(hadm_id) in (select encounter_id from encounters) and {norm('hcpcs_cd')} is not null
        )
        select h.hadm_id as encounter_id, cast(h.line_number as smallint) as line_number, h.hadm_id as claim_id,
               coalesce(h.chartdate, e.admit_date) as service_date,
               case when regexp_full_match(h.code, '[0-9]{{5}}|[0-9]{{4}}[FTU]') then 'CPT' else 'HCPCS' end
                   as code_system,
               h.code as code, cast(1 as decimal(10,2)) as units, cast(0 as decimal(14,2)) as charge_amount
        from h join encounters as e on e.encounter_id = h.hadm_id
        order by h.hadm_id, h.line_number""", src)


def _has(s, view: str, col: str) -> bool:
    return col in {r[0] for r in s.execute(f"describe {view}").fetchall()}


def _notes(s) -> list[str]:
    q = s.execute
    apr = q("select count(*) from src_drgcodes where upper(trim(drg_type)) = 'APR'").fetchone()[0]
    other_drg = q("select count(*) from src_drgcodes where upper(trim(drg_type)) not in ('APR', 'HCFA')").fetchone()[0]
    orphans = sum(q(f"select count(*) from src_{t} where trim(hadm_id) not in (select encounter_id from encounters)")
                  .fetchone()[0] for t in ("diagnoses_icd", "procedures_icd", "hcpcsevents"))
    no_patient = q("select count(*) from encounters where age_years is null").fetchone()[0]
    no_spec = q("select count(*) from encounters where specialty_code is null").fetchone()[0]
    notes = [
        "dates are MIMIC's shifted dates (2110-2201), kept as recorded: code_version (fiscal year) and drg_version "
        "are left empty, so code-set validity by fiscal year and DRG weights (case mix index) do not apply",
        f"{apr} APR-DRG rows (drg_type 'APR', with severity/mortality) not loaded: encounters.drg_code holds the "
        "MS-DRG (drg_type 'HCFA') only",
        "hcpcsevents carry no charges: service_lines.charge_amount is 0.00 and allowed/paid are empty; "
        "short_description is not stored",
        "no claims, remittances, coders, audits or payments in MIMIC: those views are empty for this source",
    ]
    if no_spec:
        notes.append(f"{no_spec} encounters without a specialty (first service has no CMS specialty match, "
                     "e.g. newborn)")
    if other_drg:
        notes.append(f"{other_drg} drgcodes rows of another drg_type not loaded")
    if orphans:
        notes.append(f"{orphans} diagnosis/procedure/HCPCS rows whose hadm_id is not in admissions dropped")
    if no_patient:
        notes.append(f"{no_patient} admissions without a patients row: age unknown")
    return notes
