-- mart: mart_dx_hcc_encounters
-- grain: one row per encounter per distinct ICD-10-CM code of the encounter that maps to a CMS-HCC V28 category (ref_hcc), and one row with a null code for an encounter with none
-- depends: mart_dx_encounters, mart_dx_codes
-- purpose: The input of the risk adjustment view (queries/sql/diagnosis__hcc_groups.sql) in one table: every encounter with its patient, age, sex, payer type, facility and filter columns, and its HCC-mapped codes, so that a patient-year's attribution (payer type or facility of the last encounter), age, sex and code set come from one scan of a year's rows instead of a join of the encounter and diagnosis marts. recency ranks a patient's encounters by discharge date, then encounter id, so that "the last encounter" is one encounter even when two share a day. Codes that map to no V28 category never change a score, so they are not carried. Sorted by discharge date, so a calendar year reads only its row groups.
with hcc_codes as (
    select distinct code from ref_hcc where model = 'V28'
),

mapped as (
    select c.encounter_id, c.code
    from mart_dx_codes as c
    join hcc_codes as h on h.code = c.code
    where c.code_system = 'ICD10CM'
),

encounters_ as (
    select e.encounter_id, e.patient_id, e.discharge_date, e.age_years, e.sex, e.payer_type,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           row_number() over (partition by e.patient_id order by e.discharge_date, e.encounter_id) as recency
    from mart_dx_encounters as e
),

final as (
    select e.encounter_id, e.patient_id, e.recency, m.code, e.discharge_date, e.age_years, e.sex, e.payer_type,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id
    from encounters_ as e
    left join mapped as m on m.encounter_id = e.encounter_id
)

select * from final order by discharge_date, patient_id, recency, code
