"""A tiny database for the compliance measures: 10 encounters whose numerators and denominators are worked out by hand.

Reference rows are test values (not shipped facts). Dates: office visits in January 2025 (US fiscal year 2025).

Providers PA, PB (Internal Medicine, 11) and PC (Dermatology, 07); coders K1, K2; hospitals H1, H2.

enc  type       prov coder  lines (code[modifier] units)                  diagnoses (seq order)
E1   office     PA   K1     99214, 99215                                  E119, I509
E2   office     PA   K1     99213                                         E1165
E3   office     PB   K2     99215[25], 17000                              I509
E4   office     PB   K2     99212, 93000, 93010                           I5022
E5   office     PC   K1     17000, 11102[59], 97110 x5                    R69, U099
E6   inpatient  PA   K2     DRG 291 (MED, MCC), H1, 4 days                I214, I5022 (MCC), N179 (CC)
E7   inpatient  PA   K2     DRG 292 (MED, CC),  H1, 1 day                 I214, N179
E8   inpatient  PB   K1     DRG 293 (MED, none), H2, 3 days               I214
E9   inpatient  PB   K1     DRG 871 (MED, MCC), H2, same day              A419, I5022
E10  inpatient  PA   K2     DRG 470 (SURG, none; family 469), H1, 2 days  I214

Unspecified (ref_icd10cm.unspecified): I509, R69, A419. U099 was valid until FY2024 (deleted). Edits: PTP 93000/93010
modifier indicator 0, 17000/11102 indicator 1; MUE 97110 = 4 (MAI 3). Denials: E1 and E4 carry a CO-97 (coding-
related) line denial, E3 a CO-197 (authorization, not coding-related). Audits: A1 of E1 (K1): E119 -> E1165 revised,
I509 correct; A2 of E3 (K2): I509 -> I5022 revised, I10 deleted, one added code.

Expected (numerator / denominator):
EM_OFFICE_EST_HIGH   PA 2/3 (99214, 99215 of 3 lines)   PB 1/2
MOD25_PROV           PA 0/3   PB 1/2 (E3's 99215-25 beside 17000; E4's 99212 has no procedure)
MOD59_PROV           PB 0/2 (E4: 93000, 93010)   PC 1/3 (E5: 11102-59 of three procedure lines)
NCCI_PTP_PROV        PB 1/1 (93000/93010, indicator 0)   PC 0/1 (17000/11102 bypassed by 59)
NCCI_MUE_PROV        PC 1/1 (97110: 5 units > 4)
UNSPEC_CODER         K1 3/8 (I509, R69, A419)   K2 1/8
UNSPEC_PROV          PA 1/9   PB 2/5   PC 1/2
UNDERSPEC_CODER      K1 0/8   K2 0/8 (no longer sibling is used 5 times by others)
INVALID_FY_CODER     K1 1/8 (U099 in FY2025)   K2 0/8;   INVALID_FY_PROV PA 0/9  PB 0/5  PC 1/2
AUDIT_SPECIFIC_CODER K1 1/2   K2 1/2 (the added code has no original and is not counted)
DENIAL_CODING_PROV   PA 1/2   PB 1/2   PC 0/1
PEP_MCC_FAC          H1 1/3  H2 1/2      PEP_MCC_PROV          PA 1/3  PB 1/2
PEP_MED_CCMCC_FAC    H1 2/2  H2 1/2      PEP_SURG_CCMCC_FAC    H1 0/1
PEP_SINGLE_CCMCC_FAC H1 1/2 (E7)  H2 1/1 (E9)
PEP_SEPSIS_FAC       H1 0/2  H2 1/2      PEP_MED_1DAY_FAC      H1 1/2 (E7)  H2 1/2 (E9)
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from codedash.data.database import memory_database
from tests.fixtures import _insert, with_marts

D = dt.date

# encounter, type, provider, specialty, coder, facility, admit, discharge, drg
ENCOUNTERS = [
    ("E1", "office", "PA", "11", "K1", "H1", D(2025, 1, 6), D(2025, 1, 6), None),
    ("E2", "office", "PA", "11", "K1", "H1", D(2025, 1, 7), D(2025, 1, 7), None),
    ("E3", "office", "PB", "11", "K2", "H2", D(2025, 1, 8), D(2025, 1, 8), None),
    ("E4", "office", "PB", "11", "K2", "H2", D(2025, 1, 9), D(2025, 1, 9), None),
    ("E5", "office", "PC", "07", "K1", "H2", D(2025, 1, 10), D(2025, 1, 10), None),
    ("E6", "inpatient", "PA", "11", "K2", "H1", D(2025, 1, 1), D(2025, 1, 5), "291"),
    ("E7", "inpatient", "PA", "11", "K2", "H1", D(2025, 1, 10), D(2025, 1, 11), "292"),
    ("E8", "inpatient", "PB", "11", "K1", "H2", D(2025, 1, 12), D(2025, 1, 15), "293"),
    ("E9", "inpatient", "PB", "11", "K1", "H2", D(2025, 1, 20), D(2025, 1, 20), "871"),
    ("E10", "inpatient", "PA", "11", "K2", "H1", D(2025, 1, 21), D(2025, 1, 23), "470"),
]
# encounter, line, code, modifier_1, units, denied, carc
LINES = [
    ("E1", 1, "99214", None, 1, True, "97"),
    ("E1", 2, "99215", None, 1, False, None),
    ("E2", 1, "99213", None, 1, False, None),
    ("E3", 1, "99215", "25", 1, True, "197"),
    ("E3", 2, "17000", None, 1, False, None),
    ("E4", 1, "99212", None, 1, False, None),
    ("E4", 2, "93000", None, 1, False, None),
    ("E4", 3, "93010", None, 1, True, "97"),
    ("E5", 1, "17000", None, 1, False, None),
    ("E5", 2, "11102", "59", 1, False, None),
    ("E5", 3, "97110", None, 5, False, None),
]
DIAGNOSES = {
    "E1": ["E119", "I509"], "E2": ["E1165"], "E3": ["I509"], "E4": ["I5022"], "E5": ["R69", "U099"],
    "E6": ["I214", "I5022", "N179"], "E7": ["I214", "N179"], "E8": ["I214"], "E9": ["A419", "I5022"],
    "E10": ["I214"],
}
# code, category, unspecified, valid_from_fy, valid_to_fy
ICD10CM = [
    ("E119", "E11", False, None, None), ("E1165", "E11", False, None, None), ("I509", "I50", True, None, None),
    ("I5022", "I50", False, None, None), ("R69", "R69", True, None, None), ("U099", "U09", False, 2021, 2024),
    ("I214", "I21", False, None, None), ("N179", "N17", False, None, None), ("A419", "A41", True, None, None),
    ("I10", "I10", False, None, None),
]
# drg, type, severity, base
MSDRG = [("291", "MED", "MCC", "291"), ("292", "MED", "CC", "291"), ("293", "MED", "NONE", "291"),
         ("871", "MED", "MCC", "871"), ("872", "MED", "NONE", "871"),
         ("469", "SURG", "MCC", "469"), ("470", "SURG", "NONE", "469")]
LABELS = [("99211", "E/M office", 1, "office_established"), ("99212", "E/M office", 2, "office_established"),
          ("99213", "E/M office", 3, "office_established"), ("99214", "E/M office", 4, "office_established"),
          ("99215", "E/M office", 5, "office_established"), ("17000", "surgery", None, None),
          ("11102", "surgery", None, None), ("93000", "cardiology", None, None),
          ("93010", "cardiology", None, None), ("97110", "therapy", None, None)]


def build():
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame([("H1", "Hospital One", "WI", "hospital"),
                                             ("H2", "Hospital Two", "WI", "hospital")],
                                            columns=["facility_id", "facility_name", "state", "facility_type"]))
    _insert(con, "payers", pd.DataFrame([("PY", "Payer", "medicare")], columns=["payer_id", "payer_name", "payer_type"]))
    _insert(con, "coders", pd.DataFrame([("K1", "Coder K1"), ("K2", "Coder K2")], columns=["coder_id", "coder_name"]))
    _insert(con, "providers", pd.DataFrame([("PA", "Dr A", "11", "H1"), ("PB", "Dr B", "11", "H2"),
                                            ("PC", "Dr C", "07", "H2")],
                                           columns=["provider_id", "provider_name", "specialty_code", "facility_id"]))
    _insert(con, "ref_specialty", pd.DataFrame([("11", "Internal Medicine"), ("07", "Dermatology")],
                                               columns=["specialty_code", "specialty_name"]))
    _insert(con, "ref_icd10cm", pd.DataFrame([
        {"code": c, "code_dotted": c, "description": f"test {c}", "billable": True, "level": "code", "category": cat,
         "unspecified": u, "valid_from_fy": vf, "valid_to_fy": vt} for c, cat, u, vf, vt in ICD10CM]))
    _insert(con, "ref_msdrg", pd.DataFrame([
        {"drg_version": 43, "drg_code": d, "description": f"test DRG {d}", "drg_type": t, "severity": s,
         "base_drg": b, "relative_weight": 1.0} for d, t, s, b in MSDRG]))
    _insert(con, "ref_cc_mcc", pd.DataFrame([(43, "I5022", "MCC"), (43, "N179", "CC")],
                                            columns=["drg_version", "code", "level"]))
    _insert(con, "ref_carc", pd.DataFrame([("97", "coding_bundling", "Coding / bundling", "CO", True),
                                           ("197", "authorization", "Authorization", "CO", False)],
                                          columns=["carc_code", "category", "category_label", "usual_groups",
                                                   "coding_related"]))
    _insert(con, "ref_procedure_labels", pd.DataFrame([
        {"code_system": "CPT", "code": c, "label": f"test {c}", "category": cat, "em_level": lvl, "em_family": fam}
        for c, cat, lvl, fam in LABELS]))
    _insert(con, "ncci_ptp", pd.DataFrame([
        ("93000", "93010", D(2020, 1, 1), None, "0", "demo"), ("17000", "11102", D(2020, 1, 1), None, "1", "demo"),
        ("99213", "17000", D(2020, 1, 1), D(2020, 12, 31), "0", "demo"),          # deleted before the data
    ], columns=["column1_code", "column2_code", "effective_date", "deletion_date", "modifier_indicator",
                "edit_source"]))
    _insert(con, "ncci_mue", pd.DataFrame([("97110", 4, "3", "demo", "demo")],
                                          columns=["code", "mue_value", "adjudication_indicator", "service_type",
                                                   "edit_source"]))
    _insert(con, "encounters", pd.DataFrame([{
        "encounter_id": e, "patient_id": "P" + e, "facility_id": f, "encounter_type": t, "admit_date": a,
        "discharge_date": d, "attending_provider_id": p, "specialty_code": s, "payer_id": "PY",
        "payer_type": "medicare", "coder_id": c, "drg_code": drg, "drg_version": 43 if drg else None,
        "age_years": 70, "sex": "F"} for e, t, p, s, c, f, a, d, drg in ENCOUNTERS]))
    _insert(con, "diagnoses", pd.DataFrame([
        {"encounter_id": e, "sequence": i + 1, "code_system": "ICD10CM", "code": code}
        for e, codes in DIAGNOSES.items() for i, code in enumerate(codes)]))
    dates = {e[0]: e[7] for e in ENCOUNTERS}
    prov = {e[0]: e[2] for e in ENCOUNTERS}
    _insert(con, "service_lines", pd.DataFrame([{
        "encounter_id": e, "line_number": n, "claim_id": "CL" + e, "service_date": dates[e], "code_system": "CPT",
        "code": code, "modifier_1": mod, "units": u, "charge_amount": 100, "allowed_amount": 0 if den else 80,
        "paid_amount": 0 if den else 80, "rendering_provider_id": prov[e]} for e, n, code, mod, u, den, _ in LINES]))
    _insert(con, "adjudications", pd.DataFrame([{
        "claim_id": "CL" + e, "encounter_id": e, "line_number": n, "adjudication_seq": 1, "payer_id": "PY",
        "adjudication_date": dates[e] + dt.timedelta(days=20), "billed_amount": 100,
        "allowed_amount": 0 if den else 80, "paid_amount": 0 if den else 80, "denied": den,
        "carc_group": "CO" if den else None, "carc_code": carc, "adjustment_amount": 100 if den else 20}
        for e, n, _, _, _, den, carc in LINES]))
    _insert(con, "audits", pd.DataFrame([("A1", "E1", "K1", "AUD", D(2025, 2, 1)), ("A2", "E3", "K2", "AUD", D(2025, 2, 1))],
                                        columns=["audit_id", "encounter_id", "coder_id", "auditor_id", "audit_date"]))
    _insert(con, "audit_findings", pd.DataFrame([
        ("A1", 1, "ICD10CM", "E119", "E1165", "revised"), ("A1", 2, "ICD10CM", "I509", "I509", "correct"),
        ("A2", 1, "ICD10CM", "I509", "I5022", "revised"), ("A2", 2, "ICD10CM", "I10", None, "deleted"),
        ("A2", 3, "ICD10CM", None, "N179", "added"),
    ], columns=["audit_id", "finding_seq", "code_system", "original_code", "corrected_code", "finding_type"]))
    return with_marts(con)


def build_underspecified():
    """K1 codes E119 once; K2 codes E1165 on five encounters and E119 once, all Internal Medicine office visits.

    UNDERSPEC_CODER: K1 1/1 (E1165, longer, used 5 times by another coder); K2 0/6 (its E119's sibling E1165 is
    used only by K2 itself: 5 - 5 = 0 uses by others).
    """
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame([("H1", "Hospital One", "WI", "hospital")],
                                            columns=["facility_id", "facility_name", "state", "facility_type"]))
    _insert(con, "coders", pd.DataFrame([("K1", "Coder K1"), ("K2", "Coder K2")], columns=["coder_id", "coder_name"]))
    _insert(con, "ref_icd10cm", pd.DataFrame([
        {"code": c, "code_dotted": c, "description": f"test {c}", "billable": True, "level": "code",
         "category": "E11", "unspecified": False} for c in ("E119", "E1165")]))
    rows = [("U1", "K1", "E119")] + [(f"U{i}", "K2", "E1165") for i in range(2, 7)] + [("U7", "K2", "E119")]
    _insert(con, "encounters", pd.DataFrame([{
        "encounter_id": e, "patient_id": "P" + e, "facility_id": "H1", "encounter_type": "office",
        "admit_date": D(2025, 3, 1), "discharge_date": D(2025, 3, 1), "attending_provider_id": "PA",
        "specialty_code": "11", "coder_id": c} for e, c, _ in rows]))
    _insert(con, "diagnoses", pd.DataFrame([{"encounter_id": e, "sequence": 1, "code_system": "ICD10CM", "code": code}
                                            for e, _, code in rows]))
    return with_marts(con)


EM_FAMILY_LABELS = [(c, lvl, "office_new") for c, lvl in (("99202", 2), ("99203", 3), ("99204", 4), ("99205", 5))] + \
    [(c, lvl, "ed") for c, lvl in (("99281", 1), ("99282", 2), ("99283", 3), ("99284", 4), ("99285", 5))] + \
    [(c, lvl, "inpatient_initial") for c, lvl in (("99221", 1), ("99222", 2), ("99223", 3))] + \
    [(c, lvl, "inpatient_subsequent") for c, lvl in (("99231", 1), ("99232", 2), ("99233", 3))]
# encounter, type, attending, specialty, E/M codes billed
EM_FAMILY_ENCOUNTERS = [
    ("N1", "office", "PA", "11", ["99204", "99205"]), ("N2", "office", "PB", "11", ["99203"]),
    ("D1", "ed", "PA", "11", ["99285"]), ("D2", "ed", "PB", "11", ["99283", "99284"]),
    ("I1", "inpatient", "PA", "11", ["99223", "99231", "99233"]), ("I2", "inpatient", "PB", "11", ["99221", "99232"]),
    ("I3", "inpatient", "PB", "11", ["99232"]),
]


def build_em_families():
    """E/M lines of the four other families (the two highest levels of each family are 'high'):

    EM_OFFICE_NEW_HIGH (99204, 99205 of 99202-99205)       PA 2/2 (N1)       PB 0/1 (N2: 99203)
    EM_ED_HIGH (99284, 99285 of 99281-99285)               PA 1/1 (D1)       PB 1/2 (D2: 99284 of 99283, 99284)
    EM_IP_INITIAL_HIGH (99222, 99223 of 99221-99223)       PA 1/1 (I1)       PB 0/1 (I2: 99221)
    EM_IP_SUBSEQUENT_HIGH (99232, 99233 of 99231-99233)    PA 1/2 (I1: 99233 of 99231, 99233)   PB 2/2 (I2, I3)
    """
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame([("H1", "Hospital One", "WI", "hospital")],
                                            columns=["facility_id", "facility_name", "state", "facility_type"]))
    _insert(con, "providers", pd.DataFrame([("PA", "Dr A", "11", "H1"), ("PB", "Dr B", "11", "H1")],
                                           columns=["provider_id", "provider_name", "specialty_code", "facility_id"]))
    _insert(con, "ref_specialty", pd.DataFrame([("11", "Internal Medicine")], columns=["specialty_code", "specialty_name"]))
    _insert(con, "ref_procedure_labels", pd.DataFrame([
        {"code_system": "CPT", "code": c, "label": f"test {c}", "category": "E/M", "em_level": lvl, "em_family": fam}
        for c, lvl, fam in EM_FAMILY_LABELS]))
    day = D(2025, 2, 3)
    _insert(con, "encounters", pd.DataFrame([{
        "encounter_id": e, "patient_id": "P" + e, "facility_id": "H1", "encounter_type": t, "admit_date": day,
        "discharge_date": day, "attending_provider_id": p, "specialty_code": s, "coder_id": "K1"}
        for e, t, p, s, _ in EM_FAMILY_ENCOUNTERS]))
    _insert(con, "service_lines", pd.DataFrame([{
        "encounter_id": e, "line_number": n, "claim_id": "CL" + e, "service_date": day, "code_system": "CPT",
        "code": code, "units": 1, "charge_amount": 100, "rendering_provider_id": p}
        for e, _, p, _, codes in EM_FAMILY_ENCOUNTERS for n, code in enumerate(codes, start=1)]))
    return with_marts(con)
