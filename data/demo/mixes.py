"""Specialty code mixes for the demo generator: real, billable codes, never descriptor text.

Every ICD-10-CM code here is billable and unchanged in FY2024, FY2025 and FY2026 (checked by
tests/data/test_demo.py against ref_icd10cm and the drgpy v41/v42/v43 diagnosis tables). Lists are
ordered from most to least frequent; the generator gives them Zipf-like weights (1/rank^0.9).
CPT/HCPCS codes are only those listed in ref_procedure_labels.
"""
from __future__ import annotations

# --- specialties (CMS 2-character specialty codes) --------------------------------------------

# code -> (number of providers, relative volume per provider,
#          encounter-type weights office/outpatient/emergency/inpatient,
#          patient segment weights child/ob/adult/senior)
SPECIALTIES: dict[str, tuple[int, float, tuple[float, float, float, float], tuple[float, float, float, float]]] = {
    "08": (16, 1.2, (1.0, 0.0, 0.0, 0.02), (0.12, 0.02, 0.56, 0.30)),   # family practice
    "11": (22, 1.2, (0.7, 0.02, 0.0, 0.55), (0.0, 0.0, 0.45, 0.55)),    # internal medicine (incl. hospitalists)
    "37": (8, 1.2, (1.0, 0.0, 0.0, 0.05), (1.0, 0.0, 0.0, 0.0)),        # pediatric medicine
    "93": (14, 1.5, (0.0, 0.0, 1.0, 0.0), (0.18, 0.04, 0.48, 0.30)),    # emergency medicine
    "06": (9, 1.0, (0.6, 0.45, 0.0, 0.35), (0.0, 0.0, 0.30, 0.70)),     # cardiology
    "16": (8, 1.0, (0.7, 0.2, 0.0, 0.45), (0.0, 1.0, 0.0, 0.0)),        # obstetrics/gynecology
    "20": (8, 1.0, (0.6, 0.45, 0.0, 0.3), (0.02, 0.0, 0.50, 0.48)),     # orthopedic surgery
    "02": (6, 1.0, (0.4, 0.5, 0.0, 0.5), (0.0, 0.0, 0.60, 0.40)),       # general surgery
    "10": (5, 1.0, (0.4, 0.9, 0.0, 0.15), (0.0, 0.0, 0.50, 0.50)),      # gastroenterology
    "13": (5, 0.9, (0.8, 0.0, 0.0, 0.25), (0.0, 0.0, 0.50, 0.50)),      # neurology
    "29": (5, 0.9, (0.6, 0.35, 0.0, 0.35), (0.0, 0.0, 0.40, 0.60)),     # pulmonary disease
    "18": (5, 1.0, (0.65, 0.35, 0.0, 0.0), (0.0, 0.0, 0.25, 0.75)),     # ophthalmology
    "04": (4, 0.9, (0.75, 0.25, 0.0, 0.0), (0.20, 0.0, 0.55, 0.25)),    # otolaryngology
    "34": (4, 0.9, (0.7, 0.3, 0.0, 0.0), (0.0, 0.0, 0.35, 0.65)),       # urology
    "07": (5, 1.0, (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.50, 0.50)),       # dermatology
    "26": (6, 1.0, (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.80, 0.20)),       # psychiatry
    "65": (6, 1.0, (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.55, 0.45)),       # physical therapist
    "30": (6, 1.0, (0.0, 1.0, 0.0, 0.0), (0.0, 0.08, 0.47, 0.45)),      # diagnostic radiology
    "09": (3, 0.9, (0.5, 0.5, 0.0, 0.0), (0.0, 0.0, 0.50, 0.50)),       # interventional pain management
    "46": (4, 1.0, (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.55, 0.45)),       # endocrinology
    "78": (2, 0.6, (0.2, 0.0, 0.0, 0.8), (0.0, 0.0, 0.30, 0.70)),       # cardiac surgery
    "77": (3, 0.7, (0.4, 0.4, 0.0, 0.3), (0.0, 0.0, 0.30, 0.70)),       # vascular surgery
}

# --- diagnoses per specialty (office / outpatient / ED first-listed and secondary pool) ------

