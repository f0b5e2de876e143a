"""Coding audits: a random sample of coded encounters per chunk, findings driven by coder accuracy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import calendar as cal
from .entities import CODERS

BASE_RATE = 6500.0   # $ per relative-weight unit for dollar_impact


def audit_rate(n_total: int) -> float:
    """~5% of encounters; more in small builds so every coder has a measurable sample per month."""
    return float(min(0.5, max(0.05, 1500.0 / max(n_total, 1))))


def _modifiers(sl: pd.DataFrame) -> np.ndarray:
    """Each service line's modifiers in order, comma-separated ('25', '59,LT'), or None (vectorised)."""
    cols = [c for c in ("modifier_1", "modifier_2", "modifier_3", "modifier_4") if c in sl]
    acc = pd.Series(sl[cols[0]].to_numpy(), dtype=object)
    for c in cols[1:]:
        nxt = pd.Series(sl[c].to_numpy(), dtype=object)
        acc = acc.str.cat(nxt, sep=",").fillna(acc).fillna(nxt)
    return acc.where(acc.notna(), None).to_numpy(dtype=object)


def _corrected_modifiers(code, mods):
    """What an auditor's modifier correction makes of the coded modifiers: the first one removed (an E/M's
    25 without a significant, separately identifiable service; a 59 where no distinct procedure was
    documented), or, where none was coded, the one that was missing (25 on an E/M, else 59)."""
    if mods is not None and not pd.isna(mods) and str(mods):
        rest = str(mods).split(",")[1:]
        return ",".join(rest) if rest else None
    return "25" if str(code).startswith("992") else "59"


