-- purpose: HFMA initial denial rate (claims and dollars) per payer, attending specialty or facility, with the overview's numerator and denominator.
-- grain: one row per payer (dimension = payer), attending specialty (specialty) or facility (facility) with at least one claim adjudicated for the first time.
-- params: filters, dimension text = payer
-- counts: guarded claims_adjudicated; part claims_denied <- claims_adjudicated
-- suppress: claims_adjudicated -> billed_amount; claims_denied -> denied_amount
-- totals: parts claims_adjudicated, claims_denied
-- A claim is denied when any of its lines was denied on first adjudication (data/marts/mart_claims_initial.sql);
-- each claim counts in one encounter, so claims add up across the cells of the monthly cube.
with facts as (
    select case when $dimension = 'specialty' then specialty_code
                when $dimension = 'facility' then facility_id
                else payer_id end as group_id,
           claims_adjudicated, claims_denied, billed_amount, denied_amount
    from {{monthly_claims}}
    where $dimension in ('payer', 'specialty', 'facility')
),

grouped as (
    select group_id,
           cast(sum(claims_adjudicated) as bigint) as claims_adjudicated,
           sum(claims_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount
    from facts
    group by group_id
    having sum(claims_adjudicated) > 0
),

final as (
    select g.group_id,
           coalesce(case when $dimension = 'specialty' then sp.specialty_name
                         when $dimension = 'facility' then f.facility_name
                         else p.payer_name end, g.group_id, 'unknown') as group_label,
           g.claims_adjudicated, g.claims_denied, g.billed_amount, g.denied_amount
    from grouped as g
    left join payers as p on $dimension = 'payer' and p.payer_id = g.group_id
    left join ref_specialty as sp on $dimension = 'specialty' and sp.specialty_code = g.group_id
    left join facilities as f on $dimension = 'facility' and f.facility_id = g.group_id
)

select * from final order by claims_adjudicated desc, group_id
