-- purpose: HFMA initial denial rate (claims and dollars) per payer, attending specialty or facility, with the overview's numerator and denominator.
-- grain: one row per payer (dimension = payer), attending specialty (specialty) or facility (facility) with at least one claim adjudicated for the first time.
-- params: filters, dimension text = payer
-- suppress: claims_adjudicated -> billed_amount, claims_denied, denied_amount; claims_denied -> denied_amount
with enc as (
    select encounter_id,
           case when $dimension = 'specialty' then specialty_code
                when $dimension = 'facility' then facility_id
                else payer_id end as group_id
    from {{filtered_encounters}}
    where $dimension in ('payer', 'specialty', 'facility')
),

-- A claim is denied when any of its lines was denied on first adjudication (the initial_claims fragment, as the overview).
grouped as (
    select e.group_id,
           count(*) as claims_adjudicated,
           sum(c.is_denied) as claims_denied,
           sum(c.billed_amount) as billed_amount,
           sum(c.denied_amount) as denied_amount
    from {{initial_claims}} as c
    join enc as e on e.encounter_id = c.encounter_id
    group by e.group_id
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
