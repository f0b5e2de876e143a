-- purpose: Coding-related denials (CARC categories codedash marks coding_related: coding/bundling, medical necessity) per coder or attending provider, with the claims they coded or attended as denominator.
-- grain: one row per coder (role = coder) or attending provider (role = provider) with at least one claim adjudicated for the first time.
-- params: filters, role text = coder
-- counts: guarded claims_adjudicated; part claims_denied <- claims_adjudicated; part claims_coding_denied <- claims_denied; derived lines_adjudicated <- claims_adjudicated; derived lines_coding_denied <- claims_coding_denied
-- suppress: claims_adjudicated -> billed_amount, top_carcs; claims_coding_denied -> coding_denied_amount, top_carcs; claims_denied -> top_carcs
-- totals: parts claims_adjudicated, claims_denied, claims_coding_denied, lines_adjudicated, lines_coding_denied
-- Claims on first adjudication (data/marts/mart_claims_initial.sql) and their lines denied for a
-- coding-related reason (data/marts/mart_denials_initial.sql), per coder or attending provider.
with claims as (
    select case when $role = 'provider' then attending_provider_id else coder_id end as person_id,
           claim_id, lines_adjudicated, billed_amount, is_denied
    from {{initial_claims}}
    where $role in ('coder', 'provider')
),

coding_denials as (
    select case when $role = 'provider' then attending_provider_id else coder_id end as person_id,
           claim_id, carc_group, carc_code, lines_denied, denied_amount
    from mart_denials_initial
    where {{encounter_filter}} and $role in ('coder', 'provider') and coding_related
),

-- One row per claim in mart_claims_initial: counting rows counts distinct claims.
claim_parts as (
    select person_id,
           count(*) as claims_adjudicated,
           count(case when is_denied = 1 then 1 end) as claims_denied,
           cast(sum(lines_adjudicated) as bigint) as lines_adjudicated,
           sum(billed_amount) as billed_amount
    from claims
    where person_id is not null
    group by person_id
),

coding_parts as (
    select person_id,
           count(distinct claim_id) as claims_coding_denied,
           sum(lines_denied) as lines_coding_denied,
           sum(denied_amount) as coding_denied_amount
    from coding_denials
    where person_id is not null
    group by person_id
),

-- The three most frequent coding-related reasons per person (ties by code), codes only: a count in
-- the text would show a small cell that suppression cannot reach.
reason_counts as (
    select person_id, carc_group || '-' || carc_code as reason, sum(lines_denied) as n
    from coding_denials
    where person_id is not null
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
           p.claims_adjudicated, p.claims_denied,
           coalesce(k.claims_coding_denied, 0) as claims_coding_denied,
           p.lines_adjudicated,
           coalesce(k.lines_coding_denied, 0) as lines_coding_denied,
           p.billed_amount,
           coalesce(k.coding_denied_amount, 0) as coding_denied_amount,
           coalesce(t.top_carcs, '') as top_carcs
    from claim_parts as p
    left join coding_parts as k on k.person_id = p.person_id
    left join top_reasons as t on t.person_id = p.person_id
    left join coders as c on $role = 'coder' and c.coder_id = p.person_id
    left join providers as pr on $role = 'provider' and pr.provider_id = p.person_id
)

select * from final order by lines_coding_denied desc, person_id
