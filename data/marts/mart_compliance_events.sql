-- mart: mart_compliance_events
-- grain: one row per compliance measure and encounter in the measure's denominator (measure_id, encounter_id, entity_id unique)
-- depends: mart_compliance_em_levels, mart_claims_initial, mart_denials_initial
-- purpose: The numerator and denominator of every outlier measure of queries/definitions/outlier_measures.csv, per encounter, attributed to the measure's entity (attending provider, coder or facility), with the encounter's filter dimensions: the compliance page sums it per entity under the global filters and never reads line, diagnosis or audit tables. The rules of each measure are written here once; docs/metrics.md ("Compliance outlier measures") states them with their sources.
with enc as (
    select encounter_id, discharge_date, admit_date, facility_id, specialty_code, payer_id, coder_id,
           attending_provider_id, encounter_type, drg_code, drg_version
    from encounters
),

-- E/M: lines at the two highest levels of the family over the family's E/M lines (CBR).
em as (
    select case em_family when 'office_new' then 'EM_OFFICE_NEW_HIGH'
                          when 'office_established' then 'EM_OFFICE_EST_HIGH'
                          when 'ed' then 'EM_ED_HIGH'
                          when 'inpatient_initial' then 'EM_IP_INITIAL_HIGH'
                          else 'EM_IP_SUBSEQUENT_HIGH' end as measure_id,
           encounter_id, provider_id as entity_id,
           sum(case when is_high = 1 then n_lines else 0 end) as numerator,
           sum(n_lines) as denominator
    from mart_compliance_em_levels
    where provider_id is not null
    group by em_family, encounter_id, provider_id
),

-- PEPPER inpatient target areas: one row per stay with its DRG's type, split level and family.
families as (
    select drg_version, base_drg, count(*) as n_members,
           max(case when severity = 'MCC' then 1 else 0 end) as has_mcc_member
    from ref_msdrg
    group by drg_version, base_drg
),

stay_cc as (
    select d.encounter_id, count(distinct d.code) as n_cc_mcc
    from diagnoses as d
    join enc as e on e.encounter_id = d.encounter_id
    join ref_cc_mcc as c on c.drg_version = e.drg_version and c.code = d.code
    where d.sequence > 1 and d.code_system = 'ICD10CM'
    group by d.encounter_id
),

stays as (
    select e.encounter_id, e.facility_id, e.attending_provider_id, m.drg_type, m.severity, e.drg_code,
           case when f.n_members > 1 then 1 else 0 end as split_family,
           f.has_mcc_member,
           date_diff('day', e.admit_date, e.discharge_date) as los,
           coalesce(c.n_cc_mcc, 0) as n_cc_mcc
    from enc as e
    join ref_msdrg as m on m.drg_version = e.drg_version and m.drg_code = e.drg_code
    join families as f on f.drg_version = m.drg_version and f.base_drg = m.base_drg
    left join stay_cc as c on c.encounter_id = e.encounter_id
    where e.encounter_type = 'inpatient'
),

pepper as (
    -- "with MCC" DRG of families split at MCC
    select 'PEP_MCC' as area, encounter_id, facility_id, attending_provider_id,
           case when severity = 'MCC' then 1 else 0 end as numerator, 1 as denominator
    from stays where split_family = 1 and has_mcc_member = 1
    union all
    -- medical DRGs with CC or MCC (PEPPER): split medical families
    select 'PEP_MED_CCMCC', encounter_id, facility_id, attending_provider_id,
           case when severity in ('MCC', 'CC', 'CC/MCC') then 1 else 0 end, 1
    from stays where split_family = 1 and drg_type = 'MED'
    union all
    -- surgical DRGs with CC or MCC (PEPPER): split surgical families
    select 'PEP_SURG_CCMCC', encounter_id, facility_id, attending_provider_id,
           case when severity in ('MCC', 'CC', 'CC/MCC') then 1 else 0 end, 1
    from stays where split_family = 1 and drg_type = 'SURG'
    union all
    -- single CC or MCC (PEPPER): stays in a with-CC/MCC DRG carried by exactly one CC/MCC secondary diagnosis
    select 'PEP_SINGLE_CCMCC', encounter_id, facility_id, attending_provider_id,
           case when n_cc_mcc = 1 then 1 else 0 end, 1
    from stays where split_family = 1 and severity in ('MCC', 'CC', 'CC/MCC')
    union all
    -- septicemia (PEPPER): MS-DRGs 871-872 over medical DRG discharges
    select 'PEP_SEPSIS', encounter_id, facility_id, attending_provider_id,
           case when drg_code in ('871', '872') then 1 else 0 end, 1
    from stays where drg_type = 'MED'
    union all
    -- one-day stays for medical DRGs (PEPPER): length of stay of at most one day
    select 'PEP_MED_1DAY', encounter_id, facility_id, attending_provider_id,
           case when los <= 1 then 1 else 0 end, 1
    from stays where drg_type = 'MED'
),

