-- purpose: Initial denial rate attributed to each denial reason: CARC group (CO, PR, OA, PI, CR) or codedash CARC category, over all claims adjudicated.
-- grain: one row per CARC group (level = carc_group) or CARC category (level = category) seen on a line denied on first adjudication.
-- params: filters, level text = category
-- counts: guarded claims_denied, claims_adjudicated; derived lines_denied <- claims_denied
-- suppress: claims_denied -> denied_amount; claims_adjudicated -> billed_amount
-- totals: parts claims_denied, lines_denied
-- Denominator shared by every reason: all claims (and their billed charges) adjudicated for the first time,
-- summed from the monthly cube.
with totals as (
    select cast(sum(claims_adjudicated) as bigint) as claims_adjudicated, sum(billed_amount) as billed_amount
    from {{monthly_claims}}
),

-- Lines denied on first adjudication by reason (data/marts/mart_denials_initial.sql).
denied as (
    select claim_id, lines_denied, denied_amount,
           case when $level = 'carc_group' then coalesce(carc_group, 'none') else category_key end as reason,
           case when $level = 'carc_group' then coalesce(carc_group, 'none') else category_label end as reason_label
    from mart_denials_initial
    where {{encounter_filter}} and $level in ('carc_group', 'category')
),

grouped as (
    select reason, min(reason_label) as reason_label,
           count(distinct claim_id) as claims_denied,
           cast(sum(lines_denied) as bigint) as lines_denied,
           sum(denied_amount) as denied_amount
    from denied
    group by reason
),

final as (
    select g.reason, g.reason_label, g.claims_denied, g.lines_denied, g.denied_amount,
           t.claims_adjudicated, t.billed_amount
    from grouped as g
    cross join totals as t
)

select * from final order by denied_amount desc, reason
