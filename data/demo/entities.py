"""Facilities, payers, providers and coders of the demo (synthetic, obviously fake names)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import mixes, planted

FACILITIES = pd.DataFrame([
    ("F001", "Lakeside Demo General Hospital", "OH", "hospital", 1.00),
    ("F002", "Riverbend Demo Medical Center", "OH", "hospital", 1.12),
    ("F003", "Hilltop Demo Regional Hospital", "PA", "hospital", 1.05),
    ("F004", "Meadowview Demo Community Hospital", "PA", "hospital", 0.92),
    ("F005", "Northgate Demo Clinic Group", "OH", "clinic", 0.95),
    ("F006", "Southpoint Demo Surgery & Clinics", "PA", "asc", 1.00),
], columns=["facility_id", "facility_name", "state", "facility_type", "charge_factor"])
CLINIC_HOSPITAL = {"F005": "F001", "F006": "F003"}

# payer_id, name, type, allowed ratio, adjudication lag (days), denial multiplier, appeal/overturn bias
PAYERS = pd.DataFrame([
    ("P001", "Demo Medicare Part A/B", "medicare", 0.30, 14, 0.7),
    ("P002", "Acme Demo Medicare Advantage", "medicare_advantage", 0.33, 24, 1.3),
    ("P003", "Zenith Demo Senior Advantage", "medicare_advantage", 0.34, 28, 1.2),
    ("P004", "Demo State Medicaid", "medicaid", 0.25, 35, 1.5),
    ("P005", "Bluebird Demo Health Plan", "commercial", 0.52, 18, 0.9),
    ("P006", "Orchard Demo Insurance Co", "commercial", 0.48, 21, 1.1),
    ("P007", "Summit Demo Employer Plan", "commercial", 0.56, 12, 0.6),
    ("P008", "Self-pay (demo)", "self_pay", 0.40, 10, 0.0),
], columns=["payer_id", "payer_name", "payer_type", "allowed_ratio", "lag_days", "denial_mult"])

# patient segment -> payer probabilities (P001..P008)
SEGMENT_PAYERS = {
    "child": (0.0, 0.0, 0.0, 0.45, 0.22, 0.17, 0.13, 0.03),
    "ob": (0.0, 0.0, 0.0, 0.42, 0.22, 0.18, 0.12, 0.06),
    "adult": (0.03, 0.01, 0.01, 0.22, 0.25, 0.21, 0.18, 0.09),
    "senior": (0.48, 0.2, 0.2, 0.05, 0.03, 0.02, 0.02, 0.0),
}
SEGMENTS = ("child", "ob", "adult", "senior")

FIRST = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall",
         "Logan", "Morgan", "Parker", "Quinn", "Reese", "Rowan", "Sawyer", "Taylor", "Skyler"]
LAST = ["Testwell", "Demoson", "Samplewood", "Mockridge", "Fakely", "Placeholder", "Dummyfield",
        "Synthia", "Examplar", "Notreal", "Fictio", "Stubbs", "Fixture", "Pretendo"]


def npi_check_digit(base9: str) -> str:
    """Luhn check digit over the 80840 prefix + the 9-digit NPI base (CMS NPI rule)."""
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def build_providers() -> pd.DataFrame:
    rows = []
    k = 0
    hospitals = ["F001", "F002", "F003", "F004"]
    for spec in sorted(mixes.SPECIALTIES):
        count, volume, types, _ = mixes.SPECIALTIES[spec]
        for i in range(count):
            k += 1
            base9 = f"{9 * 10**7 + k * 7919 % 10**7 + 10**8:09d}"[-9:]
            base9 = "1" + base9[1:]
            npi = base9 + npi_check_digit(base9)
            inpatient_capable = types[3] > 0 or types[1] > 0 or types[2] > 0
            if inpatient_capable:
                facility = hospitals[k % 4]
            else:
                facility = "F005" if k % 2 else "F006"
            role = ""
            vol = volume
            if spec == "11" and i == planted.UPCODER_IM + 1:      # provider 0 of IM is a hospitalist-style
                role = "upcoder_im"
            elif spec == "08" and i == planted.UPCODER_FP:
                role = "upcoder_fp"
            elif spec == planted.MODIFIER25_SPECIALTY and i == 0:
                role = "modifier25"
            if role:
                vol *= planted.PLANTED_VOLUME
            name = f"{FIRST[k % len(FIRST)]} {LAST[(k * 5) % len(LAST)]} (demo)"
            rows.append((npi, name, spec, facility, npi, role, vol))
    return pd.DataFrame(rows, columns=["provider_id", "provider_name", "specialty_code", "facility_id",
                                       "npi", "role", "volume"])


# coder_id, name, credential, hire date, employment, work pool, accuracy, speed (x effort)
CODERS = pd.DataFrame([
    ("C001", "Ada Demo-Coder", "CCS", "2014-03-03", "staff", "inpatient", 0.965, 0.85),
    ("C002", "Bo Demo-Coder", "CCS", "2017-06-12", "staff", "inpatient", 0.955, 1.00),
    ("C003", "Cy Demo-Coder", "RHIT", "2019-09-23", "staff", "inpatient", 0.945, 1.10),
    ("C004", "Di Demo-Coder", "RHIA", "2021-01-11", "contract", "inpatient", 0.950, 1.25),
    ("C005", "Ed Demo-Coder", "CPC", "2015-05-04", "staff", "profee", 0.960, 0.90),
    ("C006", "Flo Demo-Coder", "CPC", "2016-08-15", "staff", "profee", 0.955, 1.00),
    ("C007", "Gus Demo-Coder", "CCS-P", "2018-02-26", "staff", "profee", 0.950, 0.80),
    ("C008", "Hal Demo-Coder", "CPC", "2020-10-05", "staff", "profee", 0.945, 1.15),
    ("C009", "Ivy Demo-Coder", "CPC", "2022-04-18", "contract", "profee", 0.800, 0.75),
    ("C010", "Jo Demo-Coder", "COC", "2019-07-08", "staff", "profee", 0.960, 1.05),
    ("C011", "Kit Demo-Coder", "CPC", "2023-01-09", "contract", "profee", 0.940, 1.30),
    ("C012", "Lu Demo-Coder", "CCS-P", "2017-11-20", "staff", "profee", 0.935, 0.95),
    ("C013", "Mo Demo-Coder", "CPC", "2021-06-14", "staff", "profee", 0.955, 1.10),
    ("C014", "Ned Demo-Coder", "CCS", "2016-04-25", "staff", "inpatient", 0.960, 0.95),
], columns=["coder_id", "coder_name", "credential", "hire_date", "employment_type", "pool", "accuracy",
            "speed"])


def build_patient_pools(n_encounters: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Per segment: birth date, sex and payer of each synthetic patient (about 2.5 visits each)."""
    shares = {"child": 0.10, "ob": 0.06, "adult": 0.42, "senior": 0.42}
    pools = {}
    start = np.datetime64("2023-10-01")
    for seg in SEGMENTS:
        n = max(60, int(n_encounters * shares[seg] / 2.5))
        lo, hi = {"child": (0, 15), "ob": (16, 44), "adult": (18, 62), "senior": (65, 99)}[seg]
        age0 = rng.uniform(lo, hi + 1, n)
        birth = start - (age0 * 365.25).astype("timedelta64[D]")
        if seg == "ob":
            sex = np.full(n, "F")
        else:
            sex = np.where(rng.random(n) < (0.5 if seg == "child" else 0.55), "F", "M")
        payer = rng.choice(len(PAYERS), n, p=np.array(SEGMENT_PAYERS[seg]) / sum(SEGMENT_PAYERS[seg]))
        pools[seg] = pd.DataFrame({
            "patient_id": [f"PT{seg[0].upper()}{i:07d}" for i in range(n)],
            "birth": birth, "sex": sex, "payer": payer})
    return pools
