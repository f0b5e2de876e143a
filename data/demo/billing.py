"""Service lines, adjudications (with appeals) and CAS adjustments for one chunk (vectorised)."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from . import calendar as cal
from . import mixes, planted
from .entities import CODERS, FACILITIES, PAYERS


class Lines:
    def __init__(self):
        self.parts = []

    def add(self, e, code, rev=None, units=1, mod1=None, mod2=None, charge=None, kind=0, day=0):
        e = np.asarray(e)
        k = len(e)
        if k == 0:
            return
        as_arr = lambda v, dt=object: np.asarray(v, dtype=dt) if np.ndim(v) else np.full(k, v, dtype=dt)
        self.parts.append(pd.DataFrame({
            "e": e, "code": as_arr(code), "rev": as_arr(rev), "units": as_arr(units, float),
            "mod1": as_arr(mod1), "mod2": as_arr(mod2),
            "base": as_arr(charge, float) if charge is not None else np.full(k, np.nan), "kind": kind,
            "day": as_arr(day, np.int32)}))

    def frame(self):
        return pd.concat(self.parts, ignore_index=True)

    def frame_of(self, encs):
        """Lines added so far for the given encounters (code and encounter only)."""
        if not self.parts:
            return pd.DataFrame({"e": [], "code": []})
        f = pd.concat([p[["e", "code"]] for p in self.parts], ignore_index=True)
        return f[np.isin(f.e.to_numpy(), encs)]


def _pick(rng, n, p):
    p = np.asarray(p, float)
    return rng.choice(len(p), n, p=p / p.sum())


def _lat(rng, n):
    return np.where(rng.random(n) < 0.5, "LT", "RT")


def service_lines(ctx, chunk, rng):
    enc = chunk["encounters"]
    it = chunk["_"]
    etype, prov_idx, los, _case = it["etype"], it["prov_idx"], it["los"], it["case"]
    spec = enc.specialty_code.to_numpy()
    role = ctx.providers.role.to_numpy()[prov_idx]
    L = Lines()
    # ---- office (professional claim) ----
    off = np.flatnonzero(etype == 0)
    alt_done = np.zeros(len(enc), dtype=bool)
    for s, alts in mixes.OFFICE_ALT.items():
        m = off[spec[off] == s]
        u = rng.random(len(m))
        acc = 0.0
        for code, p, units in alts:
            hit = m[(u >= acc) & (u < acc + p)]
            acc += p
            L.add(hit, code, units=units)
            alt_done[hit] = True
    em = off[~alt_done[off]]
    procday = np.zeros(len(enc), dtype=bool)
    proc_count = np.zeros(len(enc), dtype=int)
    for s, svcs in mixes.OFFICE_SERVICES.items():
        m = off[spec[off] == s]
        boost = np.where(role[m] == "modifier25", 2.6, 1.0)
        for code, p, units, sameday, lat in svcs:
            hit = m[rng.random(len(m)) < p * (boost if sameday else 1.0)]
            if sameday:
                procday[hit] = True
                second = hit[proc_count[hit] > 0]
                proc_count[hit] += 1
            m1 = _lat(rng, len(hit)) if lat else None
            m2 = None
            if sameday and len(hit):
                # second same-day procedure gets a distinct-procedure modifier
                ms = np.full(len(hit), None, dtype=object)
                ms[np.isin(hit, second)] = np.where(rng.random(np.isin(hit, second).sum()) < 0.5, "59", "XS")
                if lat:
                    m2 = ms
                else:
                    m1 = ms
            L.add(hit, code, units=units, mod1=m1, mod2=m2)
    # ancillaries that accompany what was billed: a venipuncture with any blood test drawn in the
    # office, the administration code with a vaccine, an injection code with an injected drug
    office_lines = L.frame_of(off)
    for trigger, follower, p in mixes.OFFICE_COMPANIONS:
        has = np.zeros(len(enc), dtype=bool)
        has[office_lines.e[office_lines.code.isin(trigger)].to_numpy()] = True
        already = np.zeros(len(enc), dtype=bool)
        already[office_lines.e[office_lines.code == follower].to_numpy()] = True
        hit = off[has[off] & ~already[off]]
        L.add(hit[rng.random(len(hit)) < p], follower)
    # E/M line: with a same-day procedure peers bill it (with 25) on 35%, the planted provider on 95%
    em_role = role[em]
    p25 = np.where(em_role == "modifier25", 0.95, 0.35)
    bill_em = ~procday[em] | (rng.random(len(em)) < p25)
    mod25 = np.where(procday[em] & bill_em, "25", None)
    new = rng.random(len(em)) < 0.18
    up = np.isin(em_role, ["upcoder_im", "upcoder_fp"])
    lvl = np.empty(len(em), dtype=int)
    for s in np.unique(spec[em]):
        ms = spec[em] == s
        est = mixes.EM_ESTABLISHED.get(s, mixes.EM_ESTABLISHED["default"])
        for flag_new, flag_up in ((False, False), (True, False), (False, True), (True, True)):
            m = ms & (new == flag_new) & (up == flag_up)
            if flag_new:
                p = mixes.EM_UPCODER_NEW if flag_up else mixes.EM_NEW
            else:
                p = mixes.EM_UPCODER_ESTABLISHED if flag_up else est
            lvl[m] = _pick(rng, m.sum(), p) + 1
    lvl = np.where(new, np.maximum(lvl, 2), lvl)
    em_code = np.where(new, 99200 + lvl, 99210 + lvl).astype(str)
    L.add(em[bill_em], em_code[bill_em], mod1=mod25[bill_em], kind=1)
    # ---- emergency (institutional, revenue codes) ----
    ed = np.flatnonzero(etype == 2)
    lvl = _pick(rng, len(ed), mixes.EM_ED) + 1
    code = np.where(rng.random(len(ed)) < 0.03, "99291", (99280 + lvl).astype(str))
    inj = np.zeros(len(enc), dtype=bool)
    for c, p, rev, units in mixes.ED_SERVICES:
        hit = ed[rng.random(len(ed)) < p]
        if c == "96372":
            inj[hit] = True
        L.add(hit, c, rev=rev, units=units)
    L.add(ed, code, rev="0450", mod1=np.where(inj[ed] & (rng.random(len(ed)) < 0.5), "25", None), kind=1)
    L.add(ed[rng.random(len(ed)) < 0.5], None, rev="0250", charge=180.0)
    for rev, c, mean, p in mixes.ED_REVENUE:
        L.add(ed[rng.random(len(ed)) < p], c, rev=rev, charge=mean if c is None else None)
    # ---- outpatient hospital ----
    op = np.flatnonzero(etype == 1)
    for s, procs in mixes.OUTPATIENT_PROCS.items():
        m = op[spec[op] == s]
        if not len(m):
            continue
        j = _pick(rng, len(m), [p[1] for p in procs])
        for k, (c, _, rev, lat) in enumerate(procs):
            hit = m[j == k]
            m1 = _lat(rng, len(hit)) if lat else None
            if s == "30" and c in mixes.PROFESSIONAL_COMPONENT:
                m1 = np.where(rng.random(len(hit)) < 0.5, "26", "TC")
            L.add(hit, c, rev=rev, mod1=m1)
        surgical = m[np.isin(np.array([procs[x][2] for x in j]), ["0360", "0750", "0481", "0720"])]
        L.add(surgical, None, rev="0250", charge=450.0)
        L.add(surgical[rng.random(len(surgical)) < 0.7], None, rev="0270", charge=900.0)
        L.add(surgical, None, rev="0710", charge=1200.0)
        for c in ("36415", "85025", "80053"):
            L.add(surgical[rng.random(len(surgical)) < 0.45], c, rev="0300")
        # anesthesia (revenue-code line), pathology of removed tissue, pre-procedure ECG/chest film
        codes_of = np.array([procs[x][0] for x in j])
        for rev, c, mean, p, only in mixes.OUTPATIENT_SURGICAL_EXTRAS:
            cand = surgical if only is None else m[np.isin(codes_of, only)]
            L.add(cand[rng.random(len(cand)) < p], c, rev=rev, charge=mean if c is None else None)
    # ---- inpatient (institutional, revenue codes) ----
    ip = it["ip"]
    mcc = it["sev"] == "MCC"
    for rev, c, mean, p, kind in mixes.INPATIENT_REVENUE:
        if kind == "or":
            cand = ip[it["surg"][ip]]
        elif kind == "icu":
            cand = ip[mcc & (rng.random(len(ip)) < 0.5)]
        else:
            cand = ip
        hit = cand[rng.random(len(cand)) < p]
        if kind in ("rb", "daily"):
            # one line per day of stay (room and board every day; daily labs and drugs on most days)
            days = np.maximum(los[hit], 1)
            he = np.repeat(hit, days)
            hd = np.arange(len(he)) - np.repeat(np.cumsum(days) - days, days)
            if kind == "daily":
                keep = (hd == 0) | (rng.random(len(he)) < mixes.DAILY_REPEAT_P)
                he, hd = he[keep], hd[keep]
            L.add(he, c, rev=rev, units=1, day=hd, charge=mean * rng.lognormal(0, 0.2, len(he)))
            continue
        units = 1 if c != "J1100" else 4
        L.add(hit, c, rev=rev, units=units, charge=mean * rng.lognormal(0, 0.35, len(hit)))
    lines = L.frame()
    # order lines within an encounter: E/M first (kind 1), then the rest in insertion order
    lines["o"] = -lines.kind
    lines = lines.sort_values(["e", "o"], kind="stable").reset_index(drop=True)
    lines["line_number"] = (lines.groupby("e").cumcount() + 1).astype(np.int16)
    e = lines.e.to_numpy()
    code = lines.code.to_numpy()
    fy = it["fy"][e]
    fac_factor = FACILITIES.set_index("facility_id").charge_factor.reindex(enc.facility_id.to_numpy()).to_numpy()[e]
    unit_price = np.where(np.isnan(lines.base.to_numpy()),
                          pd.Series(code).map(mixes.CHARGES).to_numpy(dtype=float), lines.base.to_numpy())
    charge = np.round(unit_price * np.where(np.isnan(lines.base.to_numpy()), lines.units.to_numpy(), 1.0)
                      * fac_factor * 1.03 ** (fy - 2024), 2)
    system = np.where(pd.isna(code), None, np.where(pd.Series(code).str.match(r"^[A-Z]").to_numpy(), "HCPCS", "CPT"))
    sl = pd.DataFrame({
        "encounter_id": enc.encounter_id.to_numpy()[e], "line_number": lines.line_number.to_numpy(),
        "claim_id": np.char.add("CL", enc.encounter_id.to_numpy()[e].astype(str)),
        "service_date": enc.admit_date.to_numpy()[e] + lines.day.to_numpy().astype("timedelta64[D]"),
        "revenue_code": lines.rev.to_numpy(),
        "code_system": system, "code": code, "modifier_1": lines.mod1.to_numpy(),
        "modifier_2": lines.mod2.to_numpy(), "modifier_3": None, "modifier_4": None,
        "units": lines.units.to_numpy(), "charge_amount": charge, "allowed_amount": np.nan,
        "paid_amount": np.nan, "rendering_provider_id": enc.attending_provider_id.to_numpy()[e]})
    return sl, e


# per-payer denial settings: claim-level (eligibility 27/31, auth 197, timely 29, duplicate 18) and per line.
# Calibrated so about 12% of claims are initially denied (published hospital range ~10-15%: Change Healthcare
# 2020 Revenue Cycle Denials Index, 11.1% of claims denied on initial submission; see data/README.md).
CLAIM_DENIALS = [("27", 0.006), ("31", 0.003), ("197", 0.012), ("29", 0.003), ("18", 0.004)]
LINE_DENIALS = [("16", 0.0075), ("50", 0.006), ("97", 0.006), ("4", 0.0035), ("11", 0.003)]
# lines billed by revenue code alone (room and board, supplies, drugs without a HCPCS code) are rarely
# denied on their own: their per-line denial probability is this share of a coded line's
REVENUE_ONLY_LINE_FACTOR = 0.25
CODING_CARCS = {"4", "11", "16", "50", "97"}
CATEGORY = {"27": "eligibility", "31": "eligibility", "197": "authorization", "29": "timely_filing",
            "18": "duplicate", "16": "missing_information", "50": "medical_necessity",
            "97": "coding_bundling", "4": "coding_bundling", "11": "coding_bundling"}
APPEAL_P = {"eligibility": 0.1, "authorization": 0.45, "timely_filing": 0.15, "duplicate": 0.02,
            "missing_information": 0.3, "medical_necessity": 0.5, "coding_bundling": 0.5}
OVERTURN_P = {"eligibility": 0.3, "authorization": 0.5, "timely_filing": 0.1, "duplicate": 0.05,
              "missing_information": 0.6, "medical_necessity": 0.45, "coding_bundling": 0.55}


def _ratio(code):
    return 0.85 + (zlib.crc32(str(code).encode()) % 1000) / 1000 * 0.3


def adjudicate(ctx, chunk, sl, e, rng):
    enc = chunk["encounters"]
    it = chunk["_"]
    n = len(sl)
    payer = it["payer"][e]
    ptype = PAYERS.payer_type.to_numpy()[payer]
    billed_at = enc.final_billed_at.to_numpy()[e]
    lag = PAYERS.lag_days.to_numpy()[payer]
    # claim-level draws (same for every line of an encounter)
    n_enc = len(enc)
    enc_lag = rng.gamma(4.0, 1.0, n_enc) / 4.0
    adj_date = (billed_at.astype("datetime64[D]") + (lag * enc_lag[e]).astype(int).astype("timedelta64[D]")
                + np.timedelta64(3, "D"))
    adjudicated = ~pd.isna(billed_at) & (adj_date < cal.AS_OF.astype("datetime64[D]"))
    charge = sl.charge_amount.to_numpy()
    mult = PAYERS.denial_mult.to_numpy()[payer]
    month = it["month"][e]
    etype = it["etype"][e]
    u_claim = rng.random(n_enc)[e]
    carc = np.full(n, None, dtype=object)
    acc = np.zeros(n)
    for code, p in CLAIM_DENIALS:
        pp = p * mult
        if code == "197":
            pp = pp * np.where(etype == 0, 0.3, 1.6)
            pp = pp * np.where((PAYERS.payer_id.to_numpy()[payer] == planted.DENIAL_PAYER)
                               & (month >= planted.DENIAL_JUMP_MONTH.astype("datetime64[M]")),
                               planted.DENIAL_JUMP_FACTOR, 1.0)
        hit = (carc == None) & (u_claim >= acc) & (u_claim < acc + pp)  # noqa: E711
        carc[hit] = code
        acc = acc + pp
    coder_err = 1 - CODERS.accuracy.to_numpy()[it["coder"][e]]
    coder_f = np.clip(coder_err / 0.05, 0.5, 4.0)
    u_line = rng.random(n)
    acc = np.zeros(n)
    line_no = sl.line_number.to_numpy()
    has_mod = ~pd.isna(sl.modifier_1.to_numpy())
    revenue_only = np.where(pd.isna(sl.code.to_numpy()), REVENUE_ONLY_LINE_FACTOR, 1.0)
    for code, p in LINE_DENIALS:
        pp = p * mult * revenue_only * (coder_f if code in CODING_CARCS else 1.0)
        if code == "97":
            pp = pp * (line_no > 1) * 1.5
        if code == "4":
            pp = pp * np.where(has_mod, 3.0, 0.3)
        hit = (carc == None) & (u_line >= acc) & (u_line < acc + pp)  # noqa: E711
        carc[hit] = code
        acc = acc + pp
    carc[ptype == "self_pay"] = None
    denied = carc != None  # noqa: E711
    # amounts if paid
    ratio = PAYERS.allowed_ratio.to_numpy()[payer] * pd.Series(sl.code.fillna(sl.revenue_code)).map(_ratio).to_numpy()
    allowed = np.round(charge * ratio, 2)
    is_em = pd.Series(sl.code).isin(["99212", "99213", "99214", "99215", "99203", "99204"]).to_numpy()
    pr_code = np.full(n, None, dtype=object)
    pr_amt = np.zeros(n)
    moy = cal.month_of_year(month)
    coins = np.isin(ptype, ["medicare", "medicare_advantage"]) & (etype != 3)
    pr_amt = np.where(coins, np.round(allowed * 0.2, 2), pr_amt)
    pr_code = np.where(coins, "2", pr_code)
    copay = np.isin(ptype, ["commercial"]) & is_em
    pr_amt = np.where(copay, np.minimum(allowed, 30.0), pr_amt)
    pr_code = np.where(copay, "3", pr_code)
    ded = np.isin(ptype, ["commercial"]) & ~copay & (moy <= 3) & (u_line > 0.6)
    pr_amt = np.where(ded, np.round(np.minimum(allowed, 250.0), 2), pr_amt)
    pr_code = np.where(ded, "1", pr_code)
    ipded = (ptype == "medicare") & (etype == 3) & (sl.revenue_code.to_numpy() == "0120")
    pr_amt = np.where(ipded, np.minimum(allowed, 1632.0), pr_amt)
    pr_code = np.where(ipded, "1", pr_code)
    paid = np.round(allowed - pr_amt, 2)
    # appeals
    cat = np.array([CATEGORY.get(c, "") for c in carc], dtype=object)
    ap = np.array([APPEAL_P.get(c, 0.0) for c in cat])
    ov = np.array([OVERTURN_P.get(c, 0.0) for c in cat])
    claim_level = np.isin(carc, ["27", "31", "197", "29", "18"])
    ua = np.where(claim_level, rng.random(n_enc)[e], rng.random(n))
    uo = np.where(claim_level, rng.random(n_enc)[e], rng.random(n))
    d_ap = np.where(claim_level, rng.integers(5, 40, n_enc)[e], rng.integers(5, 40, n))
    d_res = np.where(claim_level, rng.integers(20, 90, n_enc)[e], rng.integers(20, 90, n))
    appeal_date = adj_date + d_ap.astype("timedelta64[D]")
    resolved = appeal_date + d_res.astype("timedelta64[D]")
    asof = cal.AS_OF.astype("datetime64[D]")
    filed = denied & adjudicated & (ua < ap) & (appeal_date < asof)
    outcome = np.where(~filed, None, np.where(resolved >= asof, "pending",
                                              np.where(uo < ov, "overturned", "upheld")))
    over = outcome == "overturned"
    nat = np.datetime64("NaT", "D")
    a = adjudicated
    adj1 = pd.DataFrame({
        "claim_id": sl.claim_id.to_numpy(), "encounter_id": sl.encounter_id.to_numpy(),
        "line_number": line_no, "adjudication_seq": np.int16(1),
        "payer_id": PAYERS.payer_id.to_numpy()[payer], "adjudication_date": adj_date,
        "billed_amount": charge, "allowed_amount": np.where(denied, 0.0, allowed),
        "paid_amount": np.where(denied, 0.0, paid), "denied": denied,
        "carc_group": np.where(denied | (allowed < charge), "CO", np.where(pr_amt > 0, "PR", None)),
        "carc_code": np.where(denied, carc, np.where(allowed < charge, "45", np.where(pr_amt > 0, pr_code, None))),
        "rarc_code": np.where(np.isin(carc, ["16"]), "M51", np.where(carc == "197", "N54", None)),
        "adjustment_amount": np.where(denied, charge, np.round(charge - paid, 2)),
        "appeal_filed": filed, "appeal_date": np.where(filed, appeal_date, nat),
        "appeal_outcome": outcome,
        "appeal_resolved_date": np.where(np.isin(outcome, ["overturned", "upheld"]), resolved, nat)})[a]
    # second adjudication after an overturned appeal
    o = a & over
    adj2 = pd.DataFrame({
        "claim_id": sl.claim_id.to_numpy()[o], "encounter_id": sl.encounter_id.to_numpy()[o],
        "line_number": line_no[o], "adjudication_seq": np.int16(2), "payer_id": adj1.payer_id.to_numpy()[over[a]],
        "adjudication_date": resolved[o], "billed_amount": charge[o], "allowed_amount": allowed[o],
        "paid_amount": paid[o], "denied": False,
        "carc_group": np.where(allowed[o] < charge[o], "CO", None),
        "carc_code": np.where(allowed[o] < charge[o], "45", None), "rarc_code": None,
        "adjustment_amount": np.round(charge[o] - paid[o], 2), "appeal_filed": False,
        "appeal_date": nat, "appeal_outcome": None, "appeal_resolved_date": nat})
    # CAS adjustments
    parts = []
    base = {"claim_id": sl.claim_id.to_numpy(), "line_number": line_no}

    def cas(mask, seq, aseq, group, code, amount):
        parts.append(pd.DataFrame({"claim_id": base["claim_id"][mask], "line_number": line_no[mask],
                                   "adjudication_seq": np.int16(seq), "adjustment_seq": np.int16(aseq),
                                   "carc_group": group, "carc_code": np.asarray(code, dtype=object)[mask]
                                   if np.ndim(code) else code,
                                   "amount": np.asarray(amount)[mask], "quantity": np.nan}))
    co45 = np.round(charge - allowed, 2)
    paidline = a & ~denied
    cas(a & denied, 1, 1, "CO", carc, charge)
    cas(paidline & (co45 > 0), 1, 1, "CO", "45", co45)
    cas(paidline & (pr_amt > 0), 1, 2, "PR", pr_code, pr_amt)
    cas(o & (co45 > 0), 2, 1, "CO", "45", co45)
    cas(o & (pr_amt > 0), 2, 2, "PR", pr_code, pr_amt)
    adjustments = pd.concat(parts, ignore_index=True)
    # renumber adjustment_seq densely within (claim, line, adjudication)
    adjustments = adjustments.sort_values(["claim_id", "line_number", "adjudication_seq", "adjustment_seq"],
                                          kind="stable")
    adjustments["adjustment_seq"] = (adjustments.groupby(["claim_id", "line_number", "adjudication_seq"])
                                     .cumcount() + 1).astype(np.int16)
    # final amounts on service lines
    final_allowed = np.where(~a, np.nan, np.where(denied & ~over, 0.0, allowed))
    final_paid = np.where(~a, np.nan, np.where(denied & ~over, 0.0, paid))
    sl["allowed_amount"] = final_allowed
    sl["paid_amount"] = final_paid
    adjud = pd.concat([adj1, adj2], ignore_index=True)
    return sl, adjud, adjustments, {"denied": denied, "carc": carc}
