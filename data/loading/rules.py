"""One SQL rule per catalog check id (the registry). Each rule returns the failing rows of one table.

A rule is `rule(scope, table, check) -> sql | None` (None = the check does not apply to the table).
The SQL selects one row per failing value with the columns
    _row, _line, column_name, value, message, encounter_id
from `scope.rel(table)` (the rows being checked: a staging table with file line numbers, or a view on a
loaded table) and may look up `scope.all_rows(t)` (every row the database will hold) and ref_* tables.
Table and column names come from schema.sql (data.loading.tables); the only literals formatted into
SQL are catalog parameters and the run date, both ours.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from codedash.data.loading.catalog import Check
from codedash.data.loading.tables import Table, quote, schema

RULES: dict[str, Callable] = {}
ICD10_START = "2015-10-01"
OUT = "_row, _line, {col} as column_name, {value} as value, {msg} as message, {enc} as encounter_id"


def rule(check_id: str):
    def register(fn):
        RULES[check_id] = fn
        return fn
    return register


def lit(text: str) -> str:
    """A SQL string literal for our own constant text."""
    return "'" + str(text).replace("'", "''") + "'"


def enc(t: Table, alias: str = "") -> str:
    return f"{alias}encounter_id" if "encounter_id" in t.column_names else "cast(null as varchar)"


def out(t: Table, col: str | None, value: str, message: str, alias: str = "") -> str:
    a = alias
    return (f"{a}_row as _row, {a}_line as _line, {lit(col) if col else 'cast(null as varchar)'} as column_name, "
            f"cast({value} as varchar) as value, {message} as message, {enc(t, a)} as encounter_id")


def union(parts: list[str]) -> str | None:
    return "\nunion all\n".join(parts) if parts else None


def fy(expr: str) -> str:
    return f"(year({expr}) + case when month({expr}) >= 10 then 1 else 0 end)"


class Scope:
    """Where the rows under check live. Subclassed by the loader (staging tables) and for table checks."""
    today: date

    def rel(self, table: str) -> str:
        raise NotImplementedError

    def all_rows(self, table: str) -> str:
        raise NotImplementedError

    def existing(self, table: str) -> str | None:
        return None


# -- values and keys ----------------------------------------------------------------------------------

@rule("VALUE_REQUIRED")
def value_required(scope: Scope, t: Table, check: Check):
    return union([f"select {out(t, c.name, 'null', lit('required value is missing'))} "
                  f"from {scope.rel(t.name)} where {quote(c.name)} is null"
                  for c in t.columns if c.not_null])


@rule("PK_UNIQUE")
def pk_unique(scope: Scope, t: Table, check: Check):
    if not t.primary_key:
        return None
    keys = ", ".join(quote(k) for k in t.primary_key)
    label = ", ".join(t.primary_key)
    value = "concat_ws('|', " + ", ".join(f"cast({quote(k)} as varchar)" for k in t.primary_key) + ")"
    parts = [f"""
        select {out(t, label, value, "'duplicate primary key (" + label + "): first on line ' || first_line")}
        from (select *, row_number() over (partition by {keys} order by _row) as n_,
                     min(_line) over (partition by {keys}) as first_line
              from {scope.rel(t.name)}) where n_ > 1"""]
    if scope.existing(t.name):
        parts.append(f"""
        select {out(t, label, value, lit('primary key (' + label + ') is already loaded (append mode)'), 'r.')}
        from {scope.rel(t.name)} r semi join {scope.existing(t.name)} x using ({keys})""")
    return union(parts)


@rule("FK_ENCOUNTER")
def fk_encounter(scope: Scope, t: Table, check: Check):
    if t.name == "encounters" or "encounter_id" not in t.column_names:
        return None
    return (f"select {out(t, 'encounter_id', 'r.encounter_id', lit('no such encounter (orphan row)'), 'r.')} "
            f"from {scope.rel(t.name)} r anti join (select encounter_id from {scope.all_rows('encounters')}) e "
            f"using (encounter_id) where r.encounter_id is not null")


@rule("CLAIM_ONE_ENCOUNTER")
def claim_one_encounter(scope: Scope, t: Table, check: Check):
    # The marts count a claim once, in its encounter's cells (data/marts/mart_claims_initial.sql): a claim
    # spread over encounters would be counted in several, so it is refused rather than silently split.
    msg = ("'claim ' || r.claim_id || ' also has lines of encounter ' || o.first_encounter "
           "|| ': a claim belongs to one encounter'")
    return f"""select {out(t, 'encounter_id', 'r.encounter_id', msg, 'r.')}
        from {scope.rel(t.name)} r
        join (select claim_id, min(encounter_id) as first_encounter from {scope.all_rows(t.name)}
              group by claim_id having count(distinct encounter_id) > 1) o using (claim_id)
        where r.encounter_id <> o.first_encounter"""


# -- codes ---------------------------------------------------------------------------------------------

def _with_discharge(scope: Scope, t: Table) -> str:
    return (f"{scope.rel(t.name)} r left join (select encounter_id, discharge_date from "
            f"{scope.all_rows('encounters')}) e using (encounter_id)")


@rule("DX_CODE_SYSTEM")
def dx_code_system(scope, t, check):
    return (f"select {out(t, 'code_system', 'code_system', lit('code system must be ICD10CM or ICD9CM'))} "
            f"from {scope.rel(t.name)} where code_system not in ('ICD10CM', 'ICD9CM')")


@rule("DX_SYSTEM_FOR_DATE")
def dx_system_for_date(scope, t, check):
    start = check.parameter or ICD10_START
    return f"""select {out(t, 'code_system', 'r.code_system', f'''case when r.code_system = 'ICD9CM'
               then 'ICD-9-CM code on a discharge of ' || e.discharge_date || ' (ICD-9-CM is accepted only before {start})'
               else 'ICD-10-CM code on a discharge of ' || e.discharge_date || ' (before ICD-10-CM took effect on {start})' end''', 'r.')}
        from {_with_discharge(scope, t)}
        where (r.code_system = 'ICD9CM' and e.discharge_date >= date '{start}')
           or (r.code_system = 'ICD10CM' and e.discharge_date < date '{start}')"""


@rule("DX_ICD10CM_EXISTS")
def dx_exists(scope, t, check):
    return (f"select {out(t, 'code', 'r.code', lit('not an ICD-10-CM code'), 'r.')} from {scope.rel(t.name)} r "
            f"anti join ref_icd10cm x on x.code = r.code where r.code_system = 'ICD10CM'")


@rule("DX_ICD10CM_BILLABLE")
def dx_billable(scope, t, check):
    msg = "'not billable: ' || x.level || ' ' || x.code_dotted || ' needs more characters'"
    return (f"select {out(t, 'code', 'r.code', msg, 'r.')} "
            f"from {scope.rel(t.name)} r join ref_icd10cm x on x.code = r.code "
            f"where r.code_system = 'ICD10CM' and not x.billable")


@rule("DX_ICD10CM_VALID_FY")
def dx_valid_fy(scope, t, check):
    year = fy("e.discharge_date")
    msg = (f"'not valid in FY' || {year} || ' (discharge ' || e.discharge_date || '); valid ' || "
           f"case when x.valid_from_fy is not null then 'from FY' || x.valid_from_fy else '' end || "
           f"case when x.valid_from_fy is not null and x.valid_to_fy is not null then ' ' else '' end || "
           f"case when x.valid_to_fy is not null then 'to FY' || x.valid_to_fy else '' end")
    return f"""select {out(t, 'code', 'r.code', msg, 'r.')}
        from {_with_discharge(scope, t)} join ref_icd10cm x on x.code = r.code
        where r.code_system = 'ICD10CM' and x.billable and e.discharge_date is not null
          and ((x.valid_from_fy is not null and {year} < x.valid_from_fy)
            or (x.valid_to_fy is not null and {year} > x.valid_to_fy))"""


@rule("DX_ICD9CM_FORMAT")
def dx_icd9_format(scope, t, check):
    return (f"select {out(t, 'code', 'code', lit('not a well-formed ICD-9-CM diagnosis code'))} "
            f"from {scope.rel(t.name)} where code_system = 'ICD9CM' "
            f"and not regexp_full_match(code, '[0-9]{{3,5}}|V[0-9]{{2,4}}|E[0-9]{{3,4}}')")


@rule("PX_CODE_SYSTEM")
def px_code_system(scope, t, check):
    return (f"select {out(t, 'code_system', 'code_system', lit('code system must be ICD10PCS or ICD9PCS'))} "
            f"from {scope.rel(t.name)} where code_system not in ('ICD10PCS', 'ICD9PCS')")


@rule("PX_SYSTEM_FOR_DATE")
def px_system_for_date(scope, t, check):
    start = check.parameter or ICD10_START
    d = "coalesce(r.procedure_date, e.discharge_date)"
    return f"""select {out(t, 'code_system', 'r.code_system', f'''case when r.code_system = 'ICD9PCS'
               then 'ICD-9 procedure code on ' || {d} || ' (accepted only before {start})'
               else 'ICD-10-PCS code on ' || {d} || ' (before ICD-10-PCS took effect on {start})' end''', 'r.')}
        from {_with_discharge(scope, t)}
        where (r.code_system = 'ICD9PCS' and {d} >= date '{start}')
           or (r.code_system = 'ICD10PCS' and {d} < date '{start}')"""


PCS_PATTERN = "[0-9A-HJ-NP-Z]{7}"


@rule("PX_ICD10PCS_FORMAT")
def px_format(scope, t, check):
    return (f"select {out(t, 'code', 'code', lit('not an ICD-10-PCS code: 7 characters 0-9, A-Z without I and O'))} "
            f"from {scope.rel(t.name)} where code_system = 'ICD10PCS' and not regexp_full_match(code, '{PCS_PATTERN}')")


@rule("PX_ICD10PCS_KNOWN")
def px_known(scope, t, check):
    return (f"select {out(t, 'code', 'r.code', lit('ICD-10-PCS code unknown to the MS-DRG grouper tables'), 'r.')} "
            f"from {scope.rel(t.name)} r anti join ref_icd10pcs x on x.code = r.code "
            f"where r.code_system = 'ICD10PCS' and regexp_full_match(r.code, '{PCS_PATTERN}')")


@rule("SL_CODE_FORMAT")
def sl_code_format(scope, t, check):
    msg = """case when code_system is null then 'code without a code system (CPT or HCPCS)'
                  when code_system = 'CPT' then 'not a CPT code: 4 digits and a digit or letter'
                  when code_system = 'HCPCS' then 'not a HCPCS Level II code: a letter A-V and 4 digits'
                  else 'code system must be CPT or HCPCS' end"""
    return f"""select {out(t, 'code', 'code', msg)} from {scope.rel(t.name)}
        where code is not null and not coalesce(
            (code_system = 'CPT' and regexp_full_match(code, '[0-9]{{4}}[0-9A-Z]'))
         or (code_system = 'HCPCS' and regexp_full_match(code, '[A-V][0-9]{{4}}')), false)"""


@rule("DRG_VALID_FOR_VERSION")
def drg_valid(scope, t, check):
    msg = """case when r.drg_version is null then 'MS-DRG without a grouper version (drg_version)'
                  when v.drg_version is null then 'unknown grouper version ' || r.drg_version || ' (known: 41, 411, 42, 421, 43, 431)'
                  else 'not an MS-DRG of grouper version ' || r.drg_version end"""
    return f"""select {out(t, 'drg_code', 'r.drg_code', msg, 'r.')}
        from {scope.rel(t.name)} r
        left join (select distinct drg_version from ref_msdrg) v on v.drg_version = r.drg_version
        anti join ref_msdrg x on x.drg_version = r.drg_version and x.drg_code = r.drg_code
        where r.drg_code is not null"""


@rule("CARC_GROUP_VALID")
def carc_group(scope, t, check):
    if "carc_group" not in t.column_names:
        return None
    allowed = (check.parameter or "CO|PR|OA|PI|CR").split("|")
    return (f"select {out(t, 'carc_group', 'carc_group', lit('claim adjustment group must be ' + ', '.join(allowed)))} "
            f"from {scope.rel(t.name)} where carc_group not in ({', '.join(lit(a) for a in allowed)})")


@rule("CARC_CODE_VALID")
def carc_code(scope, t, check):
    if "carc_code" not in t.column_names:
        return None
    msg = """case when not regexp_full_match(r.carc_code, '[0-9]{1,3}|[A-Z][0-9]{1,2}')
                  then 'malformed reason code: 1-3 digits or a letter and 1-2 digits'
                  else 'unknown claim adjustment reason code (not in ref_carc)' end"""
    return (f"select {out(t, 'carc_code', 'r.carc_code', msg, 'r.')} from {scope.rel(t.name)} r "
            f"anti join ref_carc x on x.carc_code = r.carc_code where r.carc_code is not null")


# -- dates ---------------------------------------------------------------------------------------------

@rule("DATE_NOT_FUTURE")
def date_not_future(scope, t, check):
    today = scope.today.isoformat()
    return union([f"select {out(t, c, quote(c), lit(f'date in the future (after {today})'))} "
                  f"from {scope.rel(t.name)} where cast({quote(c)} as date) > date '{today}'"
                  for c in t.columns_of_type("DATE", "TIMESTAMP")])


@rule("DATE_NOT_BEFORE_1950")
def date_not_before(scope, t, check):
    floor = check.parameter or "1950-01-01"
    return union([f"select {out(t, c, quote(c), lit(f'date before {floor}'))} "
                  f"from {scope.rel(t.name)} where {quote(c)} < date '{floor}'"
                  for c in t.columns_of_type("DATE", "TIMESTAMP")])


@rule("ENC_DISCHARGE_AFTER_ADMIT")
def discharge_after_admit(scope, t, check):
    msg = "'discharge before admission (' || admit_date || ')'"
    return (f"select {out(t, 'discharge_date', 'discharge_date', msg)} "
            f"from {scope.rel(t.name)} where discharge_date < admit_date")


@rule("ADJ_NOT_BEFORE_SERVICE")
def adj_not_before_service(scope, t, check):
    return f"""select {out(t, 'adjudication_date', 'r.adjudication_date',
                       "'adjudicated before the service date (' || s.service_date || ')'", 'r.')}
        from {scope.rel(t.name)} r join (select encounter_id, line_number, service_date
                                         from {scope.all_rows('service_lines')}) s
          on s.encounter_id = r.encounter_id and s.line_number = r.line_number
        where r.adjudication_date < s.service_date"""


# -- amounts -------------------------------------------------------------------------------------------

def amount_columns(t: Table, signed_ok: bool = False) -> list[str]:
    cols = t.columns_of_type("DECIMAL(14,2)")
    return [c for c in cols if not (signed_ok and (t.name, c) == ("audits", "dollar_impact"))]


@rule("AMOUNT_ORDER")
def amount_order(scope, t, check):
    charge = {"service_lines": "charge_amount", "adjudications": "billed_amount"}.get(t.name)
    if charge is None:
        return None
    msg = f"""case when paid_amount > allowed_amount then 'paid above allowed (' || allowed_amount || ')'
                  else 'allowed above the charge (' || {charge} || ')' end"""
    col = "case when paid_amount > allowed_amount then 'paid_amount' else 'allowed_amount' end"
    value = "case when paid_amount > allowed_amount then paid_amount else allowed_amount end"
    return (f"select _row, _line, {col} as column_name, cast({value} as varchar) as value, {msg} as message, "
            f"{enc(t)} as encounter_id from {scope.rel(t.name)} "
            f"where paid_amount > allowed_amount or allowed_amount > {charge}")


@rule("AMOUNT_NEGATIVE")
def amount_negative(scope, t, check):
    return union([f"select {out(t, c, quote(c), lit('negative amount: possible reversal'))} "
                  f"from {scope.rel(t.name)} where {quote(c)} < 0" for c in amount_columns(t, signed_ok=True)])


@rule("AMOUNT_ABSURD")
def amount_absurd(scope, t, check):
    limit = float(check.parameter or 10_000_000)
    return union([f"select {out(t, c, quote(c), lit(f'implausible amount (more than {limit:,.0f} dollars)'))} "
                  f"from {scope.rel(t.name)} where abs({quote(c)}) > {limit}" for c in amount_columns(t)])


UNIT_COLUMNS = {"service_lines": "units", "adjustments": "quantity"}


@rule("UNITS_NEGATIVE")
def units_negative(scope, t, check):
    col = UNIT_COLUMNS.get(t.name)
    if col is None:
        return None
    return (f"select {out(t, col, quote(col), lit('negative units: possible reversal or entry error'))} "
            f"from {scope.rel(t.name)} where {quote(col)} < 0")


# -- demographics --------------------------------------------------------------------------------------

@rule("AGE_RANGE")
def age_range(scope, t, check):
    top = int(float(check.parameter or 120))
    return (f"select {out(t, 'age_years', 'age_years', lit(f'age outside 0-{top}: stored as null'))} "
            f"from {scope.rel(t.name)} where age_years < 0 or age_years > {top}")


@rule("AGE_TOP_CODED")
def age_top_coded(scope, t, check):
    cap = int(float(check.parameter or 89))
    return (f"select {out(t, 'age_years', 'age_years', lit(f'age over {cap}: stored as {cap + 1} (90 or older)'))} "
            f"from {scope.rel(t.name)} where age_years > {cap + 1} and age_years <= 120")


@rule("SEX_ALLOWED")
def sex_allowed(scope, t, check):
    allowed = (check.parameter or "F|M|U").split("|")
    return (f"select {out(t, 'sex', 'sex', lit('sex must be ' + ', '.join(allowed)))} "
            f"from {scope.rel(t.name)} where sex not in ({', '.join(lit(a) for a in allowed)})")


def applicable(check: Check, table: str) -> bool:
    """Does a row rule run on this table? (catalog table_name '*' = every table the rule applies to)."""
    return check.check_id in RULES and check.table_name in ("*", table)


def row_sql(scope: Scope, check: Check, table: str) -> str | None:
    if not applicable(check, table):
        return None
    return RULES[check.check_id](scope, schema()[table], check)
