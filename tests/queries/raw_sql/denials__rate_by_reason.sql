-- purpose: Initial denial rate attributed to each denial reason: CARC group (CO, PR, OA, PI, CR) or codedash CARC category, over all claims adjudicated.
-- grain: one row per CARC group (level = carc_group) or CARC category (level = category) seen on a line denied on first adjudication.
-- params: filters, level text = category
-- suppress: claims_denied -> denied_amount, lines_denied; claims_adjudicated -> billed_amount
with enc as (
    select encounter_id
    from {{filtered_encounters}}
    where $level in ('carc_group', 'category')
),

initial_lines as (
    select j.claim_id, j.line_number, j.billed_amount, j.denied, j.carc_group, j.carc_code,
           coalesce(r.category, 'uncategorised') as category,
           coalesce(r.category_label, 'Uncategorised CARC') as category_label
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1
),

-- Denominator shared by every reason: all claims (and their billed charges) adjudicated for the first time.
totals as (
    select count(distinct claim_id) as claims_adjudicated, sum(billed_amount) as billed_amount
    from initial_lines
),

denied_lines as (
    select claim_id, billed_amount,
           case when $level = 'carc_group' then coalesce(carc_group, 'none') else category end as reason,
           case when $level = 'carc_group' then coalesce(carc_group, 'none') else category_label end as reason_label
    from initial_lines
    where denied
),

grouped as (
    select reason, min(reason_label) as reason_label,
           count(distinct claim_id) as claims_denied,
           count(*) as lines_denied,
           sum(billed_amount) as denied_amount
    from denied_lines
    group by reason
),

final as (
    select g.reason, g.reason_label, g.claims_denied, g.lines_denied, g.denied_amount,
           t.claims_adjudicated, t.billed_amount
    from grouped as g
    cross join totals as t
)

select * from final order by denied_amount desc, reason
