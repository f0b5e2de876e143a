-- purpose: Pareto of denial reasons: denied billed dollars on first adjudication by CARC (with codedash's category label), sorted, with cumulative share.
-- grain: one row per CARC group and code seen on a line denied on first adjudication.
-- params: filters, carc_category text
-- counts: guarded claims_denied; derived lines_denied <- claims_denied; public rank
-- suppress: claims_denied -> denied_amount, denied_share, cumulative_share
-- totals: parts claims_denied, lines_denied
-- running: cumulative_share
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

denied_lines as (
    select j.claim_id, j.billed_amount,
           coalesce(j.carc_group, 'none') as carc_group,
           coalesce(j.carc_code, 'none') as carc_code,
           coalesce(r.category, 'uncategorised') as category,
           coalesce(r.category_label, 'Uncategorised CARC') as category_label,
           coalesce(r.coding_related, false) as coding_related
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and j.denied
      and ($carc_category::varchar is null or coalesce(r.category, 'uncategorised') = $carc_category::varchar)
),

grouped as (
    select carc_group, carc_code, min(category) as category, min(category_label) as category_label,
           bool_or(coding_related) as coding_related,
           count(distinct claim_id) as claims_denied,
           count(*) as lines_denied,
           sum(billed_amount) as denied_amount
    from denied_lines
    group by carc_group, carc_code
),

ranked as (
    select *,
           row_number() over (order by denied_amount desc, carc_group, carc_code) as rank,
           denied_amount / sum(denied_amount) over () as denied_share
    from grouped
),

final as (
    select rank, carc_group, carc_code, carc_group || '-' || carc_code as reason,
           category, category_label, coding_related, claims_denied, lines_denied, denied_amount,
           denied_share,
           sum(denied_share) over (order by rank rows between unbounded preceding and current row) as cumulative_share
    from ranked
)

select * from final order by rank
