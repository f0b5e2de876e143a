-- codedash canonical schema: the contract every importer and the demo generator target.
-- Conventions
--   * Codes are stored normalised: upper case, no dot, no spaces ("E11.65" -> "E1165").
--     Every code column has a sibling *_system column (and *_version where versions differ).
--   * Code systems: ICD10CM, ICD9CM (diagnoses); ICD10PCS, ICD9PCS, CPT, HCPCS (procedures).
--   * Money is DECIMAL(14,2) in US dollars. Dates are DATE; moments are TIMESTAMP (local time).
--   * Ages above 89 are stored as 90 (HIPAA Safe Harbor: "90 or older").
--   * Every table states its grain. Primary keys are declared, except on the high-volume child tables
--     (diagnoses, service_lines, adjudications), whose key is stated as `-- unique key: ...` and enforced
--     by the loader's PK_UNIQUE check instead: maintaining an index costs more than a 10M-line load itself.
--     Foreign keys are documented (and checked by the loader) rather than declared, for the same reason.

-- Grain: one row per facility (hospital, clinic or billing entity).
create table if not exists facilities (
    facility_id     varchar primary key,  -- source-system facility id
    facility_name   varchar not null,  -- display name
    state           varchar,             -- USPS state code
    facility_type   varchar              -- 'hospital' | 'clinic' | 'asc'
);

-- Grain: one row per payer (health plan or product line as it appears on remittances).
create table if not exists payers (
    payer_id        varchar primary key,  -- source-system payer id
    payer_name      varchar not null,  -- display name
    payer_type      varchar not null     -- 'medicare' | 'medicare_advantage' | 'medicaid' | 'commercial' | 'self_pay' | 'other'
);

-- Grain: one row per provider (individual clinician, keyed by NPI where known).
create table if not exists providers (
    provider_id     varchar primary key, -- NPI (10 digits) or source-system id
    provider_name   varchar,  -- display name
    specialty_code  varchar,             -- CMS Medicare provider specialty code (ref_specialty)
    facility_id     varchar,             -- home facility -> facilities
    npi             varchar  -- National Provider Identifier (10 digits, Luhn check with prefix 80840) when known
);

-- Grain: one row per coder (person who assigns final codes).
create table if not exists coders (
    coder_id        varchar primary key,  -- source-system coder id
    coder_name      varchar,  -- display name
    credential      varchar,             -- 'CCS' | 'CPC' | 'RHIT' | 'RHIA' | 'CCS-P' | ...
    hire_date       date,  -- date the coder started (for tenure views)
    employment_type varchar              -- 'staff' | 'contract'
);

-- Grain: one row per encounter (an inpatient stay, an outpatient/ED visit or a professional visit),
-- which is also the unit that is coded, audited and billed.
create table if not exists encounters (
    encounter_id            varchar primary key,  -- source-system encounter (visit/stay) id
    patient_id              varchar not null,  -- pseudonymous patient id; never a name or MRN
    facility_id             varchar not null,  -- -> facilities
    encounter_type          varchar not null,  -- 'inpatient' | 'outpatient' | 'emergency' | 'office'
    admit_date              date not null,     -- service start (admission or visit date)
    discharge_date          date not null,     -- service end; equals admit_date for single-day visits.
                                               -- Reporting periods are assigned by discharge_date.
    discharge_status        varchar,           -- UB-04 patient discharge status code ('01', '20', ...)
    attending_provider_id   varchar,           -- -> providers
    specialty_code          varchar,           -- CMS specialty of the attending provider (ref_specialty)
    place_of_service        varchar,           -- CMS place-of-service code (ref_pos)
    payer_id                varchar,           -- primary payer -> payers
    payer_type              varchar,           -- copy of payers.payer_type at the time of service
    drg_code                varchar,           -- MS-DRG, 3 digits ('291'); inpatient only
    drg_version             integer,           -- MS-DRG grouper version (41 = FY2024, 42 = FY2025, 43 = FY2026; 431 = v43.1)
    coder_id                varchar,           -- -> coders
    coding_started_at       timestamp,  -- coder opened the record
    coding_completed_at     timestamp,  -- coder finished final coding
    final_billed_at         timestamp,         -- null = not yet final billed (DNFB if discharged)
    age_years               smallint,          -- at admission, 0..90 (90 = 90 or older)
    sex                     varchar            -- 'F' | 'M' | 'U'
);

