-- mart: mart_lines_procedures
-- grain: one row per encounter, procedure code (code system and code) and denial category of its lines adjudicated for the first time: one row for all the code's lines (is_all_categories) and one per CARC category of its denied lines
-- depends: mart_encounters
-- purpose: Line-level initial denials per CPT/HCPCS code for one encounter, in the columns of mart_lines_procedures_monthly: it answers the partly covered months of a date window and any coder filter for the denial-rate-by-procedure view. Kept out of the shared cube because procedure codes are many. Sorted by discharge date.
with initial_lines as (
    select j.claim_id, j.encounter_id, s.code_system, s.code, j.billed_amount, j.denied,
           coalesce(r.category, 'uncategorised') as category
    from adjudications as j
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and s.code is not null
),

by_code as (
    select encounter_id, code_system, code, true as is_all_categories, cast(null as varchar) as category_key,
           count(distinct claim_id) as n_claims,
           count(distinct case when denied then claim_id end) as claims_denied,
           count(*) as lines_adjudicated,
           sum(case when denied then 1 else 0 end) as lines_denied,
           sum(billed_amount) as billed_amount,
           sum(case when denied then billed_amount else 0 end) as denied_amount
    from initial_lines
    group by encounter_id, code_system, code
    union all
    select encounter_id, code_system, code, false, category,
           0, count(distinct claim_id), 0, count(*), 0, sum(billed_amount)
    from initial_lines
    where denied
    group by encounter_id, code_system, code, category
),

final as (
    select e.discharge_date, e.discharge_month, last_day(e.discharge_date) as month_end,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           b.code_system, b.code, b.is_all_categories, b.category_key,
           b.n_claims, b.claims_denied, b.lines_adjudicated, b.lines_denied, b.billed_amount, b.denied_amount
    from by_code as b
    join mart_encounters as e on e.encounter_id = b.encounter_id
)

select * from final order by discharge_date, code_system, code
