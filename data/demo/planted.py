"""The patterns planted in the demo data, with the entities that carry them (ground truth)."""
from __future__ import annotations

import numpy as np

UPCODER_IM = 0          # index among internal-medicine (11) providers
UPCODER_FP = 0          # index among family-practice (08) providers
MODIFIER25_SPECIALTY = "07"   # dermatology provider index 0
LOW_ACCURACY_CODER = "C009"
UNSPECIFIED_CODER = "C012"
DENIAL_PAYER = "P003"
DENIAL_CARC = "197"
DENIAL_JUMP_MONTH = np.datetime64("2025-07-01")
DENIAL_JUMP_FACTOR = 4.0
CC_MCC_FACILITY = "F003"
CC_MCC_FACTOR = 4.0          # multiplier on the per-stay probability of each extra CC/MCC secondary dx
CC_MCC_CASE_FACTOR = 1.6     # multiplier on case-typical CC/MCC extras at the planted facility
PLANTED_VOLUME = 4.0         # volume multiplier for planted providers (so `small` has enough cases)


def ground_truth_rows(providers) -> list[tuple]:
    im = providers.loc[providers.role == "upcoder_im", "provider_id"].iloc[0]
    fp = providers.loc[providers.role == "upcoder_fp", "provider_id"].iloc[0]
    m25 = providers.loc[providers.role == "modifier25", "provider_id"].iloc[0]
    return [
        ("GT01", "em_upcoding", "provider", im,
         "Internal medicine provider bills office E/M level 5 about 3-4x and level 4 ~1.5x the peer share "
         "(established 99211-99215: 0/2/17/55/26% vs peers ~2/10/48/34/6%).", None, "99215"),
        ("GT02", "em_upcoding", "provider", fp,
         "Family practice provider with the same upcoded office E/M level distribution as GT01.", None, "99215"),
        ("GT03", "modifier_overuse", "provider", m25,
         "Dermatology provider performs a same-day minor procedure on ~70% of office visits and appends "
         "modifier 25 to the E/M on 95% of them (peers: procedure on ~40%, E/M+25 billed on 35%).", None, "25"),
        ("GT04", "low_accuracy_coder", "coder", LOW_ACCURACY_CODER,
         "Pro-fee coder with ~80% code-over-code audit accuracy (team ~95%); coding-related denials "
         "(CARC 4, 11, 16, 50, 97) about 3x more likely on their claims.", None, "0.80"),
        ("GT05", "unspecified_codes", "coder", UNSPECIFIED_CODER,
         "Pro-fee coder replaces specific codes with their unspecified sibling 65% of the time "
         "(e.g. E1165->E119, I5022->I509, M1711->M179); peers 4%.", None, "0.65"),
        ("GT06", "denial_spike", "payer", DENIAL_PAYER,
         f"Medicare Advantage payer: claim-level CO-{DENIAL_CARC} (authorization) denials x{DENIAL_JUMP_FACTOR:g} "
         "for services discharged from the start month on.", DENIAL_JUMP_MONTH.astype(object), DENIAL_CARC),
        ("GT07", "cc_mcc_capture", "facility", CC_MCC_FACILITY,
         f"Hospital whose inpatient stays carry CC/MCC secondary diagnoses {CC_MCC_FACTOR:g}x as often "
         "as other hospitals, giving more 'with MCC'/'with CC' DRGs.", None, f"{CC_MCC_FACTOR:g}"),
    ]