DX: dict[str, list[str]] = {
    "08": ["I10", "E119", "E785", "Z0000", "J069", "E1165", "M5450", "E039", "F419", "J0190", "Z23",
           "R059", "E669", "K219", "F329", "N390", "M25561", "J209", "G4700", "E559", "R5383",
           "Z0001", "B349", "J302", "L309", "M79604", "H6590", "J029", "R0981", "Z1231", "Z79899",
           "J101", "Z00121", "Z00129", "R519", "K5900", "E1122", "I480", "D649", "Z8249", "R1084"],
    "11": ["I10", "E119", "E785", "E1165", "I2510", "N1831", "I480", "E039", "J449", "Z0000", "K219",
           "E6601", "I5022", "D649", "E1122", "M5450", "F419", "R5383", "J069", "N179", "E559",
           "Z79899", "Z794", "G4733", "I110", "R0602", "E871", "F329", "N390", "I509", "Z7901",
           "E11649", "R079", "M810", "J189", "E876", "R531", "K5900", "F17210", "Z23"],
    "37": ["Z00129", "Z00121", "J069", "H6690", "J029", "J0190", "Z23", "R509", "J210", "A084",
           "R059", "J45909", "L209", "H1033", "B349", "J101", "F909", "R1084", "K5900", "L22",
           "B0860", "J020", "H6500", "E669", "R21", "J45901", "F840", "R6250", "J209", "S0990XA"],
    "93": ["R079", "R1084", "J069", "R0602", "N390", "R519", "S0990XA", "R55", "J189", "M5450",
           "S93401A", "R112", "I10", "S6290XA", "R059", "S0181XA", "K529", "J441", "R42", "J101",
           "R509", "T7840XA", "F10129", "I480", "R0789", "S8290XA", "R100", "J029", "L03116",
           "N23", "K3580", "I214", "G43909", "S4290XA", "R1013", "J1100", "R0600"],
    "06": ["I2510", "I10", "I480", "I5022", "E785", "I110", "R079", "I350", "I4891", "I2510",
           "R002", "I2510", "I5032", "R0602", "I209", "I4820", "Z950", "I428", "R001", "I4710",
           "Z7901", "I340", "I5042", "R42", "E1165", "N1831", "I255", "I7025", "R0789", "Z955"],
    "16": ["Z3481", "Z3482", "Z3483", "Z01419", "Z3A28", "Z3A36", "Z3A39", "O99891", "O24419",
           "O1203", "N951", "N920", "Z124", "N898", "N8300", "Z3009", "N760", "O99281", "Z3493",
           "Z1231", "O09893", "N939", "N939", "N809", "O26893", "Z3040", "O4703", "Z3490"],
    "20": ["M1711", "M1712", "M5450", "M25561", "M1611", "M1612", "M25562", "M7541", "M5416",
           "S83241A", "M170", "M25511", "S82001A", "M79671", "M1990", "M6281", "M7542", "S93401A",
           "M25512", "S52501A", "M48061", "M84374A", "M6751", "M75101", "S72001A", "M7661"],
    "02": ["K4090", "K8020", "K3580", "K429", "K8010", "K5730", "L0291", "D170", "K8000", "K439",
           "N6321", "K610", "L723", "K5792", "R1031", "K56609", "K35890", "C189", "K3532", "K8012"],
    "10": ["Z1211", "K219", "K5730", "Z1211", "K635", "K5900", "K589", "R1013", "D126", "K2970",
           "K922", "K7581", "R195", "K5090", "K5190", "R1084", "K219", "K8590", "K7460", "K222",
           "D509", "R197", "K921", "Z83710"],
    "13": ["G43909", "G40909", "R519", "G4700", "G20A1", "G3184", "M5416", "G629", "R42", "I639",
           "G8929", "F0390", "G3109", "G44209", "R202", "G5600", "I6523", "G4089", "R251", "G43009"],
    "29": ["J449", "J441", "J45909", "G4733", "R0602", "J189", "R059", "J9611", "J849", "R911",
           "J45901", "J440", "J9601", "Z87891", "F17210", "J982", "J301", "D869", "J4520",
           "J9600", "I2699", "J181", "R0902", "E6601"],
    "18": ["H2513", "H401130", "H25813", "E113293", "H353131", "H04123", "H269", "H5213", "H1045",
           "H43813", "H3581", "H2512", "H40013", "Z961", "H01003", "H524", "H1013", "H53149",
           "E119", "H5203"],
    "04": ["J329", "H6120", "J0190", "J342", "H9190", "J301", "R040", "H9311", "J3501", "H6590",
           "J029", "G4733", "R490", "J0100", "H8110", "J3489", "H7291", "J040", "R0981", "J320"],
    "34": ["N401", "N400", "R3129", "N390", "N200", "R9720", "N3281", "N529", "N3941", "R399",
           "N2889", "R319", "N3000", "N3946", "C61", "N412", "N401", "R351", "N132", "E291"],
    "07": ["L570", "L821", "L700", "L309", "D225", "L4050", "L218", "B351", "L710", "D485",
           "L821", "C44311", "C4441", "B078", "L209", "L282", "L603", "D2262", "L918", "L659",
           "C44519", "L729", "D235", "B079"],
    "26": ["F331", "F411", "F329", "F319", "F419", "F4310", "F900", "F332", "F4323", "F200",
           "F250", "F1020", "F429", "F609", "F3181", "F5101", "F1120", "F39", "F4312", "F4001"],
    "65": ["M5450", "M25561", "M542", "M25511", "M6281", "M1711", "M25562", "M5416", "S83241A",
           "M7541", "Z96651", "M25512", "R262", "M6289", "Z4789", "M79604", "M5412", "Z96641"],
    "30": ["R079", "R109", "R0602", "R911", "M5450", "Z1231", "R1031", "R519", "M25561", "K5730",
           "R928", "N6320", "I10", "R0789", "R059", "M1711", "J189", "G4489", "S0990XA", "C3490"],
    "09": ["M5416", "M5450", "M4726", "M5126", "M48061", "M542", "G8929", "M47816", "M5126",
           "M961", "M47812", "M5412", "M7918", "G5600"],
    "46": ["E1165", "E119", "E039", "E0500", "E6601", "E1122", "E785", "E559", "E1140", "E213",
           "E0590", "E042", "E11649", "E1042", "R7303", "E7800", "E1065", "M810", "E669", "E2839"],
    "78": ["I2510", "I350", "I25110", "I340", "I25110", "I214", "I351", "Z951", "I255", "I7121"],
    "77": ["I6521", "I6523", "I70213", "I739", "I83813", "I7025", "I7140", "I872", "I6522", "I82401"],
}

