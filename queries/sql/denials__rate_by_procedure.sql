-- purpose: Line-level initial denial rate per CPT/HCPCS code: lines denied on first adjudication / lines adjudicated, and the same in billed dollars.
-- grain: one row per procedure code (code system and code) on lines adjudicated for the first time; the top `limit_rows` by denied dollars.
-- params: filters, carc_category text, limit_rows int = 50
-- counts: guarded n_claims; part claims_denied <- n_claims; derived lines_adjudicated <- n_claims; derived lines_denied <- claims_denied; public rank
-- suppress: n_claims -> billed_amount; claims_denied -> denied_amount
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

initial_lines as (
    select j.claim_id, j.billed_amount, s.code_system, s.code,
           j.denied and ($carc_category::varchar is null
                         or coalesce(r.category, 'uncategorised') = $carc_category::varchar) as is_denied
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and s.code is not null
),

grouped as (
    select code_system, code,
           count(distinct claim_id) as n_claims,
           count(distinct case when is_denied then claim_id end) as claims_denied,
           count(*) as lines_adjudicated,
           sum(case when is_denied then 1 else 0 end) as lines_denied,
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
