-- purpose: Where the NCCI edits in the database came from (CMS files loaded with `codedash load-edits`, or the demo's demonstration set), so the compliance page can label them.
-- grain: one row per edit table (ptp, mue), edit source and release.
-- params: none
-- scope: none: reference data (the loaded NCCI/MUE edit tables), no patient or facility rows
-- counts: public n_edits
with sources as (
    select 'ptp' as edit_table, edit_source, release, count(*) as n_edits
    from ncci_ptp
    group by edit_source, release
    union all
    select 'mue', edit_source, release, count(*)
    from ncci_mue
    group by edit_source, release
),

final as (
    select edit_table, edit_source, coalesce(release, '') as release, n_edits
    from sources
)

select * from final order by edit_table, edit_source, release