# Common secondary (comorbidity) codes, by patient segment.
SECONDARY: dict[str, list[str]] = {
    "adult": ["I10", "E785", "E119", "F17210", "E669", "K219", "F419", "Z79899", "E039", "Z87891",
              "G4733", "M5450", "F329", "J45909", "Z7982", "E559", "D649", "N1831", "Z794"],
    "senior": ["I10", "E785", "E119", "I2510", "N1831", "I480", "Z7901", "E039", "K219", "Z79899",
               "D649", "Z87891", "E1122", "M810", "I110", "F0390", "Z794", "H269", "N400", "Z7982"],
    "child": ["J45909", "Z23", "L209", "F909", "E669", "J302", "R6250", "H6590"],
    "ob": ["Z3A36", "Z3A39", "O99891", "O09893", "Z3A28", "E669", "F419", "O99281", "D649"],
}

# Specific/unspecified sibling pairs (specific, unspecified): every unspecified code here has the
# word "unspecified" in its ICD-10-CM title (ref_icd10cm.unspecified), every specific one does not;
# all are billable in FY2024-FY2026. A drawn code that belongs to a pair is written in its
# unspecified form with probability UNSPECIFIED_RATE (the planted coder: UNSPECIFIED_CODER_RATE).
# Some pairs differ in CC/MCC level (I5023 is an MCC, I509 is not): lost specificity costs money.
UNSPECIFIED_PAIRS: list[tuple[str, str]] = [
    ("M5459", "M5450"), ("J060", "J069"), ("E782", "E785"), ("E038", "E039"), ("F411", "F419"),
    ("F321", "F329"), ("E6609", "E669"), ("D638", "D649"), ("K5909", "K5900"), ("R0789", "R079"),
    ("G44229", "R519"), ("R051", "R059"), ("J020", "J029"), ("J0180", "J0190"), ("J208", "J209"),
    ("J13", "J189"), ("J4489", "J449"), ("I480", "I4891"), ("I5022", "I509"), ("I5032", "I509"),
    ("I5042", "I509"), ("I5023", "I509"), ("I5033", "I509"), ("J4520", "J45909"), ("J4521", "J45901"),
    ("G4709", "G4700"), ("F902", "F909"), ("H6503", "H6590"), ("H66001", "H6690"), ("L2084", "L209"),
    ("L308", "L309"), ("A0839", "A084"), ("R1013", "R109"), ("R110", "R112"), ("R0602", "R0600"),
    ("K921", "K922"), ("K5732", "K5792"), ("K5730", "K5790"), ("A4151", "A419"), ("G43009", "G43909"),
    ("G40209", "G40909"), ("F331", "F339"), ("F332", "F339"), ("H2513", "H269"),
    ("S93411A", "S93401A"), ("K35890", "K3580"), ("D124", "D126"), ("K2900", "K2970"),
    ("E1142", "E1140"), ("I4821", "I4820"), ("I2089", "I209"), ("E0500", "E0590"), ("C187", "C189"),
    ("N938", "N939"), ("O24410", "O24419"), ("H6123", "H6120"), ("K7469", "K7460"), ("K8510", "K8590"),
    ("F4312", "F4310"), ("F3181", "F319"), ("K580", "K589"), ("L02416", "L0291"),
    ("S72041A", "S72001A"), ("M25561", "M25569"), ("M25562", "M25569"), ("M25511", "M25519"),
    ("M25512", "M25519"), ("M1711", "M179"), ("M1712", "M179"), ("M170", "M179"), ("M1611", "M169"),
    ("M1612", "M169"), ("N1831", "N1830"), ("N1832", "N1830"), ("J9601", "J9600"), ("J9601", "J9690"),
    ("I214", "I219"), ("S83241A", "S83209A"), ("M4726", "M479"), ("E1165", "E118"), ("E1122", "E118"),
    ("E11649", "E118"),
]
UNSPECIFIED_SIBLING: dict[str, str] = dict(UNSPECIFIED_PAIRS)          # specific -> unspecified
SPECIFIED_SIBLING: dict[str, str] = {}                                 # unspecified -> first specific
for _s, _u in UNSPECIFIED_PAIRS:
    SPECIFIED_SIBLING.setdefault(_u, _s)
