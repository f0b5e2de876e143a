-- purpose: Why canonical tables are empty in the loaded source (recorded by importers), so empty views can say why.
-- grain: one row per empty canonical table with a recorded reason.
-- params: none
-- scope: none: load metadata (why a canonical table is empty), no patient or facility rows
with final as (
    select substr(key, length('empty_reason:') + 1) as table_name, value as reason
    from dataset_info
    where key like 'empty_reason:%'
)

select * from final order by table_name
