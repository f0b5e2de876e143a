-- mart: mart_encounters
-- grain: one row per encounter
-- depends: none
-- purpose: Encounter-level fact for the overview, reimbursement and denials pages: the encounter's filter dimensions (discharge date and month, facility, attending specialty and provider, primary payer, coder), its audit code counts and its MS-DRG weight, so no query joins audits, findings or ref_msdrg at request time. Sorted by discharge date so date windows skip row groups.
with audit_codes as (
    -- AHIMA code-over-code: the auditor's codes are every finding except codes the auditor deleted.
    select a.encounter_id,
           sum(case when f.finding_type <> 'deleted' then 1 else 0 end) as audit_codes_reviewed,
           sum(case when f.finding_type = 'correct' then 1 else 0 end) as audit_codes_correct
    from audits as a
    join audit_findings as f on f.audit_id = a.audit_id
    group by a.encounter_id
),

final as (
    select e.encounter_id,
           e.discharge_date,
           cast(date_trunc('month', e.discharge_date) as date) as discharge_month,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id, e.attending_provider_id,
           e.encounter_type,
           case when e.encounter_type = 'inpatient' then 1 else 0 end as is_inpatient,
           -- CMS case mix index: the MS-DRG relative weight of an inpatient discharge (null when the
           -- encounter is not inpatient or its DRG version has no weight in ref_msdrg).
           case when e.encounter_type = 'inpatient' then r.relative_weight end as drg_weight,
           case when au.encounter_id is null then 0 else 1 end as is_audited,
           au.audit_codes_reviewed,
           au.audit_codes_correct
    from encounters as e
    left join ref_msdrg as r on r.drg_version = e.drg_version and r.drg_code = e.drg_code
    left join audit_codes as au on au.encounter_id = e.encounter_id
)

select * from final order by discharge_date, encounter_id