UNSPECIFIED_RATE = 0.10
UNSPECIFIED_CODER_RATE = 0.80

# Delivery stays (cases with a delivery procedure). The MS-DRG grouper needs an outcome-of-delivery
# code (Z37.-) as a secondary diagnosis: without it a delivery principal dx such as O80 groups to
# DRG 998 ("principal diagnosis invalid as discharge diagnosis"). Every delivery stay gets one Z37
# code and one term gestational-age code (Z3A37-Z3A41). O80 (uncomplicated delivery) takes no other
# obstetric code, so its stays get no comorbidity secondaries; cesareans get childbirth-episode
# comorbidities (O99.-x4 "complicating childbirth" codes) instead of the outpatient prenatal pool.
DELIVERY_PROCEDURES = ("10E0XZZ", "10D00Z1")
DELIVERY_OUTCOME = [("Z370", 0.985), ("Z372", 0.015)]
DELIVERY_WEEKS = [("Z3A37", 0.12), ("Z3A38", 0.25), ("Z3A39", 0.38), ("Z3A40", 0.2), ("Z3A41", 0.05)]
DELIVERY_SECONDARY = ["O99214", "O9902", "O99334", "O24420", "O134", "O99284", "O9962"]

# Codes that are CC or MCC in v41-v43 and plausible as secondary dx on inpatient stays. Each is added
# to a non-delivery stay with probability CC_MCC_BASE_P (x planted.CC_MCC_FACTOR at the planted
# facility), on top of the CCs that come with the case mix and the comorbidity pools.
CC_MCC_BASE_P = 0.011
CASE_EXTRA_P = 0.22             # probability of each case-typical extra secondary (INPATIENT_CASES[5])
# case-typical extras that are a CC or MCC in v41-v43 (checked by tests/data/test_demo.py)
CC_MCC_CASE_EXTRAS = {"R6520", "R6521", "N179", "E871", "J9601", "I5022", "D62", "E43", "G9341", "K8590"}
CC_MCC_SECONDARY = ["N179", "E871", "J9601", "I5023", "E43", "D62", "J9600", "N390",
                    "I5033", "R6520", "A419", "J690", "G9341", "E870", "N186",
                    "E440", "J189", "I2699", "L89154"]

