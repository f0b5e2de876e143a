"""OMOP Common Data Model v5.4 (OHDSI) -> canonical tables, from CSV or Parquet files (one per CDM table).

Reads person, visit_occurrence, condition_occurrence, procedure_occurrence, provider, care_site, location,
payer_plan_period, cost, concept, source_to_concept_map and cdm_source where present; every other CDM table
is recognised and left unread. Field names are those of the CDM v5.4 specification
(OHDSI/CommonDataModel inst/csv/OMOP_CDMv5.4_Field_Level.csv); file names may be upper or lower case.

One visit_occurrence is one encounter. Diagnoses are the condition_occurrence rows of a visit whose *source*
concept (condition_source_concept_id -> concept.vocabulary_id, or condition_source_value through
source_to_concept_map) is ICD10CM or ICD9CM: codedash counts the codes that were coded, not OMOP's standard
(SNOMED) concepts. ICD10PCS / ICD9Proc procedures go to procedures; CPT4 / HCPCS procedures to service lines
(charges from cost). Full mapping, and what is dropped and why: data/README.md, "### OMOP CDM v5.4".
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

from codedash.data.importers.base import (
    ImportFormatError,
    ImportSummary,
    add_origins,
    check_not_truncated,
    empty_reasons,
    folder_files,
    insert,
    norm,
    read_header,
    scratch,
    write_tables,
)

FORMAT = "omop"
SUFFIXES = (".csv", ".parquet")


class ParquetRowError(ImportFormatError):
    """An error in a Parquet file: `line` is the row number (1 = first row; Parquet has no header line)."""
    unit = "row"


# Tables read -> (CDM v5.4 required fields (isRequired = Yes), optional fields read when present).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "person": (("person_id", "gender_concept_id", "year_of_birth", "race_concept_id", "ethnicity_concept_id"),
               ("month_of_birth", "day_of_birth", "birth_datetime")),
    "visit_occurrence": (("visit_occurrence_id", "person_id", "visit_concept_id", "visit_start_date",
                          "visit_end_date", "visit_type_concept_id"),
                         ("provider_id", "care_site_id", "discharged_to_concept_id")),
    "condition_occurrence": (("condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date",
                              "condition_type_concept_id"),
                             ("visit_occurrence_id", "condition_source_value", "condition_source_concept_id",
                              "condition_status_concept_id")),
    "procedure_occurrence": (("procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date",
                              "procedure_type_concept_id"),
                             ("visit_occurrence_id", "provider_id", "quantity", "procedure_source_value",
                              "procedure_source_concept_id", "modifier_source_value")),
    "provider": (("provider_id",), ("provider_name", "npi", "specialty_concept_id", "specialty_source_concept_id",
                                    "care_site_id")),
    "care_site": (("care_site_id",), ("care_site_name", "place_of_service_concept_id", "location_id")),
    "location": (("location_id",), ("state",)),
    "payer_plan_period": (("payer_plan_period_id", "person_id", "payer_plan_period_start_date",
                           "payer_plan_period_end_date"),
                          ("payer_concept_id", "payer_source_value")),
    "cost": (("cost_id", "cost_event_id", "cost_domain_id", "cost_type_concept_id"),
             ("total_charge", "total_paid", "amount_allowed", "drg_concept_id", "drg_source_value")),
    "concept": (("concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id", "concept_code",
                 "valid_start_date", "valid_end_date"), ()),
    "source_to_concept_map": (("source_code", "source_concept_id", "source_vocabulary_id", "target_concept_id",
                               "target_vocabulary_id", "valid_start_date", "valid_end_date"), ()),
    "cdm_source": (("cdm_source_name", "cdm_source_abbreviation", "cdm_holder", "source_release_date",
                    "cdm_release_date", "cdm_version_concept_id", "vocabulary_version"), ("cdm_version",)),
}
REQUIRED_TABLES = ("person", "visit_occurrence")
# The other CDM v5.4 tables: recognised (a whole CDM export folder can be given) but not read.
IGNORED = {"observation_period", "visit_detail", "drug_exposure", "device_exposure", "measurement", "observation",
           "death", "note", "note_nlp", "specimen", "fact_relationship", "drug_era", "dose_era", "condition_era",
           "episode", "episode_event", "metadata", "vocabulary", "domain", "concept_class", "concept_relationship",
           "relationship", "concept_synonym", "concept_ancestor", "drug_strength", "cohort", "cohort_definition"}
# Field names of CDM v5.3 that v5.4 renamed: their presence means an older layout.
V53_FIELDS = {"visit_occurrence": ("admitting_source_concept_id", "discharge_to_concept_id")}
CDM_V54_CONCEPT_ID = "756265"        # concept "OMOP CDM Version 5.4.0" (vocabulary CDM)

# OMOP vocabulary_id of a source concept -> canonical code system, and where the code goes.
VOCABULARIES = {"ICD10CM": "ICD10CM", "ICD9CM": "ICD9CM", "ICD10PCS": "ICD10PCS", "ICD9Proc": "ICD9PCS",
                "CPT4": "CPT", "HCPCS": "HCPCS"}
DX_SYSTEMS = ("ICD10CM", "ICD9CM")
PX_SYSTEMS = ("ICD10PCS", "ICD9PCS")
LINE_SYSTEMS = ("CPT", "HCPCS")

# visit_concept_id (Visit and CMS Place of Service vocabularies) -> (encounter_type, place of service).
# Any other visit concept: outpatient; its POS is the concept_code when concept says it is a CMS Place of
# Service concept.
VISITS = {
    "9201": ("inpatient", "21"),     # Inpatient Visit
    "262": ("inpatient", "21"),      # Emergency Room and Inpatient Visit
    "8717": ("inpatient", "21"),     # Inpatient Hospital (CMS POS 21)
    "9203": ("emergency", "23"),     # Emergency Room Visit
    "8870": ("emergency", "23"),     # Emergency Room - Hospital (CMS POS 23)
    "581477": ("office", "11"),      # Office Visit
    "8940": ("office", "11"),        # Office (CMS POS 11)
    "9202": ("outpatient", None),    # Outpatient Visit (office or hospital outpatient: POS unknown)
    "8756": ("outpatient", "22"),    # Outpatient Hospital (CMS POS 22)
    "5083": ("outpatient", "02"),    # Telehealth Visit
    "581476": ("outpatient", "12"),  # Home Visit
}
POS_TYPE = {"21": "inpatient", "23": "emergency", "11": "office"}
# discharged_to_concept_id -> UB-04 patient discharge status
DISCHARGE = {"8536": "01", "8863": "03", "8717": "02", "8546": "50", "8971": "65", "8920": "62",
             "4216643": "20"}
# care_site.place_of_service_concept_id -> facilities.facility_type
FACILITY_TYPE = {"8717": "hospital", "8756": "hospital", "8870": "hospital", "8940": "clinic", "8883": "asc"}
# condition_status_concept_id meaning principal / first-listed: Primary diagnosis, Primary admission diagnosis
PRIMARY_STATUS = ("32902", "32901")
UNKNOWN_FACILITY = ("OMOP_UNKNOWN", "Unknown care site (visit without care_site_id)")
EMPTY = {
    "adjudications": "no claim adjudication or denial data in this source (OMOP CDM has none)",
    "adjustments": "no claim adjustment (CAS) reason/amount pairs in this source (OMOP CDM has none)",
    "audits": "no audit data in this source (OMOP CDM carries no coding audits)",
    "audit_findings": "no audit data in this source (OMOP CDM carries no coding audits)",
    "coders": "no coder data in this source (OMOP CDM does not say who coded a visit)",
    "diagnoses": "no ICD-10-CM or ICD-9-CM source codes on the visits of this OMOP source (standard SNOMED "
                 "concepts are not loaded)",
    "procedures": "no ICD-10-PCS or ICD-9 procedure source codes on the visits of this OMOP source",
    "service_lines": "no CPT or HCPCS procedure source codes on the visits of this OMOP source",
    "payers": "no payer_plan_period rows with a payer in this OMOP source",
}


# ---------------------------------------------------------------------------------------------
# Finding the files
# ---------------------------------------------------------------------------------------------

def _table_name(path: Path) -> str | None:
    name = path.name.lower()
    for ext in SUFFIXES:
        if name.endswith(ext):
            return name[: -len(ext)]
    return None


def _expand(paths: list[Path]) -> list[tuple[Path, bool]]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [(q, False) for q in folder_files(p) if q.name.lower().endswith(SUFFIXES)
                    and not q.name.startswith("._")]
        else:
            out.append((p, True))
    return out


def _header(path: Path) -> list[str]:
    if path.name.lower().endswith(".parquet"):
        try:
            con = duckdb.connect()
            try:
                return [r[0].lower() for r in con.execute("describe select * from read_parquet(?)",
                                                          [str(path)]).fetchall()]
            finally:
                con.close()
        except duckdb.Error:
            return []
    return [c.lower() for c in read_header(path)[1]]


def detect(paths: list[Path]) -> bool:
    """True when person and visit_occurrence files with their CDM key columns are among the inputs and every
    file named explicitly is a CDM table (a folder may hold other files)."""
    try:
        files = _expand(paths)
    except ImportFormatError:
        return False
    names = set()
    for p, explicit in files:
        t = _table_name(p)
        known = t in TABLES or t in IGNORED
        if not known:
            if explicit:
                return False
            continue
        names.add(t)
    if not {"person", "visit_occurrence"} <= names:
        return False
    for p, _ in files:
        t = _table_name(p)
        if t in ("person", "visit_occurrence") and not {"person_id", f"{t}_id" if t != "person" else "year_of_birth"} \
                <= set(_header(p)):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Staging: every table as text with _file and _line (CSV: line in the file, header = 1; Parquet: row number)
# ---------------------------------------------------------------------------------------------

_LINE_RE = re.compile(r"[Ll]ine:?\s*(\d+)")


def _stage(s, table: str, path: Path, header: list[str], keep_ids: str | None = None) -> int:
    """Create view src_<table>: the fields read, as text (absent optional ones null), with _file and _line.

    Only those fields are kept while reading (the file is still parsed whole, strictly). keep_ids: for
    concept only, SQL of the concept ids worth keeping (a full Athena vocabulary export holds millions of
    concepts); the kept rows have no line number. Returns the rows kept."""
    required, optional = TABLES[table]
    have = set(header)
    literal = "'" + str(path).replace("'", "''") + "'"
    cols = ", ".join(f'cast("{c}" as varchar) as {c}' if c in have else f"cast(null as varchar) as {c}"
                     for c in required + optional)
    where = f' where trim(cast("concept_id" as varchar)) in ({keep_ids})' if keep_ids is not None else ""
    raw = f"raw_{table}"
    if path.name.lower().endswith(".parquet"):
        try:
            s.execute(f"create or replace table {raw} as select {cols} from read_parquet(?){where}", [str(path)])
        except duckdb.Error as exc:
            raise ImportFormatError(path, None, f"not a readable Parquet file: {str(exc).splitlines()[0]}") from None
        line = "cast(rowid + 1 as bigint)"
    else:
        delim, _ = read_header(path)
        check_not_truncated(path, delim, header)
        # Athena's vocabulary downloads (CONCEPT.csv, ...) are tab-delimited and unquoted: a '"' in a concept
        # name is text there, so tab-delimited files are read without quoting
        quote = "" if delim == "\t" else '"'
        try:
            s.execute(f"create or replace table {raw} as select {cols} from read_csv(?, delim = ?, header = true, "
                      "all_varchar = true, quote = ?, escape = ?, strict_mode = true, null_padding = false, "
                      f"auto_detect = true, sample_size = -1){where}", [str(path), delim, quote, quote])
        except duckdb.Error as exc:
            m = _LINE_RE.search(str(exc))
            raise ImportFormatError(path, int(m.group(1)) if m else None,
                                    f"not a well-formed delimited file: {str(exc).splitlines()[0]}") from None
        line = "cast(rowid + 2 as bigint)"
    if keep_ids is not None:
        line = "cast(null as bigint)"
    s.execute(f"create or replace view src_{table} as select *, cast({literal} as varchar) as _file, "
              f"{line} as _line from {raw}")
    return s.execute(f"select count(*) from {raw}").fetchone()[0]


def _error(file: str, line, message: str, field: str | None = None, value: str | None = None) -> ImportFormatError:
    if str(file).lower().endswith(".parquet"):
        return ParquetRowError(file, line, message, field, value)
    return ImportFormatError(file, line, message, field, value)


def _first_bad(s, table: str, where: str, column: str, message) -> None:
    """Raise for the first row of src_<table> matching `where`: message(value of column) at its file and line."""
    row = s.execute(f"select _file, _line, {column} from src_{table} where {where} order by _line limit 1").fetchone()
    if row:
        raise _error(row[0], row[1], message(row[2]), column, row[2])


def _date(v: str) -> str:
    """SQL: a CDM date (YYYY-MM-DD, or a datetime whose date part is taken) or null when it does not parse."""
    return f"coalesce(try_cast(trim({v}) as date), cast(try_cast(trim({v}) as timestamp) as date))"


def _check_values(s, present: set[str]) -> None:
    """The first empty required value or unparsable id, date or number -> ImportFormatError with file, line, field."""
    # integer ids (the CDM's varchar *_id fields, e.g. vocabulary_id and cost_domain_id, are not ids)
    ids = {t: [c for c in TABLES[t][0] + TABLES[t][1] if c.endswith("_id") and c != "cost_domain_id"]
           for t in TABLES if t not in ("concept", "source_to_concept_map", "cdm_source")}
    dates = {"visit_occurrence": ("visit_start_date", "visit_end_date"),
             "condition_occurrence": ("condition_start_date",), "procedure_occurrence": ("procedure_date",),
             "payer_plan_period": ("payer_plan_period_start_date", "payer_plan_period_end_date")}
    numbers = {"person": ("year_of_birth", "month_of_birth", "day_of_birth"), "procedure_occurrence": ("quantity",),
               "cost": ("total_charge", "total_paid", "amount_allowed")}
    must = {"person": ("person_id", "year_of_birth"),
            "visit_occurrence": ("visit_occurrence_id", "person_id", "visit_start_date", "visit_end_date"),
            "condition_occurrence": ("condition_occurrence_id", "person_id"),
            "procedure_occurrence": ("procedure_occurrence_id", "person_id", "procedure_date"),
            "provider": ("provider_id",), "care_site": ("care_site_id",), "location": ("location_id",),
            "payer_plan_period": ("payer_plan_period_id", "person_id", "payer_plan_period_start_date",
                                  "payer_plan_period_end_date"),
            "cost": ("cost_id", "cost_event_id", "cost_domain_id")}
    for t in (t for t in TABLES if t in present):
        for c in must.get(t, ()):
            _first_bad(s, t, f"nullif(trim({c}), '') is null", c, lambda v, c=c: f"{c} is empty (required by CDM v5.4)")
        for c in ids.get(t, ()):
            _first_bad(s, t, f"nullif(trim({c}), '') is not null and try_cast(trim({c}) as bigint) is null", c,
                       lambda v, c=c: f"{c} = {v!r} is not an integer id")
        for c in dates.get(t, ()):
            _first_bad(s, t, f"nullif(trim({c}), '') is not null and {_date(c)} is null", c,
                       lambda v, c=c: f"{c} = {v!r} is not a date (YYYY-MM-DD)")
        for c in numbers.get(t, ()):
            _first_bad(s, t, f"nullif(trim({c}), '') is not null and try_cast(trim({c}) as double) is null", c,
                       lambda v, c=c: f"{c} = {v!r} is not a number")
    for t, key in (("person", "person_id"), ("visit_occurrence", "visit_occurrence_id"), ("provider", "provider_id"),
                   ("care_site", "care_site_id")):
        if t in present:
            row = s.execute(f"select _file, _line, {key} from (select _file, _line, {key}, row_number() over "
                            f"(partition by trim({key}) order by _line) as n from src_{t}) where n = 2 "
                            "order by _line limit 1").fetchone()
            if row:
                raise _error(row[0], row[1], f"{key} {row[2].strip()} appears twice (it is the table's primary key)")
    _first_bad(s, "visit_occurrence", "trim(person_id) not in (select trim(person_id) from src_person)", "person_id",
               lambda v: f"person_id {v.strip()} is not in person")


def _check_version(s, summary: ImportSummary) -> None:
    """cdm_source.cdm_version (else cdm_version_concept_id) must say v5.4; without cdm_source, a note."""
    rows = s.execute("select _file, _line, trim(cdm_version), trim(cdm_version_concept_id) from src_cdm_source "
                     "order by _line").fetchall()
    if not rows:      # no cdm_source, or one without rows (ETLs often leave it empty)
        summary.notes.append("no cdm_source row: the CDM version is not stated; the files were read as CDM v5.4 "
                             "(their v5.4 field names were checked)")
        return
    for file, line, version, concept in rows:
        v = (version or "").lower().replace("cdm", "").strip().lstrip("v").strip()
        if v:
            if not re.fullmatch(r"5\.4(\.\d+)*", v):
                raise _error(file, line, f"cdm_version = {version!r}: unknown CDM version; codedash reads "
                                         "OMOP CDM v5.4")
        elif concept != CDM_V54_CONCEPT_ID:
            raise _error(file, line, f"cdm_version is empty and cdm_version_concept_id = {concept!r} is not "
                                     f"{CDM_V54_CONCEPT_ID} (OMOP CDM Version 5.4.0): unknown CDM version")


# ---------------------------------------------------------------------------------------------
# convert
# ---------------------------------------------------------------------------------------------

def convert(paths: list[Path], out_dir: Path, con=None) -> ImportSummary:
    listed = _expand([Path(p) for p in paths])
    summary = ImportSummary(format=FORMAT)
    files: dict[str, Path] = {}
    skipped, ignored = [], []
    for p, explicit in listed:
        t = _table_name(p)
        if t in IGNORED:
            ignored.append(p.name)
            continue
        if t not in TABLES:
            if explicit:
                raise ImportFormatError(p, None, f"unknown layout: {p.name} is not an OMOP CDM v5.4 table "
                                                 f"(.csv or .parquet named after the table, e.g. person.csv)")
            skipped.append(p.name)
            continue
        if t in files:
            raise ImportFormatError(p, None, f"{t} given twice ({files[t].name} and {p.name})")
        files[t] = p
    if ignored:
        summary.notes.append(f"OMOP CDM tables codedash does not use, not read: {', '.join(sorted(ignored))}")
    if skipped:
        summary.notes.append(f"files not named after an OMOP CDM table, skipped: {', '.join(sorted(skipped))}")
    for t in REQUIRED_TABLES:
        if t not in files:
            given = ", ".join(p.name for p, _ in listed) or "nothing"
            raise ImportFormatError(None, None, f"an OMOP CDM import needs the {t} table ({t}.csv or {t}.parquet); "
                                                f"given: {given}")
    headers = {}
    for t, p in files.items():
        header = _header(p)
        if not header:
            raise ImportFormatError(p, 1 if p.suffix.lower() == ".csv" else None,
                                    "empty or unreadable file: no header with the CDM field names")
        required = TABLES[t][0]
        missing = [c for c in required if c not in header]
        older = [c for c in V53_FIELDS.get(t, ()) if c in header]
        if older:
            raise ImportFormatError(p, 1 if p.suffix.lower() == ".csv" else None,
                                    f"unknown CDM version: {', '.join(older)} is a CDM v5.3 field name (v5.4 renamed "
                                    "it); codedash reads OMOP CDM v5.4")
        if missing:
            raise ImportFormatError(p, 1 if p.suffix.lower() == ".csv" else None,
                                    f"not a CDM v5.4 {t} table: lacks required field(s) {', '.join(missing)}")
        headers[t] = header
    if "condition_occurrence" in files and not {"concept", "source_to_concept_map"} & set(files):
        raise ImportFormatError(files["condition_occurrence"], None,
                                "condition_occurrence needs concept (or source_to_concept_map) beside it: without "
                                "the vocabulary_id of each source concept ICD-10-CM cannot be told from ICD-9-CM")
    summary.files = [str(files[t]) for t in TABLES if t in files]

    with scratch(None) as s:
        present = set(files)
        for t in TABLES:
            if t in files and t != "concept":
                summary.rows_read[files[t].name] = _stage(s, t, files[t], headers[t])
            elif t not in files:
                required, optional = TABLES[t]
                cols = ", ".join(f"cast(null as varchar) as {c}" for c in required + optional)
                s.execute(f"create table src_{t} as select {cols}, cast(null as varchar) as _file, "
                          "cast(null as bigint) as _line where false")
        _check_version(s, summary)
        if "concept" in files:
            kept = _stage(s, "concept", files["concept"], headers["concept"], keep_ids=_wanted_concepts())
            summary.rows_read[f"{files['concept'].name} (concepts referenced)"] = kept
        _check_values(s, present)
        _build(s, summary)
        add_origins(s, "select trim(visit_occurrence_id), _file, min(_line) from src_visit_occurrence group by all")
        add_origins(s, "select encounter_id, line_number, _file, _line from px_lines", lines=True)
        summary.rows_written = write_tables(s, out_dir, ["facilities", "payers", "providers", "encounters",
                                                         "diagnoses", "procedures", "service_lines"])
        summary.empty_reasons = empty_reasons(summary.rows_written, EMPTY)
    return summary


def _wanted_concepts() -> str:
    cols = [("condition_occurrence", "condition_source_concept_id"), ("condition_occurrence", "condition_concept_id"),
            ("procedure_occurrence", "procedure_source_concept_id"), ("procedure_occurrence", "procedure_concept_id"),
            ("visit_occurrence", "visit_concept_id"), ("provider", "specialty_concept_id"),
            ("provider", "specialty_source_concept_id"), ("payer_plan_period", "payer_concept_id"),
            ("cost", "drg_concept_id")]
    return " union ".join(f"select trim({c}) from src_{t}" for t, c in cols)


def _values(pairs: dict, name: str, cols: str) -> str:
    rows = ", ".join("(" + ", ".join("null" if v is None else f"'{v}'" for v in (k, *(w if isinstance(w, tuple)
                                                                                      else (w,)))) + ")"
                     for k, w in pairs.items())
    return f"create temp table {name}({cols}); insert into {name} values {rows}"


def _build(s, summary: ImportSummary) -> None:
    src = ", ".join(summary.files)
    s.execute(_values(VISITS, "map_visit", "concept_id varchar, encounter_type varchar, pos varchar"))
    s.execute(_values(DISCHARGE, "map_discharge", "concept_id varchar, status varchar"))
    s.execute(_values(FACILITY_TYPE, "map_facility_type", "concept_id varchar, facility_type varchar"))
    s.execute(_values(VOCABULARIES, "map_vocab", "vocabulary_id varchar, code_system varchar"))
    s.execute("""create temp table cpt as
                 select trim(concept_id) as concept_id, trim(vocabulary_id) as vocabulary_id,
                        trim(concept_code) as concept_code, concept_name
                 from src_concept qualify row_number() over (partition by trim(concept_id) order by _line) = 1""")

    # dimensions ------------------------------------------------------------------------------
    insert(s, "facilities", """
        select trim(cs.care_site_id) as facility_id,
               coalesce(nullif(trim(cs.care_site_name), ''), 'care site ' || trim(cs.care_site_id)) as facility_name,
               upper(nullif(trim(l.state), '')) as state, t.facility_type
        from src_care_site as cs
        left join (select * from src_location qualify row_number() over (partition by trim(location_id)
                   order by _line) = 1) as l on trim(l.location_id) = trim(cs.location_id)
        left join map_facility_type as t on t.concept_id = trim(cs.place_of_service_concept_id)
        order by cs._line""", src)
    insert(s, "providers", """
        select trim(p.provider_id) as provider_id, nullif(trim(p.provider_name), '') as provider_name,
               lpad(coalesce(c1.concept_code, c2.concept_code), 2, '0') as specialty_code,
               nullif(trim(p.care_site_id), '') as facility_id,
               case when regexp_full_match(trim(p.npi), '[0-9]{10}') then trim(p.npi) end as npi
        from src_provider as p
        left join cpt as c1 on c1.concept_id = trim(p.specialty_concept_id) and c1.vocabulary_id = 'Medicare Specialty'
        left join cpt as c2 on c2.concept_id = trim(p.specialty_source_concept_id)
                            and c2.vocabulary_id = 'Medicare Specialty'
        order by p._line""", src)
    s.execute("""create temp table plan as
        select pp.*, trim(pp.person_id) as pid,
               cast(""" + _date("pp.payer_plan_period_start_date") + """ as date) as d_from,
               cast(""" + _date("pp.payer_plan_period_end_date") + """ as date) as d_to,
               coalesce(nullif(trim(pp.payer_source_value), ''),
                        case when nullif(trim(pp.payer_concept_id), '') not in ('0') then
                             'payer concept ' || trim(pp.payer_concept_id) end) as payer_key,
               c.concept_code as sopt, c.concept_name as payer_concept_name, c.vocabulary_id as payer_vocab
        from src_payer_plan_period as pp
        left join cpt as c on c.concept_id = trim(pp.payer_concept_id)""")
    insert(s, "payers", """
        select payer_key as payer_id, coalesce(nullif(trim(payer_source_value), ''), payer_concept_name, payer_key)
                   as payer_name,
               case when payer_vocab = 'SOPT' then
                        case when sopt like '11%' then 'medicare_advantage' when sopt like '1%' then 'medicare'
                             when sopt like '2%' then 'medicaid' when sopt like '5%' or sopt like '6%' then 'commercial'
                             when sopt like '81%' or sopt like '82%' or sopt like '8%' then 'self_pay'
                             else 'other' end
                    when lower(payer_key) like '%medicare advantage%' then 'medicare_advantage'
                    when lower(payer_key) like '%medicare%' then 'medicare'
                    when lower(payer_key) like '%medicaid%' then 'medicaid'
                    when regexp_matches(lower(payer_key), 'self[ -]?pay|uninsured|no insurance') then 'self_pay'
                    else 'other' end as payer_type
        from plan where payer_key is not null
        qualify row_number() over (partition by payer_key order by _line) = 1
        order by _line""", src)

    # encounters ------------------------------------------------------------------------------
    s.execute(f"""create temp table visit as
        select v.*, trim(v.visit_occurrence_id) as vid, trim(v.person_id) as pid,
               cast({_date('v.visit_start_date')} as date) as d_in,
               cast({_date('v.visit_end_date')} as date) as d_out
        from src_visit_occurrence as v""")
    s.execute("""create temp table visit_payer as
        select v.vid, p.payer_key
        from visit as v join plan as p on p.pid = v.pid and v.d_in between p.d_from and p.d_to
        where p.payer_key is not null
        qualify row_number() over (partition by v.vid order by p.d_from desc, try_cast(p.payer_plan_period_id
                                   as bigint), p._line) = 1""")
    s.execute("""create temp table visit_cost as
        select trim(c.cost_event_id) as event_id, lower(trim(c.cost_domain_id)) as domain,
               try_cast(trim(c.total_charge) as decimal(14,2)) as charge,
               try_cast(trim(c.amount_allowed) as decimal(14,2)) as allowed,
               try_cast(trim(c.total_paid) as decimal(14,2)) as paid,
               coalesce(case when regexp_full_match(trim(c.drg_source_value), '[0-9]{1,3}')
                             then lpad(trim(c.drg_source_value), 3, '0') end,
                        case when d.vocabulary_id = 'DRG' and regexp_full_match(d.concept_code, '[0-9]{1,3}')
                             then lpad(d.concept_code, 3, '0') end) as drg
        from src_cost as c left join cpt as d on d.concept_id = trim(c.drg_concept_id)
        qualify row_number() over (partition by trim(c.cost_event_id), lower(trim(c.cost_domain_id))
                                   order by try_cast(c.cost_id as bigint), c._line) = 1""")
    s.execute(f"""create temp table pers as
        select trim(person_id) as pid, trim(gender_concept_id) as gender,
               coalesce(cast({_date('birth_datetime')} as date),
                        try_cast(cast(try_cast(year_of_birth as integer) as varchar) || '-' || lpad(trim(month_of_birth), 2, '0') || '-'
                                 || lpad(trim(day_of_birth), 2, '0') as date)) as born,
               try_cast(year_of_birth as integer) as yob
        from src_person""")
    insert(s, "encounters", f"""
        select v.vid as encounter_id, v.pid as patient_id,
               coalesce(nullif(trim(v.care_site_id), ''), pr.facility_id, '{UNKNOWN_FACILITY[0]}') as facility_id,
               coalesce(mv.encounter_type, case when vc.vocabulary_id = 'CMS Place of Service'
                        then map_pos.encounter_type end, 'outpatient') as encounter_type,
               v.d_in as admit_date, v.d_out as discharge_date,
               md.status as discharge_status,
               nullif(trim(v.provider_id), '') as attending_provider_id, pr.specialty_code,
               coalesce(mv.pos, case when vc.vocabulary_id = 'CMS Place of Service' then vc.concept_code end)
                   as place_of_service,
               vp.payer_key as payer_id, py.payer_type,
               vcost.drg as drg_code,
               case when vcost.drg is not null then case year(v.d_out) + case when month(v.d_out) >= 10 then 1
                    else 0 end when 2024 then 41 when 2025 then 42 when 2026 then 43 end end as drg_version,
               cast(least(90, greatest(0, case when p.born is not null then
                        year(v.d_in) - year(p.born) - case when month(v.d_in) * 100 + day(v.d_in)
                                                      < month(p.born) * 100 + day(p.born) then 1 else 0 end
                    else year(v.d_in) - p.yob end)) as smallint) as age_years,
               case p.gender when '8507' then 'M' when '8532' then 'F' else 'U' end as sex
        from visit as v
        left join pers as p on p.pid = v.pid
        left join providers as pr on pr.provider_id = trim(v.provider_id)
        left join map_visit as mv on mv.concept_id = trim(v.visit_concept_id)
        left join cpt as vc on vc.concept_id = trim(v.visit_concept_id)
        left join (select * from (values ('21', 'inpatient'), ('23', 'emergency'), ('11', 'office'))
                   as x(pos, encounter_type)) as map_pos on map_pos.pos = vc.concept_code
        left join map_discharge as md on md.concept_id = trim(v.discharged_to_concept_id)
        left join visit_payer as vp on vp.vid = v.vid
        left join payers as py on py.payer_id = vp.payer_key
        left join visit_cost as vcost on vcost.event_id = v.vid and vcost.domain = 'visit'
        order by v._line""", src)
    insert(s, "facilities", f"""
        select distinct e.facility_id, case when e.facility_id = '{UNKNOWN_FACILITY[0]}' then '{UNKNOWN_FACILITY[1]}'
                    else 'care site ' || e.facility_id || ' (not in care_site)' end as facility_name
        from encounters as e where e.facility_id not in (select facility_id from facilities)
        order by 1""", src)

    # source codes ----------------------------------------------------------------------------
    # STCM: a source code's vocabulary, by its normalised code (an ICD code may be written with or without dot)
    s.execute(f"""create temp table stcm as
        select distinct {norm('m.source_code')} as code, v.code_system
        from src_source_to_concept_map as m join map_vocab as v on v.vocabulary_id = trim(m.source_vocabulary_id)""")

    def resolved(table: str, kind: str, systems: tuple[str, ...]) -> str:
        date = "condition_start_date" if kind == "condition" else "procedure_date"
        sys_list = ", ".join(f"'{x}'" for x in systems)
        return f"""
            with c as (
                select o.*, trim(o.visit_occurrence_id) as vid,
                       -- a source concept the concept table knows decides (ICD or not); only an unknown or
                       -- 0 source concept falls back to the concept itself, then to source_to_concept_map
                       (k1.concept_id is not null and k1.concept_id <> '0') as source_known,
                       case when source_known then v1.code_system else v2.code_system end as concept_system,
                       case when source_known then k1.concept_code
                            when v2.code_system is not null then k2.concept_code end as concept_code,
                       {norm(f'o.{kind}_source_value')} as source_code,
                       cast({_date(f'o.{date}')} as date) as d
                from {table} as o
                left join cpt as k1 on k1.concept_id = trim(o.{kind}_source_concept_id)
                left join map_vocab as v1 on v1.vocabulary_id = k1.vocabulary_id
                left join cpt as k2 on k2.concept_id = trim(o.{kind}_concept_id)
                left join map_vocab as v2 on v2.vocabulary_id = k2.vocabulary_id
            ),
            m as (
                select c.*, coalesce(c.concept_system, case when c.source_known then null
                        when list_contains(x.systems, 'ICD10CM') and list_contains(x.systems, 'ICD9CM')
                        then case when c.d >= date '2015-10-01' then 'ICD10CM' else 'ICD9CM' end
                        else list_min(x.systems) end) as code_system,
                    case when c.concept_system is not null then {norm('c.concept_code')} else c.source_code end as code
                from c left join (select code, list_intersect(list(code_system), [{sys_list}]) as systems
                                  from stcm group by code) as x
                  on x.code = c.source_code and len(x.systems) > 0
            )
            select * from m"""

    s.execute(f"create temp table cond as {resolved('src_condition_occurrence', 'condition', DX_SYSTEMS)}")
    s.execute(f"create temp table proc as {resolved('src_procedure_occurrence', 'procedure', PX_SYSTEMS + LINE_SYSTEMS)}")
    fy = "(year(e.discharge_date) + case when month(e.discharge_date) >= 10 then 1 else 0 end)"
    dx_list = ", ".join(f"'{x}'" for x in DX_SYSTEMS)
    insert(s, "diagnoses", f"""
        with d as (
            select c.vid, c.code_system, c.code,
                   case when trim(c.condition_status_concept_id) in ({", ".join(f"'{x}'" for x in PRIMARY_STATUS)})
                        then 0 else 1 end as rank_primary,
                   try_cast(c.condition_occurrence_id as bigint) as oid, c._line
            from cond as c
            where c.code_system in ({dx_list}) and c.code is not null and c.vid in (select encounter_id from encounters)
            qualify row_number() over (partition by c.vid, c.code_system, c.code
                                       order by rank_primary, oid, c._line) = 1
        )
        select d.vid as encounter_id,
               cast(row_number() over (partition by d.vid order by d.rank_primary, d.oid, d._line) as smallint)
                   as sequence,
               d.code_system, d.code, 'FY' || cast({fy} as varchar) as code_version, cast(null as varchar) as poa
        from d join encounters as e on e.encounter_id = d.vid
        order by d.vid, sequence""", src)
    px_list = ", ".join(f"'{x}'" for x in PX_SYSTEMS)
    insert(s, "procedures", f"""
        select p.vid as encounter_id,
               cast(row_number() over (partition by p.vid order by p.d, try_cast(p.procedure_occurrence_id as bigint),
                                       p._line) as smallint) as sequence,
               p.code_system, p.code, 'FY' || cast({fy} as varchar) as code_version, p.d as procedure_date,
               nullif(trim(p.provider_id), '') as provider_id
        from proc as p join encounters as e on e.encounter_id = p.vid
        where p.code_system in ({px_list}) and p.code is not null
        order by p.vid, sequence""", src)
    line_list = ", ".join(f"'{x}'" for x in LINE_SYSTEMS)
    s.execute(f"""create temp table px_lines as
        select p.vid as encounter_id,
               cast(row_number() over (partition by p.vid order by p.d, try_cast(p.procedure_occurrence_id as bigint),
                                       p._line) as smallint) as line_number,
               p.*, string_split_regex(upper(trim(coalesce(p.modifier_source_value, ''))), '[^A-Z0-9]+') as mods
        from proc as p
        where p.code_system in ({line_list}) and p.code is not null and p.vid in (select encounter_id from encounters)""")
    insert(s, "service_lines", """
        select l.encounter_id, l.line_number, l.encounter_id as claim_id, l.d as service_date,
               l.code_system, l.code,
               nullif(l.mods[1], '') as modifier_1, nullif(l.mods[2], '') as modifier_2,
               nullif(l.mods[3], '') as modifier_3, nullif(l.mods[4], '') as modifier_4,
               coalesce(cast(nullif(try_cast(trim(l.quantity) as decimal(10,2)), 0) as decimal(10,2)),
                        cast(1 as decimal(10,2))) as units,
               coalesce(c.charge, cast(0 as decimal(14,2))) as charge_amount,
               c.allowed as allowed_amount, c.paid as paid_amount,
               nullif(trim(l.provider_id), '') as rendering_provider_id
        from px_lines as l
        left join visit_cost as c on c.event_id = trim(l.procedure_occurrence_id) and c.domain = 'procedure'
        order by l.encounter_id, l.line_number""", src)
    summary.notes += _notes(s)


def _notes(s) -> list[str]:
    q = lambda sql: s.execute(sql).fetchone()[0]  # noqa: E731
    notes = [
        "diagnoses are the ICD-10-CM / ICD-9-CM source codes of condition_occurrence (source concept's "
        "vocabulary_id, else source_to_concept_map); OMOP standard concepts (SNOMED) are not codes a coder "
        "assigned and are not loaded",
        "CDM v5.4 has no present-on-admission, coder, claim adjudication or denial fields: diagnoses.poa and "
        "the denial and coding-quality tables are empty",
        "no DRG grouper version in CDM v5.4: drg_version is that of the discharge fiscal year for FY2024-FY2026 "
        "(41/42/43); earlier DRGs kept with drg_version null",
    ]
    dx_other = s.execute("""select coalesce(k.vocabulary_id, 'unknown (no concept)'), count(*) from cond c
                            left join cpt k on k.concept_id = trim(c.condition_source_concept_id)
                            where c.code_system is null group by 1 order by 2 desc, 1""").fetchall()
    if dx_other:
        notes.append("condition_occurrence rows whose source code is not ICD-10-CM/ICD-9-CM, not loaded: "
                     + ", ".join(f"{n:,} {v}" for v, n in dx_other))
    no_visit = q("select count(*) from cond where code_system is not null and (vid is null or vid not in "
                 "(select encounter_id from encounters))")
    if no_visit:
        notes.append(f"{no_visit:,} ICD condition rows without a visit_occurrence_id of a loaded visit, not loaded "
                     "(an encounter-level model needs the visit)")
    dup = q(f"select count(*) from cond where code_system in ({', '.join(repr(x) for x in DX_SYSTEMS)}) and vid in "
            "(select encounter_id from encounters)") - q("select count(*) from diagnoses")
    if dup:
        notes.append(f"{dup:,} repeated ICD codes within a visit stored once (one row per code per encounter)")
    px_other = q("select count(*) from proc where code_system is null")
    if px_other:
        notes.append(f"{px_other:,} procedure_occurrence rows whose source code is not ICD-10-PCS, ICD-9 vol. 3, CPT "
                     "or HCPCS (e.g. SNOMED), not loaded")
    px_nov = q("select count(*) from proc where code_system is not null and (vid is null or vid not in "
               "(select encounter_id from encounters))")
    if px_nov:
        notes.append(f"{px_nov:,} coded procedure rows without a loaded visit, not loaded")
    unknown = q(f"select count(*) from encounters where facility_id = '{UNKNOWN_FACILITY[0]}'")
    if unknown:
        notes.append(f"{unknown:,} visits without a care site (visit, provider): facility {UNKNOWN_FACILITY[0]}")
    no_payer = q("select count(*) from encounters where payer_id is null")
    if no_payer:
        notes.append(f"{no_payer:,} visits with no payer_plan_period covering the visit start date: payer empty")
    no_charge = q("select count(*) from service_lines where charge_amount = 0")
    if no_charge:
        notes.append(f"{no_charge:,} CPT/HCPCS lines without a cost row (cost_domain_id 'Procedure'): charge 0.00")
    return notes