-- Grain: one row per diagnosis code on an encounter.
create table if not exists diagnoses (
    encounter_id    varchar not null,     -- -> encounters
    sequence        smallint not null,    -- 1 = principal (inpatient) or first-listed (outpatient)
    code_system     varchar not null,     -- 'ICD10CM' | 'ICD9CM'
    code            varchar not null,     -- normalised, e.g. 'E1165'
    code_version    varchar,              -- code-set fiscal year, e.g. 'FY2026'
    poa             varchar,              -- present on admission: 'Y' | 'N' | 'U' | 'W' | '1' (exempt) | null
    -- unique key: encounter_id, sequence
);

-- Grain: one row per ICD procedure (ICD-10-PCS or ICD-9 vol. 3) on an inpatient encounter.
create table if not exists procedures (
    encounter_id    varchar not null,     -- -> encounters
    sequence        smallint not null,    -- 1 = principal procedure
    code_system     varchar not null,     -- 'ICD10PCS' | 'ICD9PCS'
    code            varchar not null,  -- normalised ICD procedure code, e.g. '0SRC0J9'
    code_version    varchar,              -- e.g. 'FY2026'
    procedure_date  date,  -- date the procedure was performed
    provider_id     varchar,              -- operating/performing provider -> providers
    primary key (encounter_id, sequence)
);

-- Grain: one row per billed service line of an encounter's claim.
create table if not exists service_lines (
    encounter_id          varchar not null,  -- -> encounters
    line_number           smallint not null,  -- line number on the claim, 1..n
    claim_id              varchar not null,  -- claim the line was billed on
    service_date          date not null,  -- date of service of the line
    revenue_code          varchar,           -- UB-04 revenue code (institutional claims)
    code_system           varchar,           -- 'CPT' | 'HCPCS' | null (revenue-code-only line)
    code                  varchar,           -- CPT/HCPCS code
    modifier_1            varchar,           -- CPT/HCPCS modifier 1 (e.g. '25', '59', 'LT')
    modifier_2            varchar,           -- CPT/HCPCS modifier 2 (e.g. '25', '59', 'LT')
    modifier_3            varchar,           -- CPT/HCPCS modifier 3 (e.g. '25', '59', 'LT')
    modifier_4            varchar,           -- CPT/HCPCS modifier 4 (e.g. '25', '59', 'LT')
    units                 decimal(10,2) not null default 1,  -- units of service
    charge_amount         decimal(14,2) not null,  -- billed charge
    allowed_amount        decimal(14,2),     -- final allowed after adjudication and appeals
    paid_amount           decimal(14,2),     -- final paid after adjudication and appeals
    rendering_provider_id varchar,           -- -> providers
    -- unique key: encounter_id, line_number
);

