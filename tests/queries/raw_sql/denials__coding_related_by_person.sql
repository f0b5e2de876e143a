-- purpose: Coding-related denials (CARC categories codedash marks coding_related: coding/bundling, medical necessity) per coder or attending provider, with the claims they coded or attended as denominator.
-- grain: one row per coder (role = coder) or attending provider (role = provider) with at least one claim adjudicated for the first time.
-- params: filters, role text = coder
-- suppress: claims_adjudicated -> lines_adjudicated, billed_amount, claims_coding_denied, coding_denied_amount, lines_coding_denied, claims_denied, top_carcs; claims_coding_denied -> coding_denied_amount, lines_coding_denied, top_carcs; claims_denied -> top_carcs
with enc as (
    select encounter_id,
           case when $role = 'provider' then attending_provider_id else coder_id end as person_id
    from {{filtered_encounters}}
    where $role in ('coder', 'provider')
),

initial_lines as (
    select e.person_id, j.claim_id, j.billed_amount, j.denied, j.carc_group, j.carc_code,
           j.denied and coalesce(r.coding_related, false) as coding_denied
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and e.person_id is not null
),

per_person as (
    select person_id,
           count(distinct claim_id) as claims_adjudicated,
           count(distinct case when denied then claim_id end) as claims_denied,
           count(distinct case when coding_denied then claim_id end) as claims_coding_denied,
           count(*) as lines_adjudicated,
           sum(case when coding_denied then 1 else 0 end) as lines_coding_denied,
           sum(billed_amount) as billed_amount,
           sum(case when coding_denied then billed_amount else 0 end) as coding_denied_amount
    from initial_lines
    group by person_id
),

-- The three most frequent coding-related reasons per person (ties by code), codes only: 'CO-97, CO-50'.
reason_counts as (
    select person_id, carc_group || '-' || carc_code as reason, count(*) as n
    from initial_lines
    where coding_denied
    group by person_id, carc_group, carc_code
),

reason_ranked as (
    select person_id, reason, n,
           row_number() over (partition by person_id order by n desc, reason) as rn
    from reason_counts
),

top_reasons as (
    select person_id, string_agg(reason, ', ' order by rn) as top_carcs
    from reason_ranked
    where rn <= 3
    group by person_id
),

final as (
    select p.person_id,
           coalesce(case when $role = 'provider' then pr.provider_name else c.coder_name end, p.person_id)
               as person_name,
           p.claims_adjudicated, p.claims_denied, p.claims_coding_denied, p.lines_adjudicated, p.lines_coding_denied,
           p.billed_amount, p.coding_denied_amount,
           coalesce(t.top_carcs, '') as top_carcs
    from per_person as p
    left join top_reasons as t on t.person_id = p.person_id
    left join coders as c on $role = 'coder' and c.coder_id = p.person_id
    left join providers as pr on $role = 'provider' and pr.provider_id = p.person_id
)

select * from final order by lines_coding_denied desc, person_id
