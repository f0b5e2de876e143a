-- purpose: Charges, allowed, paid and contractual adjustments by discharge month (components of the net and gross collection rates).
-- grain: one row per discharge month with at least one service line in the filtered set.
-- params: filters
-- counts: guarded n_encounters; derived n_claims <- n_encounters
-- suppress: n_encounters -> charges, allowed_amount, paid_amount, contractual_adjustments, net_charges
-- totals: parts n_encounters, n_claims
with enc as (
    select encounter_id, discharge_date
    from {{filtered_encounters}}
),

lines as (
    select date_trunc('month', e.discharge_date) as month,
           s.encounter_id, s.claim_id, s.line_number,
           s.charge_amount, s.allowed_amount, s.paid_amount
    from enc as e
    join service_lines as s on s.encounter_id = e.encounter_id
),

-- HFMA MAP Key net collection rate: contractual adjustments are CO adjustments whose CARC we
-- categorise as 'contractual' (45, 24, 222, 253), summed over every adjudication of the line
-- (reversals carry negative amounts).
contractual as (
    select x.claim_id, x.line_number, sum(x.amount) as contractual_adjustments
    from adjustments as x
    join ref_carc as r on r.carc_code = x.carc_code
    where x.carc_group = 'CO' and r.category = 'contractual' and x.line_number is not null
    group by x.claim_id, x.line_number
),

final as (
    select cast(l.month as date) as month,
           count(distinct l.encounter_id) as n_encounters,
           count(distinct l.claim_id) as n_claims,
           sum(l.charge_amount) as charges,
           coalesce(sum(l.allowed_amount), 0) as allowed_amount,
           coalesce(sum(l.paid_amount), 0) as paid_amount,
           coalesce(sum(c.contractual_adjustments), 0) as contractual_adjustments,
           sum(l.charge_amount) - coalesce(sum(c.contractual_adjustments), 0) as net_charges
    from lines as l
    left join contractual as c on c.claim_id = l.claim_id and c.line_number = l.line_number
    group by l.month
)

select * from final order by month