-- Grain: one row per service line per adjudication by the payer (initial = sequence 1;
-- later rows are reprocessing after appeal). Claim-level outcomes are derived from lines.
create table if not exists adjudications (
    claim_id               varchar not null,  -- payer claim / patient control number
    encounter_id           varchar not null,  -- -> encounters
    line_number            smallint not null, -- -> service_lines
    adjudication_seq       smallint not null default 1, -- 1 = initial adjudication
    payer_id               varchar not null,  -- -> payers
    adjudication_date      date not null,  -- remittance (835) or processing date
    billed_amount          decimal(14,2) not null,  -- line charge as submitted
    allowed_amount         decimal(14,2),  -- amount the payer allowed on this adjudication
    paid_amount            decimal(14,2),  -- amount the payer paid on this adjudication
    denied                 boolean not null,  -- the line was denied (paid zero for a denial reason)
    carc_group             varchar,           -- claim adjustment group of the main reason: 'CO' | 'PR' | 'OA' | 'PI' | 'CR'
    carc_code              varchar,           -- main claim adjustment reason code (ref_carc)
    rarc_code              varchar,           -- remittance advice remark code
    adjustment_amount      decimal(14,2),     -- sum of all adjustments on the line (billed - paid)
    appeal_filed           boolean not null default false,  -- an appeal of this denial was filed
    appeal_date            date,  -- date the appeal was filed
    appeal_outcome         varchar,           -- 'overturned' | 'upheld' | 'pending' | null
    appeal_resolved_date   date,  -- date the payer decided the appeal
    -- unique key: claim_id, line_number, adjudication_seq
);

-- Grain: one row per claim adjustment (one CAS reason/amount pair) on an adjudicated line.
create table if not exists adjustments (
    claim_id          varchar not null,  -- -> adjudications.claim_id
    line_number       smallint,            -- null = claim-level adjustment
    adjudication_seq  smallint not null default 1,  -- -> adjudications.adjudication_seq
    adjustment_seq    smallint not null,  -- order of the adjustment within the line (or claim)
    carc_group        varchar not null,    -- 'CO' | 'PR' | 'OA' | 'PI' | 'CR'
    carc_code         varchar not null,  -- claim adjustment reason code (ref_carc)
    amount            decimal(14,2) not null,  -- adjustment amount (positive reduces payment; negative is a reversal)
    quantity          decimal(10,2)  -- adjusted units, when given
);

-- Grain: one row per coding audit of one encounter.
create table if not exists audits (
    audit_id        varchar primary key,  -- source-system audit id
    encounter_id    varchar not null,      -- -> encounters
    coder_id        varchar not null,      -- coder whose work was audited -> coders
    auditor_id      varchar not null,  -- reviewer (auditor) id
    audit_date      date not null,  -- date of the review
    audit_type      varchar,               -- 'random' | 'focused' | 'external'
    drg_before      varchar,               -- MS-DRG as coded (inpatient)
    drg_after       varchar,               -- MS-DRG after the auditor's corrections
    dollar_impact   decimal(14,2)          -- expected payment after minus before (+ = under-coded, - = over-coded)
);

