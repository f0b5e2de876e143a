-- purpose: Charges, allowed, paid and contractual adjustments per payer or per attending specialty (components of the collection rates).
-- grain: one row per payer (dimension = payer) or attending specialty (dimension = specialty) with at least one service line.
-- params: filters, dimension text = payer
-- counts: guarded n_encounters; derived n_claims <- n_encounters
-- suppress: n_encounters -> charges, allowed_amount, paid_amount, contractual_adjustments, net_charges
-- totals: parts n_encounters, n_claims
with enc as (
    select encounter_id,
           case when $dimension = 'specialty' then specialty_code else payer_id end as group_id
    from {{filtered_encounters}}
    where $dimension in ('payer', 'specialty')
),

lines as (
    select e.group_id, s.encounter_id, s.claim_id, s.line_number,
           s.charge_amount, s.allowed_amount, s.paid_amount
    from enc as e
    join service_lines as s on s.encounter_id = e.encounter_id
),

contractual as (
    select x.claim_id, x.line_number, sum(x.amount) as contractual_adjustments
    from adjustments as x
    join ref_carc as r on r.carc_code = x.carc_code
    where x.carc_group = 'CO' and r.category = 'contractual' and x.line_number is not null
    group by x.claim_id, x.line_number
),

grouped as (
    select l.group_id,
           count(distinct l.encounter_id) as n_encounters,
           count(distinct l.claim_id) as n_claims,
           sum(l.charge_amount) as charges,
           coalesce(sum(l.allowed_amount), 0) as allowed_amount,
           coalesce(sum(l.paid_amount), 0) as paid_amount,
           coalesce(sum(c.contractual_adjustments), 0) as contractual_adjustments
    from lines as l
    left join contractual as c on c.claim_id = l.claim_id and c.line_number = l.line_number
    group by l.group_id
),

final as (
    select g.group_id,
           coalesce(case when $dimension = 'specialty' then sp.specialty_name else p.payer_name end,
                    g.group_id, 'unknown') as group_label,
           g.n_encounters, g.n_claims, g.charges, g.allowed_amount, g.paid_amount,
           g.contractual_adjustments,
           g.charges - g.contractual_adjustments as net_charges
    from grouped as g
    left join payers as p on $dimension = 'payer' and p.payer_id = g.group_id
    left join ref_specialty as sp on $dimension = 'specialty' and sp.specialty_code = g.group_id
)

select * from final order by charges desc, group_id