pepper_entities as (
    select area || '_FAC' as measure_id, encounter_id, facility_id as entity_id, numerator, denominator
    from pepper
    union all
    select area || '_PROV', encounter_id, attending_provider_id, numerator, denominator
    from pepper where attending_provider_id is not null
),

-- Lines with their procedure category and modifier flags (in-lists, not regular expressions: the same
-- text means the same on DuckDB and Spark). NCCI-associated modifiers: NCCI Policy Manual ch. I, section E.
line_modifiers as (
    select encounter_id, line_number, modifier_1 as modifier from service_lines where modifier_1 is not null
    union all
    select encounter_id, line_number, modifier_2 from service_lines where modifier_2 is not null
    union all
    select encounter_id, line_number, modifier_3 from service_lines where modifier_3 is not null
    union all
    select encounter_id, line_number, modifier_4 from service_lines where modifier_4 is not null
),

modifier_flags as (
    select encounter_id, line_number,
           max(case when modifier = '25' then 1 else 0 end) as has_25,
           max(case when modifier in ('59', 'XE', 'XP', 'XS', 'XU') then 1 else 0 end) as has_59,
           max(case when modifier in ('59', 'XE', 'XP', 'XS', 'XU', '25', '57', '91', '24', '27', '78', '79',
                                      'E1', 'E2', 'E3', 'E4', 'FA', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7',
                                      'F8', 'F9', 'TA', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9',
                                      'LT', 'RT', 'LC', 'LD', 'LM', 'RC', 'RI') then 1 else 0 end) as has_ncci
    from line_modifiers
    group by encounter_id, line_number
),

lines as (
    select s.encounter_id, s.line_number, s.service_date, s.code, s.units,
           coalesce(l.category, '') as category,
           case when l.em_family is not null and l.em_family <> '' then 1 else 0 end as is_em,
           coalesce(f.has_25, 0) as has_25, coalesce(f.has_59, 0) as has_59, coalesce(f.has_ncci, 0) as has_ncci
    from service_lines as s
    left join modifier_flags as f on f.encounter_id = s.encounter_id and f.line_number = s.line_number
    left join ref_procedure_labels as l on l.code_system = s.code_system and l.code = s.code
    where s.code is not null and s.code_system in ('CPT', 'HCPCS')
),

procedure_days as (
    select encounter_id, service_date,
           max(case when category = 'surgery' then 1 else 0 end) as has_procedure,
           count(distinct case when is_em = 0 then code end) as n_procedure_codes
    from lines
    group by encounter_id, service_date
),

-- Modifier 25 (OIG): E/M lines billed with modifier 25 beside a same-day procedure, over all E/M lines.
mod25 as (
    select 'MOD25_PROV' as measure_id, l.encounter_id, e.attending_provider_id as entity_id,
           sum(case when l.has_25 = 1 and p.has_procedure = 1 then 1 else 0 end) as numerator,
           count(*) as denominator
    from lines as l
    join procedure_days as p on p.encounter_id = l.encounter_id and p.service_date = l.service_date
    join enc as e on e.encounter_id = l.encounter_id
    where l.is_em = 1 and e.attending_provider_id is not null
    group by l.encounter_id, e.attending_provider_id
),