def audits(ctx, chunk, sl, rng, first: int):
    enc = chunk["encounters"]
    it = chunk["_"]
    n = len(enc)
    rate = ctx.audit_rate * np.where(it["etype"] == 3, 2.0, 1.0)
    done = enc.coding_completed_at.to_numpy()
    adate = done.astype("datetime64[D]") + rng.integers(3, 30, n).astype("timedelta64[D]")
    sel = np.flatnonzero(~pd.isna(done) & (rng.random(n) < rate) & (adate < cal.AS_OF.astype("datetime64[D]")))
    if len(sel) == 0:
        return pd.DataFrame(), pd.DataFrame()
    pos = np.full(n, -1)
    pos[sel] = np.arange(len(sel))
    audit_ids = np.char.add("AU", enc.encounter_id.to_numpy()[sel].astype(str))
    acc = CODERS.accuracy.to_numpy()[it["coder"]]
    # code rows under review
    dx = chunk["diagnoses"]
    dxe = it["dx_e"]
    pr = chunk["procedures"]
    pre = ctx.enc_pos(pr.encounter_id.to_numpy(), first)
    sle = ctx.enc_pos(sl.encounter_id.to_numpy(), first)
    slm = ~pd.isna(sl.code.to_numpy())
    rows = pd.concat([
        pd.DataFrame({"e": dxe, "sys": "ICD10CM", "code": dx.code.to_numpy(), "seq": dx.sequence.to_numpy(),
                      "subst": it["dx_subst"]}),
        pd.DataFrame({"e": pre, "sys": "ICD10PCS", "code": pr.code.to_numpy(), "seq": 1, "subst": False}),
        pd.DataFrame({"e": sle[slm], "sys": sl.code_system.to_numpy()[slm], "code": sl.code.to_numpy()[slm],
                      "seq": 9, "subst": False, "mods": _modifiers(sl)[slm]}).drop_duplicates(["e", "code"]),
    ], ignore_index=True)
    rows = rows[pos[rows.e.to_numpy()] >= 0].reset_index(drop=True)
    e = rows.e.to_numpy()
    err = (1 - acc[e]) * 1.0
    err = np.where(rows.subst.to_numpy(), 0.5, err)
    u = rng.random(len(rows))
    wrong = u < err
    v = rng.random(len(rows))
    is_dx = rows.sys.to_numpy() == "ICD10CM"
    ip = it["etype"][e] == 3
    ftype = np.where(~wrong, "correct", np.where(
        is_dx, np.select([v < 0.55, v < 0.8, (v < 0.9) & ip, rows.seq.to_numpy() == 1], ["revised", "deleted", "poa", "resequenced"], "revised"),
        np.select([v < 0.5, v < 0.8], ["revised", "modifier"], "deleted")))
    code = rows.code.to_numpy()
    cb = ctx.codebook
    # corrected code: specific sibling for substituted codes, else another code of the same specialty mix
    spec = enc.specialty_code.to_numpy()[e]
    corr = code.copy()
    rev = ftype == "revised"
    rev_dx = np.flatnonzero(rev & is_dx)
    for s in np.unique(spec[rev_dx]):
        m = rev_dx[spec[rev_dx] == s]
        corr[m] = cb.codes[ctx.dx_ids[s][rng.integers(0, len(ctx.dx_ids[s]), len(m))]]
    subst_rev = np.flatnonzero(rev & rows.subst.to_numpy())
    corr[subst_rev] = [ctx.specific_of.get(c, c) for c in code[subst_rev]]
    rev_cpt = np.flatnonzero(rev & ~is_dx & (rows.sys.to_numpy() != "ICD10PCS"))
    cc = code[rev_cpt].astype(str)
    em = pd.Series(cc).str.match(r"^992[01][2-5]$").to_numpy()
    num = np.where(em, pd.Series(np.where(em, cc, "0")).astype(int).to_numpy(), 0)
    top = np.where(pd.Series(cc).str.startswith("9920").to_numpy(), 99205, 99215)
    bottom = np.where(pd.Series(cc).str.startswith("9920").to_numpy(), 99202, 99212)
    down = (rng.random(len(rev_cpt)) < 0.6) & (num > bottom) | (num >= top)
    newc = np.where(em, np.where(down, num - 1, num + 1).astype(str), cc)
    corr[rev_cpt] = newc
    same = rev & (corr == code)
    ftype[same] = np.where(np.isin(rows.sys.to_numpy()[same], ["CPT", "HCPCS"]), "modifier", "resequenced")
    mods = rows["mods"].to_numpy(dtype=object) if "mods" in rows else np.full(len(rows), None, dtype=object)
    mods = np.where(pd.isna(mods), None, mods)   # rows without modifiers (diagnoses, PCS) come back as NaN
    corr_mods = np.where(ftype == "modifier", [_corrected_modifiers(c, m) for c, m in zip(code, mods)], mods)
    f = pd.DataFrame({"e": e, "sys": rows.sys.to_numpy(), "orig": code,
                      "corr": np.where(ftype == "deleted", None, corr), "type": ftype,
                      "orig_mods": mods, "corr_mods": np.where(ftype == "deleted", None, corr_mods)})
    # codes the auditor added
    n_add = rng.poisson((1 - acc[sel]) * 1.2)
    ae = np.repeat(sel, n_add)
    add_ip = it["etype"][ae] == 3
    add_codes = np.where(add_ip, cb.codes[ctx.ccmcc_ids[rng.integers(0, len(ctx.ccmcc_ids), len(ae))]],
                         cb.codes[ctx.sec_ids["adult"][rng.integers(0, len(ctx.sec_ids["adult"]), len(ae))]])
    f = pd.concat([f, pd.DataFrame({"e": ae, "sys": "ICD10CM", "orig": None, "corr": add_codes, "type": "added"})],
                  ignore_index=True)
    f = f.sort_values("e", kind="stable")
    f["finding_seq"] = (f.groupby("e").cumcount() + 1).astype(np.int16)
    findings = pd.DataFrame({"audit_id": audit_ids[pos[f.e.to_numpy()]], "finding_seq": f.finding_seq.to_numpy(),
                             "code_system": f.sys.to_numpy(), "original_code": f.orig.to_numpy(),
                             "corrected_code": f["corr"].to_numpy(), "finding_type": f.type.to_numpy(),
                             "original_modifiers": f["orig_mods"].to_numpy(),
                             "corrected_modifiers": f["corr_mods"].to_numpy()})
    # DRG after corrections for inpatient audits
    drg_before = enc.drg_code.to_numpy()[sel]
    drg_after = drg_before.copy()
    impact = np.full(len(sel), np.nan)
    ip_sel = np.flatnonzero(it["etype"][sel] == 3)
    fdx = f[f.sys == "ICD10CM"]
    changed = set(fdx.loc[fdx.type.isin(["added", "deleted", "revised"]), "e"].tolist())
    for k in ip_sel:
        ei = sel[k]
        wb = ctx.weight(int(it["fy"][ei]), drg_before[k])
        if ei in changed and drg_before[k] is not None:
            g = fdx[fdx.e == ei]
            final = [c for c in g["corr"].tolist() if isinstance(c, str)]
            procs = pr.code.to_numpy()[pre == ei].tolist()
            drg_after[k] = ctx.group_one(int(it["fy"][ei]), enc.age_years.iat[ei], enc.sex.iat[ei],
                                         enc.discharge_status.iat[ei], final, procs)[0]
        impact[k] = round((ctx.weight(int(it["fy"][ei]), drg_after[k]) - wb) * BASE_RATE, 2)
    adt = adate[sel]
    a = pd.DataFrame({
        "audit_id": audit_ids, "encounter_id": enc.encounter_id.to_numpy()[sel],
        "coder_id": enc.coder_id.to_numpy()[sel],
        "auditor_id": np.array(["AUD01", "AUD02", "AUD03"])[rng.integers(0, 3, len(sel))],
        "audit_date": adt, "audit_type": np.where(rng.random(len(sel)) < 0.9, "random", "focused"),
        "drg_before": drg_before, "drg_after": drg_after, "dollar_impact": impact})
    return a, findings
