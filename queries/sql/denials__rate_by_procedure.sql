-- purpose: Line-level initial denial rate per CPT/HCPCS code: lines denied on first adjudication / lines adjudicated, and the same in billed dollars.
-- grain: one row per procedure code (code system and code) on lines adjudicated for the first time; the top `limit_rows` by denied dollars.
-- params: filters, carc_category text, limit_rows int = 50
-- suppress: n_claims -> lines_adjudicated, billed_amount, lines_denied, denied_amount, claims_denied; claims_denied -> lines_denied, denied_amount
-- Lines on first adjudication per procedure code, with the CARC category of their denial (data/marts/mart_lines_procedures.sql).
with initial_lines as (
    select claim_id, code_system, code, n_lines, billed_amount,
           denied_category is not null
             and ($carc_category::varchar is null or denied_category = $carc_category::varchar) as is_denied
    from mart_lines_procedures
    where {{encounter_filter}}
),

grouped as (
    select code_system, code,
           count(distinct claim_id) as n_claims,
           count(distinct case when is_denied then claim_id end) as claims_denied,
           cast(sum(n_lines) as bigint) as lines_adjudicated,
           sum(case when is_denied then n_lines else 0 end) as lines_denied,
           sum(billed_amount) as billed_amount,
           sum(case when is_denied then billed_amount else 0 end) as denied_amount
    from initial_lines
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