# --- inpatient case types ---------------------------------------------------------------------
# (specialty, weight, principal dx list, ICD-10-PCS list (empty = medical), LOS range,
#  extra specialty-typical secondary dx)
INPATIENT_CASES: list[tuple[str, float, list[str], list[str], tuple[int, int], list[str]]] = [
    ("11", 6.0, ["A419", "J189", "I5023", "N179", "J441", "N390", "E871", "K922", "I5033", "J101",
                 "J1100", "R55", "E1165", "K8590", "L03116", "I480", "A4189", "J9601", "I214", "J690"],
     [], (2, 7), ["R6520", "N179", "E871", "I4891", "J9601"]),
    ("11", 0.6, ["A419", "J9601", "J189"], ["5A1955Z"], (6, 14), ["R6521", "J9601", "N179"]),
    ("06", 2.0, ["I214", "I5023", "I480", "I2510", "R079", "I5033"], ["02703DZ", "4A023N7"], (2, 5),
     ["I5022", "N1831", "E1165"]),
    ("06", 1.0, ["I214", "I2510"], ["02703DZ"], (1, 4), ["I10", "E785"]),
    ("16", 2.2, ["O80"], ["10E0XZZ"], (1, 3), []),
    ("16", 1.0, ["O34211", "O321XX0", "O480"], ["10D00Z1"], (2, 4), ["O99214", "O134"]),
    ("20", 1.6, ["M1711", "M1712"], ["0SRC0J9", "0SRD0J9"], (1, 3), ["I10", "E669"]),
    ("20", 1.2, ["M1611", "M1612", "S72001A"], ["0SR9019", "0SRB019"], (2, 5), ["I10", "D62"]),
    ("02", 1.2, ["K3580", "K35890", "K3532"], ["0DTJ4ZZ"], (1, 3), ["E871"]),
    ("02", 1.2, ["K8000", "K8010", "K8012"], ["0FT44ZZ"], (1, 4), ["E871", "K8590"]),
    ("02", 0.5, ["K5730", "K56609", "C189"], ["0DTN0ZZ"], (4, 9), ["E43", "D62"]),
    ("10", 1.0, ["K922", "K921", "K8590", "K5730"], [], (2, 5), ["D62", "E871"]),
    ("13", 1.4, ["I639", "G40909", "G4089", "R55", "I6523"], [], (2, 5), ["I10", "G9341"]),
    ("29", 1.6, ["J441", "J189", "J9601", "J181", "I2699"], [], (3, 7), ["J9601", "E871"]),
    ("37", 0.6, ["J210", "J189", "A084", "J45901"], [], (1, 3), []),
    ("78", 0.7, ["I2510", "I214", "I25110"], ["02100Z9", "021009W"], (5, 9), ["I480", "D62"]),
    ("77", 0.5, ["I6521", "I6522"], ["03CK0ZZ", "03CL0ZZ"], (1, 3), ["I10", "E785"]),
    ("77", 0.3, ["I70213", "I739"], ["047K3DZ"], (1, 4), ["E1165", "N1831"]),
    ("08", 0.3, ["J189", "N390", "A084"], [], (2, 4), []),
]

# Inpatient revenue-code lines: (revenue_code, CPT/HCPCS or None, mean charge, probability,
# kind). 'rb' (room and board) is one line per day of stay; 'daily' lines are billed on the first day
# and on each later day with probability DAILY_REPEAT_P (pharmacy, morning labs); 'or' lines only on
# surgical stays; 'icu' on MCC stays (half of them); 'any' once per stay.
DAILY_REPEAT_P = 0.55
INPATIENT_REVENUE = [
    ("0120", None, 2600.0, 1.0, "rb"),
    ("0250", None, 650.0, 0.97, "daily"),
    ("0300", "80053", 310.0, 0.95, "daily"),
    ("0300", "85025", 140.0, 0.9, "daily"),
    ("0301", "83036", 95.0, 0.25, "any"),
    ("0320", "71046", 480.0, 0.55, "any"),
    ("0270", None, 1400.0, 0.65, "any"),
    ("0410", None, 900.0, 0.35, "any"),
    ("0730", "93000", 260.0, 0.45, "any"),
    ("0450", None, 2200.0, 0.45, "any"),
    ("0350", "70450", 2900.0, 0.08, "any"),
    ("0350", "74177", 4100.0, 0.10, "any"),
    ("0360", None, 14500.0, 1.0, "or"),
    ("0370", None, 3600.0, 1.0, "or"),
    ("0710", None, 1900.0, 0.9, "or"),
    ("0278", None, 9000.0, 0.6, "or"),
    ("0310", "88305", 320.0, 0.5, "or"),
    ("0200", None, 5200.0, 1.0, "icu"),
    ("0636", "J1100", 45.0, 0.3, "any"),
]

