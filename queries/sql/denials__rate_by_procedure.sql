-- purpose: Line-level initial denial rate per CPT/HCPCS code: lines denied on first adjudication / lines adjudicated, and the same in billed dollars.
-- grain: one row per procedure code (code system and code) on lines adjudicated for the first time; the top `limit_rows` by denied dollars.
-- params: filters, carc_category text, limit_rows int = 50
-- counts: guarded n_claims; part claims_denied <- n_claims; derived lines_adjudicated <- n_claims; derived lines_denied <- claims_denied; public rank
-- suppress: n_claims -> billed_amount; claims_denied -> denied_amount
-- Lines on first adjudication per procedure code (data/marts/mart_lines_procedures.sql), summed from the monthly
-- cube: the rows for all of a code's lines give the denominators and, without a CARC category, the denials;
-- with one, the denials come from that category's rows.
with facts as (
    select code_system, code, is_all_categories, n_claims, lines_adjudicated, billed_amount,
           claims_denied, lines_denied, denied_amount,
           ($carc_category::varchar is null and is_all_categories)
             or (not is_all_categories and category_key = $carc_category::varchar) as is_selected_denial
    from {{monthly_procedures}}
    where is_all_categories or category_key = $carc_category::varchar
),

grouped as (
    select code_system, code,
           cast(sum(case when is_all_categories then n_claims else 0 end) as bigint) as n_claims,
           cast(sum(case when is_selected_denial then claims_denied else 0 end) as bigint) as claims_denied,
           cast(sum(case when is_all_categories then lines_adjudicated else 0 end) as bigint) as lines_adjudicated,
           sum(case when is_selected_denial then lines_denied else 0 end) as lines_denied,
           sum(case when is_all_categories then billed_amount else 0 end) as billed_amount,
           sum(case when is_selected_denial then denied_amount else 0 end) as denied_amount
    from facts
    group by code_system, code
),

ranked as (
    select g.*, coalesce(l.label, 'no codedash label') as label, l.category as procedure_category,
           row_number() over (order by g.denied_amount desc, g.lines_denied desc, g.code) as rank
    from grouped as g
    left join ref_procedure_labels as l on l.code_system = g.code_system and l.code = g.code
),

final as (
    select rank, code_system, code, label, procedure_category, n_claims, claims_denied,
           lines_adjudicated, lines_denied, billed_amount, denied_amount
    from ranked
    where rank <= $limit_rows
)

select * from final order by rank