-- Grain: one row per code reviewed in an audit: every code in the final (auditor's) record,
-- plus one row per code the coder assigned that the auditor deleted.
create table if not exists audit_findings (
    audit_id        varchar not null,      -- -> audits
    finding_seq     smallint not null,  -- order within the audit
    code_system     varchar not null,      -- 'ICD10CM' | 'ICD10PCS' | 'CPT' | 'HCPCS' | 'MSDRG' ...
    original_code   varchar,               -- as coded; null when the auditor added the code
    corrected_code  varchar,               -- as it should be; null when the auditor deleted the code
    finding_type    varchar not null,      -- 'correct' | 'added' | 'deleted' | 'revised' | 'resequenced' | 'poa' | 'modifier'
    original_modifiers  varchar,           -- CPT/HCPCS modifiers as coded, in order, comma-separated ('25', '59,LT'); null = none or not recorded
    corrected_modifiers varchar,           -- CPT/HCPCS modifiers as corrected (same form); a 'modifier' finding differs here
    primary key (audit_id, finding_seq)
);

-- Grain: one row per planted pattern in the demo data (ground truth for tests and views).
create table if not exists demo_ground_truth (
    pattern_id      varchar primary key,  -- e.g. 'GT01'
    pattern         varchar not null,      -- 'em_upcoding' | 'modifier_overuse' | 'low_accuracy_coder' | ...
    entity_type     varchar not null,      -- 'provider' | 'coder' | 'payer' | 'facility'
    entity_id       varchar not null,  -- id in the table named by entity_type
    detail          varchar,               -- human-readable description of what was planted
    start_month     date,                  -- first month the pattern applies (null = always)
    parameter       varchar                -- e.g. the CARC code or modifier involved
);

-- Grain: one row per fact about the database (source, build time, generator seed, schema version).
create table if not exists dataset_info (
    key             varchar primary key,  -- 'source' | 'built_at' | 'seed' | 'n_encounters' | 'period_start' | 'period_end' | 'schema_version' ...
    value           varchar  -- value as text
);

-- Grain: one row per database file (exactly one row): the identity of the build that wrote it.
create table if not exists build_info (
    build_id        varchar not null  -- random id (uuid4) written by every build and load; result caches key on it, so a new file invalidates them
);

---------------------------------------------------------------------------------------------
-- Data quality (dq_*): the check catalog and the reports of every load and check run.
---------------------------------------------------------------------------------------------

-- Grain: one row per data-quality check in the catalog (rules are data: data/loading/checks.csv).
create table if not exists dq_checks (
    check_id        varchar primary key,   -- e.g. 'DX_CODE_VALID_FY'
    table_name      varchar not null,      -- canonical table checked, or '*' for file-level checks
    column_name     varchar,               -- column checked (null = whole row or file)
    description     varchar not null,      -- what the check verifies, in plain words
    severity        varchar not null,      -- 'block' (nothing is loaded) | 'warn' (loaded and recorded)
    threshold       double,                -- share of failing rows tolerated before the check fails (0 = none)
    parameter       varchar                -- check-specific limit: a date, an amount or an allowed set 'A|B' (null = none)
);

-- Grain: one row per load or check run that completed (a rejected load leaves the database untouched;
-- its report is printed and written beside the database instead).
create table if not exists dq_runs (
    run_id          varchar primary key,   -- e.g. '20261126T214500-load'
    kind            varchar not null,      -- 'load' | 'check' | 'demo'
    mode            varchar,               -- 'replace' | 'append' (loads)
    source_format   varchar,               -- 'native' | 'demo' | importer name
    sources         varchar,               -- files read, comma-separated
    started_at      timestamp not null,               -- when the run started
    finished_at     timestamp,                        -- when the run finished
    status          varchar not null,      -- 'loaded' | 'loaded_with_warnings' | 'checked'
    rows_read       bigint,                           -- data rows read from the sources
    rows_loaded     bigint,                           -- rows written to canonical tables
    rows_rejected   bigint                            -- rows not loaded (0 unless a warn check drops rows)
);

-- Grain: one row per check per table per run: how many rows were checked and how many failed.
create table if not exists dq_results (
    run_id          varchar not null,      -- -> dq_runs
    check_id        varchar not null,      -- -> dq_checks
    table_name      varchar not null,                 -- canonical table the check ran on
    rows_checked    bigint not null,                  -- rows the check looked at
    rows_failed     bigint not null,                  -- rows that failed the check
    pct_failed      double,                -- rows_failed / rows_checked
    status          varchar not null,      -- 'pass' | 'warn' | 'fail'
    primary key (run_id, check_id, table_name)
);

-- Grain: one row per example failure kept for drill-down (at most a configurable number per check per run).
create table if not exists dq_failures (
    run_id          varchar not null,      -- -> dq_runs
    check_id        varchar not null,      -- -> dq_checks
    table_name      varchar not null,                 -- canonical table of the row
    file            varchar,               -- source file (null for checks on loaded tables)
    line            bigint,                -- 1-based line number in the file (header = line 1)
    column_name     varchar,                          -- column of the offending value
    value           varchar,               -- offending value, truncated to 100 characters
    message         varchar,               -- what is wrong, in plain words
    encounter_id    varchar                -- encounter of the row, when it has one (for suppression of patient-level rows)
);

-- Grain: one row per column of each canonical table per run: completeness.
create table if not exists dq_completeness (
    run_id          varchar not null,      -- -> dq_runs
    table_name      varchar not null,                 -- canonical table
    column_name     varchar not null,                 -- column
    rows_total      bigint not null,                  -- rows in the table
    rows_null       bigint not null,       -- null or empty
    primary key (run_id, table_name, column_name)
);

---------------------------------------------------------------------------------------------
-- Reference tables (ref_*), built from maintained packages or public CMS lists; see data/README.md.
---------------------------------------------------------------------------------------------

-- Grain: one row per reference table build: where its content came from.
create table if not exists ref_sources (
    table_name      varchar primary key,  -- a ref_* table
    source          varchar not null,      -- package or publication
    source_version  varchar,               -- package version or release
    note            varchar  -- how the table was derived and its limits
);

-- Grain: one row per ICD-10-CM code (chapter, block, category, subcategory and billable codes).
create table if not exists ref_icd10cm (
    code            varchar primary key,   -- normalised
    code_dotted     varchar not null,  -- display form, e.g. 'E11.65'
    description     varchar not null,  -- CMS title (public domain)
    billable        boolean not null,      -- true for leaf (valid for HIPAA transactions) codes
    level           varchar not null,      -- 'category' | 'subcategory' | 'code'
    category        varchar not null,      -- 3-character category, e.g. 'E11'
    block           varchar,               -- block range, e.g. 'E08-E13'
    block_description varchar,  -- title of the block
    chapter         varchar,               -- chapter number, e.g. '4'
    chapter_description varchar,  -- title of the chapter
    unspecified     boolean not null,      -- description contains 'unspecified'
    valid_from_fy   smallint,              -- first fiscal year the billable code is valid (where known)
    valid_to_fy     smallint               -- last fiscal year valid (null = still valid)
);

-- Grain: one row per ICD-10-PCS code known to the MS-DRG grouper tables.
create table if not exists ref_icd10pcs (
    code            varchar primary key,  -- normalised 7-character code
    section         varchar not null,      -- 1st character
    body_system     varchar not null,      -- 2nd character
    root_operation  varchar not null,      -- 3rd character
    section_label   varchar,  -- name of the section (CMS)
    root_operation_label varchar,  -- name of the root operation (sections 0 and 1)
    description     varchar  -- CMS title (public domain), null where unknown
);

-- Grain: one row per MS-DRG per grouper version.
create table if not exists ref_msdrg (
    drg_version     integer not null,      -- grouper version: 41, 411 (= v41.1), 42, 421, 43, 431 (= v43.1)
    drg_code        varchar not null,      -- 3 digits
    description     varchar not null,  -- MS-DRG title (CMS, public domain)
    mdc             varchar,               -- '05', 'PRE', ...
    drg_type        varchar,               -- 'MED' | 'SURG'
    relative_weight double,  -- CMS IPPS Table 5 relative weight (null where no Table 5 is available)
    gmlos           double,                -- geometric mean length of stay
    amlos           double,                -- arithmetic mean length of stay
    severity        varchar,               -- 'MCC' | 'CC' | 'CC/MCC' | 'NONE' (split level of this DRG)
    base_drg        varchar,               -- first DRG of the family (e.g. 291 for 291-293)
    primary key (drg_version, drg_code)
);

-- Grain: one row per ICD-10-CM code that is a CC or MCC in a grouper version.
create table if not exists ref_cc_mcc (
    drg_version     integer not null,  -- MS-DRG grouper version (see ref_msdrg.drg_version)
    code            varchar not null,  -- normalised ICD-10-CM code
    level           varchar not null,      -- 'CC' | 'MCC'
    primary key (drg_version, code)
);

-- Grain: one row per ICD-10-CM code mapped to a CMS-HCC (model version, payment year).
create table if not exists ref_hcc (
    model           varchar not null,      -- 'V28'
    payment_year    integer not null,  -- CMS payment year of the mapping
    code            varchar not null,  -- normalised ICD-10-CM code
    hcc             varchar not null,  -- HCC, e.g. 'HCC38'
    hcc_label       varchar,  -- HCC label (CMS)
    primary key (model, payment_year, code, hcc)
);

-- Grain: one row per CMS Medicare provider specialty code.
create table if not exists ref_specialty (
    specialty_code  varchar primary key,  -- two-character CMS specialty code, e.g. '06'
    specialty_name  varchar not null  -- CMS specialty name
);

-- Grain: one row per CMS place-of-service code.
create table if not exists ref_pos (
    pos_code        varchar primary key,  -- two-digit place-of-service code, e.g. '11'
    pos_name        varchar not null  -- CMS place-of-service name
);

-- Grain: one row per claim adjustment reason code (our own category label, never X12 text).
create table if not exists ref_carc (
    carc_code       varchar primary key,  -- X12 claim adjustment reason code, e.g. '97' (code only)
    category        varchar not null,      -- 'eligibility' | 'authorization' | 'coding_bundling' | 'medical_necessity' | ...
    category_label  varchar not null,  -- codedash's own label for the category
    usual_groups    varchar,               -- e.g. 'CO,PI'
    coding_related  boolean not null       -- category is one coding can cause
);

-- Grain: one row per CPT/HCPCS code used by codedash views (our own plain label, never AMA text).
create table if not exists ref_procedure_labels (
    code_system     varchar not null,      -- 'CPT' | 'HCPCS'
    code            varchar not null,  -- CPT or HCPCS code
    label           varchar not null,      -- codedash's own short label
    category        varchar,               -- 'E/M office' | 'E/M ED' | 'surgery' | 'radiology' | ...
    em_level        smallint,              -- 1..5 for E/M family codes, null otherwise
    em_family       varchar,               -- 'office_new' | 'office_established' | 'ed' | 'inpatient_initial' ...
    primary key (code_system, code)
);

---------------------------------------------------------------------------------------------
-- Coding edits (ncci_*): CMS National Correct Coding Initiative tables, loaded by `codedash load-edits`
-- (or the demo's own demonstration set, edit_source = 'demo'). See data/README.md, "NCCI edits".
---------------------------------------------------------------------------------------------

-- Grain: one row per NCCI procedure-to-procedure edit (column 1 code, column 2 code, effective date).
create table if not exists ncci_ptp (
    column1_code        varchar not null,  -- comprehensive code (CPT/HCPCS)
    column2_code        varchar not null,  -- component code, not separately payable with column 1 on one date
    effective_date      date not null,     -- first date of service the edit applies to
    deletion_date       date,              -- last date of service the edit applies to (null = still in force)
    modifier_indicator  varchar not null,  -- '0' no modifier allowed | '1' an NCCI-associated modifier bypasses | '9' not applicable
    edit_source         varchar not null,  -- 'cms' (a CMS file) | 'demo' (demonstration set, not CMS's)
    source_file         varchar,           -- file the row was read from
    release             varchar,           -- release named by the file or the --release option (e.g. '2026Q1')
    primary key (column1_code, column2_code, effective_date)
);

-- Grain: one row per NCCI medically unlikely edit (one HCPCS/CPT code per service type file).
create table if not exists ncci_mue (
    code                    varchar not null,  -- CPT/HCPCS code
    mue_value               integer not null,  -- most units of service one beneficiary is likely to get on one date
    adjudication_indicator  varchar not null,  -- MAI: '1' per line | '2' per day (policy) | '3' per day (clinical)
    service_type            varchar not null,  -- 'practitioner' | 'outpatient' | 'dme' | 'demo'
    edit_source             varchar not null,  -- 'cms' | 'demo' (demonstration set, not CMS's)
    source_file             varchar,           -- file the row was read from
    release                 varchar,           -- release of the file
    primary key (code, service_type)
);