# Office ancillaries that follow what was billed: (trigger codes, follower code, probability).
OFFICE_COMPANIONS = [
    (("80053", "85025", "83036"), "36415", 0.9),     # venipuncture with an in-office blood test
    (("90686",), "90471", 0.95),                     # vaccine administration with the vaccine
    (("J1100", "J3301"), "96372", 0.9),              # injection with an injected drug
]

# ED revenue lines beyond the E/M and the ancillaries: (revenue code, code or None, mean charge, p).
ED_REVENUE = [("0300", "36415", None, 0.35), ("0250", None, 240.0, 0.35), ("0270", None, 160.0, 0.4),
              ("0450", "96372", None, 0.1), ("0301", "83036", None, 0.05), ("0302", "87086", None, 0.08)]

# Hospital outpatient surgical extras: (revenue code, code or None, mean charge, probability,
# only for these procedure codes or None = every surgical/endoscopic visit).
OUTPATIENT_SURGICAL_EXTRAS = [
    ("0370", None, 1300.0, 0.85, None),                                        # anesthesia
    ("0310", "88305", None, 0.7, ("45378", "43239", "47562", "29881", "55700", "11042")),   # pathology
    ("0730", "93000", None, 0.35, None),                                       # pre-procedure ECG
    ("0324", "71046", None, 0.2, ("47562", "49505", "29881", "55700")),       # pre-op chest film
    ("0636", "J1100", None, 0.25, None),
    ("0258", None, 210.0, 0.6, None),                                          # IV solutions
]

# --- CPT/HCPCS ---------------------------------------------------------------------------------

# Charge master base prices (US$ per unit) for every CPT/HCPCS used.
CHARGES: dict[str, float] = {
    "99202": 120, "99203": 185, "99204": 280, "99205": 360,
    "99211": 45, "99212": 95, "99213": 150, "99214": 225, "99215": 310,
    "99221": 240, "99222": 330, "99223": 460, "99231": 120, "99232": 180, "99233": 260,
    "99238": 150, "99239": 210, "99281": 90, "99282": 210, "99283": 420, "99284": 780,
    "99285": 1350, "99291": 1650,
    "93010": 25,               # only on the planted GT08 lines (data/demo/edits.py), which keep their charge
    "93000": 95, "93306": 1450, "93458": 6900, "71046": 260, "71250": 1200, "74177": 2600,
    "70450": 1500, "72148": 2400, "73721": 2200, "80053": 120, "85025": 60, "83036": 70,
    "36415": 25, "45378": 2800, "43239": 2500, "29881": 7800, "27447": 38000, "27130": 41000,
    "66984": 4800, "17000": 160, "11042": 420, "20610": 260, "96372": 70, "90471": 45,
    "90686": 65, "99406": 55, "G0438": 260, "G0439": 190, "J1100": 18, "J3301": 22, "81001": 30,
    "87086": 60, "76805": 650, "59400": 6200, "59510": 8100, "47562": 9800, "49505": 7400,
    "44970": 8800, "64483": 2100, "62323": 1700, "95810": 3200, "94010": 210, "92014": 230,
    "92012": 160, "31231": 520, "69210": 110, "52000": 900, "55700": 1900, "90834": 170,
    "90837": 240, "90791": 290, "97110": 85, "97140": 80, "97161": 190, "88305": 160,
    "77067": 380, "78452": 3100, "93880": 820, "92928": 17500, "33533": 62000, "35301": 29000,
}

# E/M level distributions for peers (probabilities for levels 1..5; new patients use 2..5).
EM_ESTABLISHED = {"default": (0.02, 0.10, 0.48, 0.34, 0.06),
                  "26": (0.0, 0.05, 0.45, 0.42, 0.08), "07": (0.01, 0.18, 0.55, 0.23, 0.03),
                  "37": (0.02, 0.14, 0.55, 0.26, 0.03), "46": (0.0, 0.04, 0.40, 0.48, 0.08)}
