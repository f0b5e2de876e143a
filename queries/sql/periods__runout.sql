-- purpose: Run-out of each discharge month: the claims of the month's encounters and how many of them the payer has adjudicated for the first time; queries/periods.py calls a month complete once that share reaches the setting CODEDASH_RUNOUT_COMPLETE_SHARE.
-- grain: one row per discharge month with at least one claim in scope.
-- params: none
-- counts: guarded n_claims; part claims_first_adjudicated <- n_claims
-- Claims and their first adjudication: data/marts/mart_claims_submitted.sql. Only the user's scope applies
-- (no filter): whether a month's remittances have arrived is a property of the data, not of a view.
with claims as (
    select discharge_month, is_adjudicated
    from mart_claims_submitted
    where ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], facility_id))
),

final as (
    select discharge_month as month,
           count(*) as n_claims,
           sum(is_adjudicated) as claims_first_adjudicated
    from claims
    group by discharge_month
)

select * from final order by month
