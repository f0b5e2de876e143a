-- purpose: Components of the HFMA Claim Integrity Task Force initial denial rate (claim level) by calendar month: claims initially denied, counted in the month of their first adjudication, and claims submitted, counted in the month of submission, each with gross charges; queries/hfma.py sets each reporting month's denials against the average of the three months before it.
-- grain: one row per calendar month, from three months before the period's first month to its last month, with at least one claim submitted or initially denied.
-- params: filters
-- counts: guarded claims_initially_denied, claims_submitted
-- suppress: claims_initially_denied -> denied_gross_charges; claims_submitted -> submitted_gross_charges
-- Raw-table reference of queries/sql/denials__hfma_monthly.sql: claims straight from service lines and
-- first adjudications, joined to the encounters the dimension filters select.
with enc as (
    select encounter_id, final_billed_at
    from encounters
    where {{dimension_filter}}
),

line_claims as (
    select claim_id, min(encounter_id) as encounter_id, sum(charge_amount) as line_charges
    from service_lines
    where claim_id is not null
    group by claim_id
),

first_adjudication as (
    select claim_id, min(encounter_id) as encounter_id, min(adjudication_date) as first_date,
           sum(billed_amount) as billed_amount, max(case when denied then 1 else 0 end) as is_denied
    from adjudications
    where adjudication_seq = 1
    group by claim_id
),

claims as (
    select coalesce(l.encounter_id, a.encounter_id) as encounter_id,
           coalesce(l.line_charges, a.billed_amount) as gross_charges,
           a.first_date,
           coalesce(a.is_denied, 0) as is_denied
    from line_claims as l
    full outer join first_adjudication as a on a.claim_id = l.claim_id
),

facts as (
    select cast(date_trunc('month', coalesce(cast(e.final_billed_at as date), c.first_date)) as date) as submitted_month,
           cast(date_trunc('month', c.first_date) as date) as first_month,
           c.is_denied, c.gross_charges
    from claims as c
    join enc as e on e.encounter_id = c.encounter_id
),

bounds as (
    select cast(date_trunc('month', $start_date::date) as date) - interval 3 month as lo, $end_date::date as hi
),

denied as (
    select f.first_month as month, count(*) as n, sum(f.gross_charges) as charges
    from facts as f, bounds as b
    where f.is_denied = 1 and (b.lo is null or f.first_month >= b.lo) and (b.hi is null or f.first_month <= b.hi)
    group by f.first_month
),

submitted as (
    select f.submitted_month as month, count(*) as n, sum(f.gross_charges) as charges
    from facts as f, bounds as b
    where f.submitted_month is not null
      and (b.lo is null or f.submitted_month >= b.lo) and (b.hi is null or f.submitted_month <= b.hi)
    group by f.submitted_month
),

final as (
    select cast(coalesce(s.month, d.month) as date) as month,
           coalesce(s.n, 0) as claims_submitted,
           coalesce(s.charges, 0) as submitted_gross_charges,
           coalesce(d.n, 0) as claims_initially_denied,
           coalesce(d.charges, 0) as denied_gross_charges,
           (select min(submitted_month) from facts) as first_submitted_month
    from submitted as s
    full outer join denied as d on d.month = s.month
)

select * from final order by month