EM_NEW = (0.0, 0.08, 0.45, 0.38, 0.09)
EM_UPCODER_ESTABLISHED = (0.0, 0.02, 0.17, 0.55, 0.26)
EM_UPCODER_NEW = (0.0, 0.02, 0.18, 0.52, 0.28)
EM_ED = (0.03, 0.10, 0.32, 0.37, 0.18)          # 99281..99285
EM_INPATIENT_INITIAL = (0.15, 0.45, 0.40)         # 99221..99223
EM_INPATIENT_SUBSEQUENT = (0.25, 0.55, 0.20)      # 99231..99233

# Office add-on services by specialty: (code, probability, units, same-day-procedure flag,
# laterality modifier applies). A same-day procedure makes an E/M line eligible for modifier 25.
OFFICE_SERVICES: dict[str, list[tuple[str, float, int, bool, bool]]] = {
    "08": [("36415", 0.30, 1, False, False), ("80053", 0.34, 1, False, False), ("85025", 0.3, 1, False, False),
           ("83036", 0.18, 1, False, False), ("90686", 0.18, 1, False, False), ("90471", 0.12, 1, False, False),
           ("81001", 0.14, 1, False, False), ("93000", 0.1, 1, False, False), ("G0439", 0.05, 1, False, False),
           ("99406", 0.04, 1, False, False), ("96372", 0.05, 1, True, False), ("J3301", 0.03, 1, False, False),
           ("20610", 0.03, 1, True, True), ("69210", 0.02, 1, True, True), ("17000", 0.03, 1, True, False)],
    "11": [("36415", 0.35, 1, False, False), ("80053", 0.4, 1, False, False), ("85025", 0.36, 1, False, False),
           ("83036", 0.24, 1, False, False), ("93000", 0.14, 1, False, False), ("81001", 0.12, 1, False, False), ("G0439", 0.07, 1, False, False),
           ("G0438", 0.02, 1, False, False), ("90686", 0.16, 1, False, False), ("90471", 0.1, 1, False, False),
           ("96372", 0.05, 1, True, False), ("J1100", 0.03, 4, False, False), ("99406", 0.05, 1, False, False),
           ("20610", 0.03, 1, True, True)],
    "37": [("90471", 0.35, 1, False, False), ("90686", 0.3, 1, False, False), ("87086", 0.05, 1, False, False),
           ("81001", 0.05, 1, False, False), ("69210", 0.02, 1, True, True)],
    "06": [("93000", 0.6, 1, False, False), ("80053", 0.3, 1, False, False), ("36415", 0.15, 1, False, False),
           ("85025", 0.2, 1, False, False), ("83036", 0.1, 1, False, False)],
    "16": [("76805", 0.25, 1, False, False), ("81001", 0.3, 1, False, False), ("87086", 0.1, 1, False, False),
           ("36415", 0.15, 1, False, False), ("85025", 0.12, 1, False, False), ("96372", 0.05, 1, True, False)],
    "20": [("20610", 0.28, 1, True, True), ("J3301", 0.22, 4, False, False), ("73721", 0.06, 1, False, True),
           ("97110", 0.03, 2, False, False)],
    "02": [("11042", 0.12, 1, True, False), ("17000", 0.05, 1, True, False)],
    "10": [("80053", 0.15, 1, False, False), ("36415", 0.15, 1, False, False), ("85025", 0.12, 1, False, False)],
    "13": [("96372", 0.04, 1, True, False), ("80053", 0.08, 1, False, False), ("36415", 0.08, 1, False, False)],
    "29": [("94010", 0.35, 1, False, False), ("71046", 0.1, 1, False, False), ("96372", 0.04, 1, True, False),
           ("99406", 0.06, 1, False, False)],
    "18": [("92014", 0.35, 1, False, False), ("92012", 0.25, 1, False, False)],
    "04": [("31231", 0.2, 1, True, False), ("69210", 0.15, 1, True, True)],
    "34": [("81001", 0.45, 1, False, False), ("87086", 0.2, 1, False, False), ("52000", 0.1, 1, True, False),
           ("36415", 0.1, 1, False, False)],
    "07": [("17000", 0.25, 1, True, False), ("88305", 0.12, 1, False, False), ("11042", 0.06, 1, True, False),
           ("96372", 0.03, 1, True, False)],
    "26": [],
    "65": [],
    "09": [("20610", 0.2, 1, True, True), ("J3301", 0.2, 4, False, False), ("96372", 0.1, 1, True, False)],
    "46": [("83036", 0.45, 1, False, False), ("36415", 0.35, 1, False, False), ("80053", 0.3, 1, False, False)],
    "78": [("93000", 0.3, 1, False, False)],
    "77": [("93880", 0.25, 1, False, True)],
}