-- Modifier 59 / X{EPSU}: procedure lines on a date with two or more distinct procedure codes.
mod59 as (
    select 'MOD59_PROV' as measure_id, l.encounter_id, e.attending_provider_id as entity_id,
           sum(l.has_59) as numerator,
           count(*) as denominator
    from lines as l
    join procedure_days as p on p.encounter_id = l.encounter_id and p.service_date = l.service_date
    join enc as e on e.encounter_id = l.encounter_id
    where l.is_em = 0 and p.n_procedure_codes >= 2 and e.attending_provider_id is not null
    group by l.encounter_id, e.attending_provider_id
),

-- Diagnoses with their code-set attributes and the encounter's US fiscal year (starts 1 October). Both
-- roles (the encounter's coder and its attending provider) read this one pass: the diagnosis measures are
-- summed per encounter once and attributed to each role afterwards, instead of doubling every diagnosis row.
dx as (
    select d.encounter_id, d.code, r.category, r.unspecified, r.valid_from_fy, r.valid_to_fy,
           year(e.discharge_date) + case when month(e.discharge_date) >= 10 then 1 else 0 end as fiscal_year,
           e.coder_id, e.attending_provider_id, e.specialty_code, e.encounter_type
    from diagnoses as d
    join enc as e on e.encounter_id = d.encounter_id
    left join ref_icd10cm as r on r.code = d.code
    where d.code_system = 'ICD10CM'
),

-- Under-specified: a billable code whose category holds a longer (more specific) code that other coders
-- (or other providers) used at least 5 times on encounters of the same specialty and encounter type.
code_use as (
    select specialty_code, encounter_type, category, code, coder_id, attending_provider_id, count(*) as n
    from dx
    where category is not null
    group by specialty_code, encounter_type, category, code, coder_id, attending_provider_id
),

sibling_use as (
    select 'coder' as role, specialty_code, encounter_type, category, code, coder_id as entity_id, sum(n) as n
    from code_use where coder_id is not null
    group by specialty_code, encounter_type, category, code, coder_id
    union all
    select 'provider', specialty_code, encounter_type, category, code, attending_provider_id, sum(n)
    from code_use where attending_provider_id is not null
    group by specialty_code, encounter_type, category, code, attending_provider_id
),

sibling_totals as (
    select role, specialty_code, encounter_type, category, code, sum(n) as n_all
    from sibling_use
    group by role, specialty_code, encounter_type, category, code
),

underspecified_codes as (
    select c.role, c.specialty_code, c.encounter_type, c.code, c.entity_id
    from sibling_use as c
    join sibling_totals as t
      on t.role = c.role and t.specialty_code = c.specialty_code and t.encounter_type = c.encounter_type
     and t.category = c.category and length(t.code) > length(c.code)
    left join sibling_use as own
      on own.role = c.role and own.specialty_code = c.specialty_code and own.encounter_type = c.encounter_type
     and own.code = t.code and own.entity_id = c.entity_id
    where t.n_all - coalesce(own.n, 0) >= 5
    group by c.role, c.specialty_code, c.encounter_type, c.code, c.entity_id
),

-- Per encounter: ICD-10-CM diagnoses, unspecified ones (ref_icd10cm.unspecified), those of a known category,
-- those used outside their valid fiscal years (deleted codes still used, codes used before they existed),
-- and the under-specified ones from the coder's and from the provider's point of view.
dx_encounters as (
    select d.encounter_id,
           count(*) as n_dx,
           sum(case when d.unspecified then 1 else 0 end) as n_unspecified,
           sum(case when d.category is not null then 1 else 0 end) as n_known,
           sum(case when d.category is not null
                     and (d.fiscal_year < d.valid_from_fy or d.fiscal_year > d.valid_to_fy) then 1 else 0 end)
               as n_invalid_fy,
           sum(case when uc.code is not null then 1 else 0 end) as n_underspecified_coder,
           sum(case when up.code is not null then 1 else 0 end) as n_underspecified_provider
    from dx as d
    left join underspecified_codes as uc
      on uc.role = 'coder' and uc.specialty_code = d.specialty_code and uc.encounter_type = d.encounter_type
     and uc.code = d.code and uc.entity_id = d.coder_id
    left join underspecified_codes as up
      on up.role = 'provider' and up.specialty_code = d.specialty_code and up.encounter_type = d.encounter_type
     and up.code = d.code and up.entity_id = d.attending_provider_id
    group by d.encounter_id
),

dx_measures as (
    select e.encounter_id, e.coder_id, e.attending_provider_id, e.discharge_date, e.facility_id, e.specialty_code,
           e.payer_id, x.n_dx, x.n_unspecified, x.n_known, x.n_invalid_fy, x.n_underspecified_coder,
           x.n_underspecified_provider
    from dx_encounters as x
    join enc as e on e.encounter_id = x.encounter_id
),

-- the six diagnosis measures: each encounter's sums attributed to its coder and to its attending provider,
-- carrying the encounter's filter columns from here (the final join is for the other measures)
dx_measure_kinds as (
    select measure_id, role, kind
    from (values ('UNSPEC_CODER', 'coder', 'unspecified'), ('UNSPEC_PROV', 'provider', 'unspecified'),
                 ('UNDERSPEC_CODER', 'coder', 'underspecified'), ('UNDERSPEC_PROV', 'provider', 'underspecified'),
                 ('INVALID_FY_CODER', 'coder', 'invalid_fy'), ('INVALID_FY_PROV', 'provider', 'invalid_fy'))
         as kinds (measure_id, role, kind)
),

dx_rows as (
    select k.measure_id, d.encounter_id,
           case when k.role = 'coder' then d.coder_id else d.attending_provider_id end as entity_id,
           case when k.kind = 'unspecified' then d.n_unspecified
                when k.kind = 'invalid_fy' then d.n_invalid_fy
                when k.role = 'coder' then d.n_underspecified_coder
                else d.n_underspecified_provider end as numerator,
           case when k.kind = 'invalid_fy' then d.n_known else d.n_dx end as denominator,
           d.discharge_date, d.facility_id, d.specialty_code, d.payer_id, d.coder_id
    from dx_measures as d
    cross join dx_measure_kinds as k
    where (k.role = 'coder' and d.coder_id is not null)
       or (k.role = 'provider' and d.attending_provider_id is not null)
),

-- Audit revisions to a more specific code of the same category, over the ICD-10-CM codes the coder assigned.
audit_specific as (
    select 'AUDIT_SPECIFIC_CODER' as measure_id, a.encounter_id, a.coder_id as entity_id,
           sum(case when f.finding_type = 'revised' and f.corrected_code is not null
                     and substr(f.corrected_code, 1, 3) = substr(f.original_code, 1, 3)
                     and (length(f.corrected_code) > length(f.original_code)
                          or (coalesce(o.unspecified, false) and not coalesce(c.unspecified, false)))
                    then 1 else 0 end) as numerator,
           count(*) as denominator
    from audits as a
    join audit_findings as f on f.audit_id = a.audit_id
    left join ref_icd10cm as o on o.code = f.original_code
    left join ref_icd10cm as c on c.code = f.corrected_code
    where f.code_system = 'ICD10CM' and f.original_code is not null
    group by a.encounter_id, a.coder_id
),

-- Coding-related initial denials (ref_carc.coding_related, as the denials page counts them) over claims.
coding_denied_claims as (
    select distinct claim_id from mart_denials_initial where coding_related
),

denials as (
    select 'DENIAL_CODING_PROV' as measure_id, c.encounter_id, c.attending_provider_id as entity_id,
           count(distinct d.claim_id) as numerator, count(*) as denominator
    from mart_claims_initial as c
    left join coding_denied_claims as d on d.claim_id = c.claim_id
    where c.attending_provider_id is not null
    group by c.encounter_id, c.attending_provider_id
),

-- NCCI PTP: a column 1 / column 2 pair billed on one date while the edit is in force, without a modifier
-- that the edit allows (indicator 1 + an NCCI-associated modifier on either line); indicator 9 never applies.
ptp_days as (
    select encounter_id from procedure_days where n_procedure_codes >= 2 group by encounter_id
),

ptp_hits as (
    select distinct a.encounter_id
    from lines as a
    join lines as b on b.encounter_id = a.encounter_id and b.service_date = a.service_date
                   and b.line_number <> a.line_number
    join ncci_ptp as p on p.column1_code = a.code and p.column2_code = b.code
    where a.service_date >= p.effective_date
      and (p.deletion_date is null or a.service_date <= p.deletion_date)
      and (p.modifier_indicator = '0'
           or (p.modifier_indicator = '1' and a.has_ncci = 0 and b.has_ncci = 0))
),

ptp as (
    select 'NCCI_PTP_PROV' as measure_id, d.encounter_id, e.attending_provider_id as entity_id,
           case when h.encounter_id is null then 0 else 1 end as numerator, 1 as denominator
    from ptp_days as d
    join enc as e on e.encounter_id = d.encounter_id
    left join ptp_hits as h on h.encounter_id = d.encounter_id
    where e.attending_provider_id is not null
),

-- NCCI MUE: units of a code above its MUE value, per line (MAI 1) or per date of service (MAI 2, 3).
-- Where several service-type files are loaded, practitioner values are used first, then outpatient.
mue_values as (
    select code, mue_value, adjudication_indicator
    from (select code, mue_value, adjudication_indicator,
                 row_number() over (partition by code order by case service_type when 'practitioner' then 1
                     when 'outpatient' then 2 when 'demo' then 3 else 4 end) as rn
          from ncci_mue) as ranked
    where rn = 1
),

mue_units as (
    select l.encounter_id, l.code, l.service_date, m.mue_value, m.adjudication_indicator,
           sum(l.units) as day_units, max(l.units) as max_line_units
    from lines as l
    join mue_values as m on m.code = l.code
    group by l.encounter_id, l.code, l.service_date, m.mue_value, m.adjudication_indicator
),

mue as (
    select 'NCCI_MUE_PROV' as measure_id, u.encounter_id, e.attending_provider_id as entity_id,
           max(case when (u.adjudication_indicator = '1' and u.max_line_units > u.mue_value)
                      or (u.adjudication_indicator <> '1' and u.day_units > u.mue_value) then 1 else 0 end)
               as numerator,
           1 as denominator
    from mue_units as u
    join enc as e on e.encounter_id = u.encounter_id
    where e.attending_provider_id is not null
    group by u.encounter_id, e.attending_provider_id
),

measures as (
    select measure_id, encounter_id, entity_id, numerator, denominator from em
    union all select measure_id, encounter_id, entity_id, numerator, denominator from pepper_entities
    union all select measure_id, encounter_id, entity_id, numerator, denominator from mod25
    union all select measure_id, encounter_id, entity_id, numerator, denominator from mod59
    union all select measure_id, encounter_id, entity_id, numerator, denominator from audit_specific
    union all select measure_id, encounter_id, entity_id, numerator, denominator from denials
    union all select measure_id, encounter_id, entity_id, numerator, denominator from ptp
    union all select measure_id, encounter_id, entity_id, numerator, denominator from mue
),

final as (
    select m.measure_id, m.encounter_id, m.entity_id,
           cast(m.numerator as bigint) as numerator, cast(m.denominator as bigint) as denominator,
           e.discharge_date, e.facility_id, e.specialty_code, e.payer_id, e.coder_id
    from measures as m
    join enc as e on e.encounter_id = m.encounter_id
    where m.denominator > 0
    union all
    select measure_id, encounter_id, entity_id, cast(numerator as bigint), cast(denominator as bigint),
           discharge_date, facility_id, specialty_code, payer_id, coder_id
    from dx_rows
    where denominator > 0
)

-- sorted for the zone maps the page prunes with (a measure, a date range); no tiebreak: a third sort key
-- cost a fifth of this mart's build and no query depends on the order within a day
select * from final order by measure_id, discharge_date
