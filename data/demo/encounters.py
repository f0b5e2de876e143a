"""Encounters, diagnoses and ICD-10-PCS procedures for one chunk (vectorised), plus DRG grouping."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import calendar as cal
from . import mixes, planted
from .entities import CLINIC_HOSPITAL, CODERS, PAYERS, SEGMENTS

TYPES = np.array(["office", "outpatient", "emergency", "inpatient"])
TYPE_P = np.array([0.53, 0.20, 0.15, 0.12])
POS = {"office": "11", "outpatient": "22", "emergency": "23", "inpatient": "21"}


def zipf(n: int, s: float = 0.9) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def constraint(code: str) -> tuple[str, int, int]:
    """(required sex or '', min age, max age) for a diagnosis code."""
    if code.startswith("O") or code[:3] in ("Z34", "Z3A", "Z30", "Z37") or code in ("Z01419", "Z124"):
        return "F", 15, 49
    if code[:3] in ("N40", "C61", "N52", "N41", "R97") or code == "E291":
        return "M", 18, 90
    if code[:3] in ("N95", "N92", "N93", "N80", "N83", "N89", "N76", "N63", "Z12") or code == "Z1231":
        return "F", 18, 90
    if code.startswith("P") or code in ("Z00121", "Z00129", "J210", "R6250", "F840", "L22", "B0860"):
        return "", 0, 17
    if code[:3] in ("F03", "G30", "G31", "H25", "H26", "H35", "M81", "G20", "I70", "I65") or code == "Z961":
        return "", 55, 90
    any_age = ("J0", "J10", "J11", "J18", "J20", "J30", "J45", "R", "S", "T", "H6", "H10", "H52",
               "L", "A0", "B", "K52", "K59", "Z23", "F90", "F41", "F32", "E66", "K35", "N39", "G43",
               "G40", "H9", "J02", "J03", "J04", "J35", "J34", "H7", "D22", "F43", "Z87", "H04", "H01")
    if code.startswith(any_age):
        return "", 0, 90
    return "", 18, 90


class CodeBook:
    """All diagnosis codes used, as integer ids with constraint arrays."""

    def __init__(self):
        codes = set()
        for lst in list(mixes.DX.values()) + list(mixes.SECONDARY.values()):
            codes |= set(lst)
        for _, _, pdx, _, _, extra in mixes.INPATIENT_CASES:
            codes |= set(pdx) | set(extra)
        codes |= set(mixes.CC_MCC_SECONDARY) | set(mixes.UNSPECIFIED_SIBLING) | set(
            mixes.UNSPECIFIED_SIBLING.values()) | set(cal.RESPIRATORY) | set(cal.RESPIRATORY_CHILD) | {"R509"}
        codes |= {c for c, _ in mixes.DELIVERY_OUTCOME + mixes.DELIVERY_WEEKS} | set(mixes.DELIVERY_SECONDARY)
        self.codes = np.array(sorted(codes), dtype=object)
        self.idx = {c: i for i, c in enumerate(self.codes)}
        cons = [constraint(c) for c in self.codes]
        self.sex = np.array([c[0] for c in cons])
        self.min_age = np.array([c[1] for c in cons])
        self.max_age = np.array([c[2] for c in cons])
        # specific and unspecified form of every code (the code itself when it has no sibling pair)
        self.sform = np.arange(len(self.codes))
        self.uform = np.arange(len(self.codes))
        for u, s in mixes.SPECIFIED_SIBLING.items():
            self.sform[self.idx[u]] = self.idx[s]
        for s, u in mixes.UNSPECIFIED_SIBLING.items():
            self.sform[self.idx[s]] = self.idx[s]
            self.uform[self.idx[s]] = self.idx[u]
        for u in mixes.SPECIFIED_SIBLING:
            self.uform[self.idx[u]] = self.idx[u]
        self.unspec = self.uform
        self.is_ccmcc = np.isin(self.codes, mixes.CC_MCC_SECONDARY)
        self.is_z3a = np.array([c.startswith("Z3A") for c in self.codes])

    def ids(self, lst):
        return np.array([self.idx[c] for c in lst])

    def ok(self, ids, age, sex):
        s = self.sex[ids]
        return (self.min_age[ids] <= age) & (self.max_age[ids] >= age) & ((s == "") | (s == sex))


def sample_list(rng, ids: np.ndarray, n: int) -> np.ndarray:
    return ids[rng.choice(len(ids), n, p=zipf(len(ids)))]


def generate_chunk(ctx, chunk_no: int, first: int, n: int, rng: np.random.Generator) -> dict:
    cb: CodeBook = ctx.codebook
    prov = ctx.providers
    # --- type, provider, specialty, facility ---
    etype = rng.choice(4, n, p=TYPE_P)
    prov_idx = np.empty(n, dtype=int)
    for t in range(4):
        m = etype == t
        w = prov.volume.to_numpy() * np.array([mixes.SPECIALTIES[s][2][t] for s in prov.specialty_code])
        prov_idx[m] = rng.choice(len(prov), m.sum(), p=w / w.sum())
    spec = prov.specialty_code.to_numpy()[prov_idx]
    home = prov.facility_id.to_numpy()[prov_idx]
    hosp = np.array([CLINIC_HOSPITAL.get(f, f) for f in home])
    facility = np.where(etype == 0, home, hosp)
    # --- patient ---
    seg = np.empty(n, dtype=int)
    for s in np.unique(spec):
        m = spec == s
        segw = np.array(mixes.SPECIALTIES[s][3])
        seg[m] = rng.choice(4, m.sum(), p=segw / segw.sum())
    pid = np.empty(n, dtype=object)
    birth = np.empty(n, dtype="datetime64[D]")
    sex = np.empty(n, dtype=object)
    payer = np.empty(n, dtype=int)
    for k, sname in enumerate(SEGMENTS):
        m = seg == k
        pool = ctx.pools[sname]
        j = rng.integers(0, len(pool), m.sum())
        pid[m] = pool.patient_id.to_numpy()[j]
        birth[m] = pool.birth.to_numpy()[j]
        sex[m] = pool.sex.to_numpy()[j]
        payer[m] = pool.payer.to_numpy()[j]
    # --- dates ---
    month = cal.MONTHS[rng.choice(len(cal.MONTHS), n, p=ctx.month_p)]
    mstart = month.astype("datetime64[D]")
    mdays = ((month + 1).astype("datetime64[D]") - mstart).astype(int)
    discharge = mstart + (rng.random(n) * mdays).astype(int).astype("timedelta64[D]")
    # inpatient case type
    case = np.full(n, -1)
    ip = np.flatnonzero(etype == 3)
    for s in np.unique(spec[ip]):
        m = ip[spec[ip] == s]
        cases = [i for i, c in enumerate(mixes.INPATIENT_CASES) if c[0] == s]
        w = np.array([mixes.INPATIENT_CASES[i][1] for i in cases])
        case[m] = np.array(cases)[rng.choice(len(cases), len(m), p=w / w.sum())]
    los = np.zeros(n, dtype=int)
    for ci in np.unique(case[ip]):
        m = case == ci
        lo, hi = mixes.INPATIENT_CASES[ci][4]
        los[m] = rng.integers(lo, hi + 1, m.sum())
    admit = discharge - los.astype("timedelta64[D]")
    age = np.clip(((admit - birth).astype(int) / 365.25).astype(int), 0, 90)
    moy = cal.month_of_year(month)
    # --- coder ---
    inpatient_coders = CODERS.index[CODERS.pool == "inpatient"].to_numpy()
    profee_coders = CODERS.index[CODERS.pool == "profee"].to_numpy()
    cw = 1.0 / CODERS.speed.to_numpy()
    coder = np.where(etype == 3,
                     rng.choice(inpatient_coders, n, p=cw[inpatient_coders] / cw[inpatient_coders].sum()),
                     rng.choice(profee_coders, n, p=cw[profee_coders] / cw[profee_coders].sum()))
    # --- diagnoses ---
    n_dx = np.select([etype == 0, etype == 1, etype == 2],
                     [rng.integers(1, 5, n), rng.integers(1, 5, n), rng.integers(2, 7, n)],
                     rng.integers(4, 16, n))
    pdx = np.empty(n, dtype=int)
    for s in np.unique(spec):
        m = np.flatnonzero((spec == s) & (etype != 3))
        pdx[m] = sample_list(rng, ctx.dx_ids[s], len(m))
    for ci in np.unique(case[ip]):
        m = np.flatnonzero(case == ci)
        pdx[m] = cb.ids(mixes.INPATIENT_CASES[ci][2])[rng.integers(0, len(mixes.INPATIENT_CASES[ci][2]), len(m))]
    # winter respiratory visits
    resp = (etype != 3) & np.isin(spec, ["08", "11", "37", "93", "29"]) & (rng.random(n) < cal.respiratory_share(moy))
    child = age < 18
    rc = np.where(child, sample_list(rng, ctx.resp_child, n), sample_list(rng, ctx.resp_adult, n))
    pdx = np.where(resp, rc, pdx)
    for _ in range(6):  # resample principal dx that does not fit age/sex
        bad = np.flatnonzero(~cb.ok(pdx, age, sex))
        if len(bad) == 0:
            break
        for s in np.unique(spec[bad]):
            b = bad[spec[bad] == s]
            pdx[b] = sample_list(rng, ctx.dx_ids[s], len(b))
    bad = ~cb.ok(pdx, age, sex)
    pdx[bad] = cb.idx["R509"]
    # delivery stays: outcome-of-delivery (Z37) and gestational-age codes are required (see mixes)
    delivery = np.zeros(n, dtype=bool)
    o80 = np.zeros(n, dtype=bool)
    for ci in np.unique(case[ip]):
        _, _, cpdx, cpcs, _, _ = mixes.INPATIENT_CASES[ci]
        if set(cpcs) & set(mixes.DELIVERY_PROCEDURES):
            delivery[case == ci] = True
            if cpdx == ["O80"]:
                o80[case == ci] = True
    # secondary dx: long format. Inpatient stays draw comorbidities from the patient segment's pool
    # (outpatient visit codes such as screening or prenatal-supervision Z codes are not stay diagnoses).
    n_sec = np.where(o80, 0, n_dx - 1)
    enc_rep = np.repeat(np.arange(n), n_sec)
    sec = np.empty(len(enc_rep), dtype=int)
    from_spec = (rng.random(len(enc_rep)) < 0.45) & (etype[enc_rep] != 3)
    for s in np.unique(spec):
        m = np.flatnonzero((spec[enc_rep] == s) & from_spec)
        sec[m] = sample_list(rng, ctx.dx_ids[s], len(m))
    deliv_rep = delivery[enc_rep]
    for k, sname in enumerate(SEGMENTS):
        m = np.flatnonzero((seg[enc_rep] == k) & ~from_spec & ~deliv_rep)
        sec[m] = sample_list(rng, ctx.sec_ids[sname], len(m))
    m = np.flatnonzero(deliv_rep)
    sec[m] = sample_list(rng, ctx.delivery_sec_ids, len(m))
    # inpatient: case-typical extras and CC/MCC secondary diagnoses
    extra_e, extra_c = [], []
    dv = np.flatnonzero(delivery)
    for lst in (mixes.DELIVERY_OUTCOME, mixes.DELIVERY_WEEKS):
        p = np.array([w for _, w in lst])
        extra_e.append(dv)
        extra_c.append(cb.ids([c for c, _ in lst])[rng.choice(len(lst), len(dv), p=p / p.sum())])
    planted_fac = facility == planted.CC_MCC_FACILITY
    for ci in np.unique(case[ip]):
        m = np.flatnonzero(case == ci)
        ex = mixes.INPATIENT_CASES[ci][5]
        for c in ex:
            # case-typical CC/MCCs are captured more often at the planted facility as well
            p = mixes.CASE_EXTRA_P * np.where(planted_fac[m] & (c in mixes.CC_MCC_CASE_EXTRAS),
                                             planted.CC_MCC_CASE_FACTOR, 1.0)
            hit = m[rng.random(len(m)) < p]
            extra_e.append(hit)
            extra_c.append(np.full(len(hit), cb.idx[c]))
    ccm = ctx.ccmcc_ids
    nd = ip[~delivery[ip]]
    fac_mult = np.where(planted_fac[nd], planted.CC_MCC_FACTOR, 1.0)
    for c in ccm:
        hit = nd[rng.random(len(nd)) < mixes.CC_MCC_BASE_P * fac_mult]
        extra_e.append(hit)
        extra_c.append(np.full(len(hit), c))
    all_e = np.concatenate([np.arange(n), enc_rep] + extra_e)
    all_c = np.concatenate([pdx, sec] + extra_c)
    order = np.concatenate([np.zeros(n), np.ones(len(enc_rep)), np.full(sum(len(e) for e in extra_e), 2.0)])
    # coder's choice between the specific and the unspecified form of a code with a sibling pair.
    # The planted coder picks the unspecified form far more often; `subst` marks the excess choices
    # (the ones the documentation would have supported specifically), which audits revise.
    is_u = (CODERS.coder_id.to_numpy()[coder] == planted.UNSPECIFIED_CODER)[all_e]
    u = rng.random(len(all_c))
    rate = np.where(is_u, mixes.UNSPECIFIED_CODER_RATE, mixes.UNSPECIFIED_RATE)
    paired = cb.sform[all_c] != cb.uform[all_c]
    chosen = np.where(u < rate, cb.uform[all_c], cb.sform[all_c])
    fits = cb.ok(chosen, age[all_e], sex[all_e])
    chosen = np.where(fits, chosen, all_c)
    subst = paired & fits & is_u & (u >= mixes.UNSPECIFIED_RATE) & (u < rate)
    dx = pd.DataFrame({"e": all_e, "c": chosen, "o": order, "subst": subst})
    dx = dx[cb.ok(dx.c.to_numpy(), age[dx.e.to_numpy()], sex[dx.e.to_numpy()])]
    dx = dx.sort_values(["e", "o"], kind="stable").drop_duplicates(["e", "c"])
    # at most one gestational-age (Z3A) code per encounter
    z3a = cb.is_z3a[dx.c.to_numpy()]
    dx = dx[~z3a | ~pd.Series(np.where(z3a, dx.e.to_numpy(), -1), index=dx.index).duplicated().to_numpy()]
    dx["seq"] = dx.groupby("e").cumcount() + 1
    e = dx.e.to_numpy()
    code = cb.codes[dx.c.to_numpy()]
    fy = cal.fiscal_year(discharge)
    poa = np.full(len(dx), None, dtype=object)
    ipm = etype[e] == 3
    u = rng.random(len(dx))
    poa_draw = np.where(u < 0.86, "Y", np.where(u < 0.95, "N", np.where(u < 0.98, "U", "W")))
    poa_draw = np.where(dx.seq.to_numpy() == 1, "Y", poa_draw)
    poa_draw = np.where(pd.Series(code).str.startswith("Z").to_numpy(), "1", poa_draw)
    poa[ipm] = poa_draw[ipm]
    diagnoses = pd.DataFrame({
        "encounter_id": ctx.enc_ids(first, e), "sequence": dx.seq.to_numpy().astype(np.int16),
        "code_system": "ICD10CM", "code": code, "code_version": np.char.add("FY", fy[e].astype(str)),
        "poa": poa})
    # --- ICD-10-PCS procedures ---
    surg = np.zeros(n, dtype=bool)
    pr_e, pr_code = [], []
    for ci in np.unique(case[ip]):
        pcs = mixes.INPATIENT_CASES[ci][3]
        if not pcs:
            continue
        m = np.flatnonzero(case == ci)
        pr_e.append(m)
        pr_code.append(np.array(pcs, dtype=object)[rng.integers(0, len(pcs), len(m))])
    pr_e = np.concatenate(pr_e) if pr_e else np.array([], dtype=int)
    pr_code = np.concatenate(pr_code) if pr_code else np.array([], dtype=object)
    surg[pr_e] = ~np.isin(pr_code, ["5A1955Z", "4A023N7"])
    pday = np.minimum(rng.integers(0, 2, len(pr_e)), los[pr_e])
    procedures = pd.DataFrame({
        "encounter_id": ctx.enc_ids(first, pr_e), "sequence": np.ones(len(pr_e), dtype=np.int16),
        "code_system": "ICD10PCS", "code": pr_code,
        "code_version": np.char.add("FY", fy[pr_e].astype(str)),
        "procedure_date": admit[pr_e] + pday.astype("timedelta64[D]"),
        "provider_id": prov.provider_id.to_numpy()[prov_idx[pr_e]]})
    # --- discharge status ---
    u = rng.random(n)
    old = age >= 65
    status = np.where(etype != 3, "01", np.select(
        [u < 0.70, u < 0.80, u < 0.80 + 0.10 * old, u < 0.985 - 0.01 * ~old, u < 0.995],
        ["01", "06", "03", "01", "20"], "07"))
    # --- coding workflow ---
    speed = CODERS.speed.to_numpy()[coder]
    effort_min = np.select([etype == 3, etype == 2, etype == 1], [25.0, 8.0, 7.0], 5.0)
    lag_h = rng.lognormal(np.log(np.where(etype == 3, 40, 20)), 0.9, n)
    start = discharge.astype("datetime64[s]") + np.timedelta64(15, "h") + (lag_h * 3600).astype("timedelta64[s]")
    work = effort_min * speed * rng.lognormal(0, 0.35, n) * (1 + 0.6 * (n_dx > 8))
    done = start + (work * 60).astype("timedelta64[s]")
    billed = done + (rng.lognormal(np.log(6), 1.0, n) * 3600).astype("timedelta64[s]")
    started_ok = start < cal.AS_OF
    done_ok = done < cal.AS_OF
    billed_ok = billed < cal.AS_OF
    nat = np.datetime64("NaT", "s")
    coder_id = np.where(started_ok, CODERS.coder_id.to_numpy()[coder], None)
    enc = pd.DataFrame({
        "encounter_id": ctx.enc_ids(first, np.arange(n)), "patient_id": pid, "facility_id": facility,
        "encounter_type": TYPES[etype], "admit_date": admit, "discharge_date": discharge,
        "discharge_status": status, "attending_provider_id": prov.provider_id.to_numpy()[prov_idx],
        "specialty_code": spec, "place_of_service": np.array([POS[t] for t in TYPES])[etype],
        "payer_id": PAYERS.payer_id.to_numpy()[payer], "payer_type": PAYERS.payer_type.to_numpy()[payer],
        "drg_code": None, "drg_version": pd.array([None] * n, dtype="Int32"), "coder_id": coder_id,
        "coding_started_at": np.where(started_ok, start, nat),
        "coding_completed_at": np.where(done_ok, done, nat),
        "final_billed_at": np.where(billed_ok, billed, nat),
        "age_years": age.astype(np.int16), "sex": sex.astype(str)})
    # DRG grouping for inpatient stays
    drg, sev = ctx.group_stays(ip, diagnoses, procedures, enc, fy)
    enc.loc[ip, "drg_code"] = drg
    enc.loc[ip, "drg_version"] = cal.drg_version_for_fy(fy[ip]).astype(int)
    internal = {"etype": etype, "prov_idx": prov_idx, "coder": coder, "payer": payer, "los": los,
                "surg": surg, "case": case, "fy": fy, "month": month, "sev": sev, "ip": ip,
                "dx_subst": dx.subst.to_numpy(), "dx_e": e}
    return {"encounters": enc, "diagnoses": diagnoses, "procedures": procedures, "_": internal}
