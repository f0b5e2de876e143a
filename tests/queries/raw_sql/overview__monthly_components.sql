-- purpose: Numerators and denominators of every overview KPI by discharge month; queries/metrics.py turns them into rates.
-- grain: one row per discharge month with at least one encounter in the filtered set.
-- params: filters
-- suppress: n_encounters -> paid_amount, billed_amount, denied_amount, claims_adjudicated, claims_denied; claims_adjudicated -> billed_amount, claims_denied, denied_amount; claims_denied -> denied_amount; n_audited_encounters -> audit_codes_reviewed, audit_codes_correct; drg_discharges -> drg_weight_sum
with enc as (
    select encounter_id, discharge_date, encounter_type, drg_code, drg_version
    from {{filtered_encounters}}
),

encounters_by_month as (
    select date_trunc('month', discharge_date) as month, count(*) as n_encounters
    from enc
    group by 1
),

-- AHIMA code-over-code: the auditor's codes are every finding except codes the auditor deleted.
audits_by_month as (
    select date_trunc('month', e.discharge_date) as month,
           count(distinct a.encounter_id) as n_audited_encounters,
           sum(case when f.finding_type <> 'deleted' then 1 else 0 end) as audit_codes_reviewed,
           sum(case when f.finding_type = 'correct' then 1 else 0 end) as audit_codes_correct
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
    join audit_findings as f on f.audit_id = a.audit_id
    group by 1
),

-- HFMA initial denial rate: claims (and billed dollars) denied on first adjudication (the initial_claims fragment, queries/filters.py).
claims_by_month as (
    select date_trunc('month', e.discharge_date) as month,
           count(*) as claims_adjudicated,
           sum(c.is_denied) as claims_denied,
           sum(c.billed_amount) as billed_amount,
           sum(c.denied_amount) as denied_amount
    from {{initial_claims}} as c
    join enc as e on e.encounter_id = c.encounter_id
    group by 1
),

paid_by_month as (
    select date_trunc('month', e.discharge_date) as month,
           sum(s.paid_amount) as paid_amount
    from enc as e
    join service_lines as s on s.encounter_id = e.encounter_id
    group by 1
),

-- CMS case mix index: MS-DRG relative weights of inpatient discharges with a weighted DRG.
drg_by_month as (
    select date_trunc('month', e.discharge_date) as month,
           count(*) as drg_discharges,
           sum(r.relative_weight) as drg_weight_sum
    from enc as e
    join ref_msdrg as r on r.drg_version = e.drg_version and r.drg_code = e.drg_code
    where e.encounter_type = 'inpatient' and r.relative_weight is not null
    group by 1
),

final as (
    select cast(m.month as date) as month,
           m.n_encounters,
           coalesce(a.n_audited_encounters, 0) as n_audited_encounters,
           coalesce(a.audit_codes_reviewed, 0) as audit_codes_reviewed,
           coalesce(a.audit_codes_correct, 0) as audit_codes_correct,
           coalesce(c.claims_adjudicated, 0) as claims_adjudicated,
           coalesce(c.claims_denied, 0) as claims_denied,
           coalesce(c.billed_amount, 0) as billed_amount,
           coalesce(c.denied_amount, 0) as denied_amount,
           coalesce(p.paid_amount, 0) as paid_amount,
           coalesce(d.drg_discharges, 0) as drg_discharges,
           coalesce(d.drg_weight_sum, 0) as drg_weight_sum
    from encounters_by_month as m
    left join audits_by_month as a on a.month = m.month
    left join claims_by_month as c on c.month = m.month
    left join paid_by_month as p on p.month = m.month
    left join drg_by_month as d on d.month = m.month
)

select * from final order by month
