-- mart: mart_claims_submitted
-- grain: one row per claim (a claim_id on the service lines or on a first adjudication)
-- depends: mart_encounters
-- purpose: The claim-level facts of the HFMA Claim Integrity Task Force initial denial rate and of run-out, written once: when each claim was submitted (the encounter's final bill, or its first adjudication when no bill time is recorded), its gross charges (billed charges of all its service lines), when the payer first adjudicated it and whether that first adjudication denied it in whole or in part. Carries the encounter's filter dimensions. A claim belongs to one encounter (its lowest encounter_id, as mart_claims_initial takes it).
with line_claims as (
    select claim_id, min(encounter_id) as encounter_id, sum(charge_amount) as line_charges
    from service_lines
    where claim_id is not null
    group by claim_id
),

first_adjudication as (
    select claim_id,
           min(encounter_id) as encounter_id,
           min(adjudication_date) as first_adjudication_date,
           sum(billed_amount) as billed_amount,
           max(case when denied then 1 else 0 end) as is_denied
    from adjudications
    where adjudication_seq = 1
    group by claim_id
),

claims as (
    select coalesce(l.claim_id, a.claim_id) as claim_id,
           coalesce(l.encounter_id, a.encounter_id) as encounter_id,
           -- gross charges: every line of the claim as billed; a claim known only from its remittance
           -- carries the charges the payer echoed back
           coalesce(l.line_charges, a.billed_amount) as gross_charges,
           a.first_adjudication_date,
           case when a.claim_id is null then 0 else 1 end as is_adjudicated,
           coalesce(a.is_denied, 0) as is_denied
    from line_claims as l
    full outer join first_adjudication as a on a.claim_id = l.claim_id
),

final as (
    select c.claim_id, c.encounter_id, c.gross_charges,
           coalesce(cast(x.final_billed_at as date), c.first_adjudication_date) as submitted_date,
           cast(date_trunc('month', coalesce(cast(x.final_billed_at as date), c.first_adjudication_date)) as date)
               as submitted_month,
           case when x.final_billed_at is null and c.first_adjudication_date is null then 0 else 1 end
               as is_submitted,
           c.first_adjudication_date,
           cast(date_trunc('month', c.first_adjudication_date) as date) as first_adjudication_month,
           c.is_adjudicated, c.is_denied,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           e.attending_provider_id
    from claims as c
    join mart_encounters as e on e.encounter_id = c.encounter_id
    join encounters as x on x.encounter_id = c.encounter_id
)

select * from final order by discharge_date, claim_id
