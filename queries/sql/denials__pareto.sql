-- purpose: Pareto of denial reasons: denied billed dollars on first adjudication by CARC (with codedash's category label), sorted, with cumulative share.
-- grain: one row per CARC group and code seen on a line denied on first adjudication.
-- params: filters, carc_category text
-- counts: guarded claims_denied; derived lines_denied <- claims_denied; public rank
-- suppress: claims_denied -> denied_amount, denied_share, cumulative_share
-- totals: parts claims_denied, lines_denied
-- running: cumulative_share
-- Lines denied on first adjudication by reason (data/marts/mart_denials_initial.sql).
with denied as (
    select claim_id, lines_denied, denied_amount,
           coalesce(carc_group, 'none') as carc_group,
           coalesce(carc_code, 'none') as carc_code,
           category_key, category_label, coding_related
    from mart_denials_initial
    where {{encounter_filter}}
      and ($carc_category::varchar is null or category_key = $carc_category::varchar)
),

grouped as (
    select carc_group, carc_code, min(category_key) as category, min(category_label) as category_label,
           bool_or(coding_related) as coding_related,
           count(distinct claim_id) as claims_denied,
           cast(sum(lines_denied) as bigint) as lines_denied,
           sum(denied_amount) as denied_amount
    from denied
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
