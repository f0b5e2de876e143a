-- mart: mart_reimbursement_claims
-- grain: one row per encounter and claim billed on its service lines
-- depends: mart_encounters
-- purpose: Billed charges, final allowed and paid amounts and contractual adjustments of each claim's service lines, with the encounter's filter dimensions: the components of the HFMA gross and net collection rates and of the overview's paid dollars, without scanning service lines or adjustments at request time.
with contractual as (
    -- HFMA MAP Key net collection rate: contractual adjustments are CO adjustments whose CARC codedash
    -- categorises as 'contractual' (45, 24, 222, 253), summed over every adjudication of the line
    -- (reversals carry negative amounts).
    select x.claim_id, x.line_number, sum(x.amount) as contractual_adjustments
    from adjustments as x
    join ref_carc as r on r.carc_code = x.carc_code
    where x.carc_group = 'CO' and r.category = 'contractual' and x.line_number is not null
    group by x.claim_id, x.line_number
),

claims as (
    select s.encounter_id, s.claim_id,
           count(*) as n_lines,
           sum(s.charge_amount) as charges,
           sum(s.allowed_amount) as allowed_amount,
           sum(s.paid_amount) as paid_amount,
           sum(c.contractual_adjustments) as contractual_adjustments
    from service_lines as s
    left join contractual as c on c.claim_id = s.claim_id and c.line_number = s.line_number
    group by s.encounter_id, s.claim_id
),

final as (
    select c.encounter_id, c.claim_id, c.n_lines, c.charges, c.allowed_amount, c.paid_amount,
           c.contractual_adjustments,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id
    from claims as c
    join mart_encounters as e on e.encounter_id = c.encounter_id
)

select * from final order by discharge_date, encounter_id, claim_id
