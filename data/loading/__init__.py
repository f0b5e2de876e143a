"""Loading a user's own data: the native format, the data-quality check catalog, atomic publication.

    from codedash.data.loading import load_native, LoadRejected
    report = load_native(["exports/"], "var/site.duckdb", mode="replace")

See data/README.md (native format) and docs/decisions.md (atomic loads).
"""
from codedash.data.loading.checking import record_table_checks
from codedash.data.loading.loader import LoadRejected, load_native

__all__ = ["load_native", "LoadRejected", "record_table_checks"]
