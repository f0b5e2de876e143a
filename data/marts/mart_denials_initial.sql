-- mart: mart_denials_initial
-- grain: one row per claim, encounter, CARC group and CARC code of lines denied on the payer's first adjudication (adjudication_seq = 1)
-- depends: mart_encounters
-- purpose: Denied lines and dollars on first adjudication by reason, with codedash's CARC category and the appeal outcome of those lines, and the encounter's filter dimensions: the pareto, reason, coding-related, focus-trend and appeals views read it instead of adjudications.
with denied_lines as (
    select j.claim_id, j.encounter_id, j.carc_group, j.carc_code, j.billed_amount,
           j.appeal_filed and j.appeal_date is not null as appealed,
           j.appeal_outcome in ('overturned', 'upheld') and j.appeal_resolved_date is not null as resolved,
           j.appeal_outcome = 'overturned' and j.appeal_resolved_date is not null as overturned,
           j.appeal_filed and (j.appeal_outcome = 'pending' or j.appeal_outcome is null) as pending,
           date_diff('day', j.adjudication_date, j.appeal_date) as days_to_appeal,
           date_diff('day', j.appeal_date, j.appeal_resolved_date) as days_to_resolution
    from adjudications as j
    where j.adjudication_seq = 1 and j.denied
),

grouped as (
    select claim_id, encounter_id, carc_group, carc_code,
           count(*) as lines_denied,
           sum(billed_amount) as denied_amount,
           sum(case when appealed then 1 else 0 end) as lines_appealed,
           sum(case when appealed and resolved then 1 else 0 end) as lines_resolved,
           sum(case when appealed and overturned then 1 else 0 end) as lines_overturned,
           sum(case when appealed and pending then 1 else 0 end) as lines_pending,
           sum(case when appealed then days_to_appeal else 0 end) as days_to_appeal_sum,
           sum(case when appealed and resolved then days_to_resolution else 0 end) as days_to_resolution_sum
    from denied_lines
    group by claim_id, encounter_id, carc_group, carc_code
),

final as (
    select g.claim_id, g.encounter_id, g.carc_group, g.carc_code,
           r.category,
           coalesce(r.category, 'uncategorised') as category_key,
           coalesce(r.category_label, 'Uncategorised CARC') as category_label,
           coalesce(r.coding_related, false) as coding_related,
           g.lines_denied, g.denied_amount, g.lines_appealed, g.lines_resolved, g.lines_overturned,
           g.lines_pending, g.days_to_appeal_sum, g.days_to_resolution_sum,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           e.attending_provider_id
    from grouped as g
    join mart_encounters as e on e.encounter_id = g.encounter_id
    left join ref_carc as r on r.carc_code = g.carc_code
)

select * from final order by discharge_date, claim_id, carc_group, carc_code
