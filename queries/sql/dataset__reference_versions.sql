-- purpose: The release of each reference code set the database was built with (package and version), for export sidecars and page notes.
-- grain: one row per reference table.
-- params: none
-- scope: none: reference data versions, no patient or facility rows
with final as (
    select table_name, source, source_version
    from ref_sources
)

select * from final order by table_name
