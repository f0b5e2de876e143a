-- mart: mart_claims_initial
-- grain: one row per claim adjudicated for the first time (adjudication_seq = 1)
-- depends: mart_encounters
-- purpose: The HFMA initial-denial rule, written once: a claim is denied when any of its lines was denied on the payer's first adjudication, and its denied dollars are the billed charges of the denied lines. Carries the encounter's filter dimensions so the denial views read no line table. A claim belongs to one encounter (its lowest encounter_id, as the raw rule took it).
with initial_lines as (
    select claim_id, encounter_id, billed_amount, denied
    from adjudications
    where adjudication_seq = 1
),

claims as (
    select claim_id,
           min(encounter_id) as encounter_id,
           count(*) as lines_adjudicated,
           sum(billed_amount) as billed_amount,
           sum(case when denied then billed_amount else 0 end) as denied_amount,
           max(case when denied then 1 else 0 end) as is_denied
    from initial_lines
    group by claim_id
),

final as (
    select c.claim_id, c.encounter_id, c.lines_adjudicated, c.billed_amount, c.denied_amount, c.is_denied,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           e.attending_provider_id
    from claims as c
    join mart_encounters as e on e.encounter_id = c.encounter_id
)

select * from final order by discharge_date, claim_id
