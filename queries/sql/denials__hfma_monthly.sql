-- purpose: Components of the HFMA Claim Integrity Task Force initial denial rate (claim level) by calendar month: claims initially denied, counted in the month of their first adjudication, and claims submitted, counted in the month of submission, each with gross charges; queries/hfma.py sets each reporting month's denials against the average of the three months before it.
-- grain: one row per calendar month, from three months before the period's first month to its last month, with at least one claim submitted or initially denied.
-- params: filters
-- counts: guarded claims_initially_denied, claims_submitted
-- suppress: claims_initially_denied -> denied_gross_charges; claims_submitted -> submitted_gross_charges
-- Claim facts (submission, gross charges, first adjudication, initial denial): data/marts/mart_claims_submitted.sql.
-- The date filter selects reporting months (each calendar month touching the period, whole), not discharges;
-- the other filters select the claims' encounters as everywhere.
with claims as (
    select submitted_month, first_adjudication_month, is_submitted, is_denied, gross_charges
    from mart_claims_submitted
    where {{dimension_filter}}
),

-- Summed per month over every month first, then cut to the window: a month is wholly in or out of it, so
-- the cut commutes with the sums, and the first submission month comes from the same sums (one pass each).
submitted_all as (
    select submitted_month as month, count(*) as claims_submitted, sum(gross_charges) as submitted_gross_charges
    from claims
    where is_submitted = 1
    group by submitted_month
),

denied_all as (
    select first_adjudication_month as month, count(*) as claims_initially_denied,
           sum(gross_charges) as denied_gross_charges
    from claims
    where is_denied = 1
    group by first_adjudication_month
),

window_months as (
    select cast(date_trunc('month', $start_date::date) - interval 3 month as date) as first_month,
           $end_date::date as last_day
),

submitted as (
    select s.*
    from submitted_all as s, window_months as w
    where (w.first_month is null or s.month >= w.first_month) and (w.last_day is null or s.month <= w.last_day)
),

denied as (
    select d.*
    from denied_all as d, window_months as w
    where (w.first_month is null or d.month >= w.first_month) and (w.last_day is null or d.month <= w.last_day)
),

first_month as (
    select min(month) as first_submitted_month
    from submitted_all
),

final as (
    select cast(coalesce(s.month, d.month) as date) as month,
           coalesce(s.claims_submitted, 0) as claims_submitted,
           coalesce(s.submitted_gross_charges, 0) as submitted_gross_charges,
           coalesce(d.claims_initially_denied, 0) as claims_initially_denied,
           coalesce(d.denied_gross_charges, 0) as denied_gross_charges,
           f.first_submitted_month
    from submitted as s
    full outer join denied as d on d.month = s.month
    cross join first_month as f
)

select * from final order by month