# Office visits that replace the E/M by a specialty-specific service family.
OFFICE_ALT: dict[str, list[tuple[str, float, int]]] = {
    "26": [("90834", 0.45, 1), ("90837", 0.3, 1), ("90791", 0.1, 1)],      # remainder: E/M
    "65": [("97110", 0.7, 3), ("97140", 0.2, 2), ("97161", 0.1, 1)],
    "18": [("92014", 0.35, 1), ("92012", 0.25, 1)],
}

# Hospital outpatient (POS 22) procedures by specialty: (code, weight, revenue code, laterality).
OUTPATIENT_PROCS: dict[str, list[tuple[str, float, str, bool]]] = {
    "06": [("93306", 0.5, "0483", False), ("93458", 0.15, "0481", False), ("78452", 0.25, "0341", False),
           ("92928", 0.1, "0481", False)],
    "16": [("76805", 0.7, "0402", False), ("59400", 0.15, "0720", False), ("59510", 0.15, "0720", False)],
    "20": [("29881", 0.6, "0360", True), ("20610", 0.25, "0510", True), ("73721", 0.15, "0610", True)],
    "02": [("47562", 0.45, "0360", False), ("49505", 0.4, "0360", True), ("11042", 0.15, "0510", False)],
    "10": [("45378", 0.6, "0750", False), ("43239", 0.4, "0750", False)],
    "29": [("94010", 0.5, "0460", False), ("95810", 0.3, "0740", False), ("71250", 0.2, "0350", False)],
    "18": [("66984", 1.0, "0360", True)],
    "04": [("31231", 0.6, "0510", False), ("70450", 0.4, "0350", False)],
    "34": [("52000", 0.6, "0510", False), ("55700", 0.4, "0360", False)],
    "30": [("71046", 0.25, "0320", False), ("77067", 0.2, "0401", False), ("74177", 0.15, "0350", False),
           ("70450", 0.1, "0350", False), ("72148", 0.1, "0610", False), ("73721", 0.08, "0610", True),
           ("71250", 0.07, "0350", False), ("93880", 0.05, "0921", False)],
    "09": [("64483", 0.55, "0360", True), ("62323", 0.45, "0360", False)],
    "77": [("93880", 0.6, "0921", False), ("35301", 0.4, "0360", True)],
    "11": [("93000", 1.0, "0730", False)],
}

# ED add-on services: (code, probability, revenue code, units).
ED_SERVICES = [("36415", 0.55, "0300", 1), ("80053", 0.5, "0301", 1), ("85025", 0.55, "0305", 1),
               ("71046", 0.35, "0324", 1), ("93000", 0.3, "0730", 1), ("70450", 0.12, "0350", 1),
               ("74177", 0.1, "0350", 1), ("81001", 0.2, "0300", 1), ("96372", 0.2, "0450", 1),
               ("J1100", 0.1, "0636", 4), ("J3301", 0.03, "0636", 4), ("87086", 0.08, "0306", 1)]

# Surgeon's professional inpatient procedure CPT per ICD-10-PCS code.
PCS_TO_CPT = {"0SRC0J9": "27447", "0SRD0J9": "27447", "0SR9019": "27130", "0SRB019": "27130",
              "02703DZ": "92928", "0DTJ4ZZ": "44970", "0FT44ZZ": "47562", "10D00Z1": "59510",
              "10E0XZZ": "59400", "02100Z9": "33533", "021009W": "33533", "03CK0ZZ": "35301",
              "03CL0ZZ": "35301"}

LATERAL_CODES = {"20610", "69210", "29881", "49505", "66984", "64483", "73721", "93880", "35301"}
PROFESSIONAL_COMPONENT = {"93306", "71046", "74177", "70450", "72148", "73721", "71250", "78452",
                          "93880", "77067", "88305", "93000"}
