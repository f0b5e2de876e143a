"""Deterministic demo-data generator for codedash.

    from codedash.data.demo import generate, SIZES
    generate(con, SIZES["small"], seed=42)

Writes every canonical table plus demo_ground_truth and dataset_info into a DuckDB connection
whose schema and ref_* tables already exist. See docs/_fragments/demo.md.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import calendar as cal
from . import edits as demo_edits
from . import mixes, planted
from .audits import audit_rate, audits
from .billing import adjudicate, service_lines
from .encounters import CodeBook, generate_chunk
from .entities import CODERS, FACILITIES, PAYERS, build_patient_pools, build_providers
from .grouping import Grouper

SIZES = {"small": 5_000, "default": 100_000, "large": 2_050_000}
CHUNK = 50_000


class Context:
    def __init__(self, con, n: int, seed: int):
        rng = np.random.default_rng([seed, 0])
        self.codebook = CodeBook()
        cb = self.codebook
        self.providers = build_providers()
        self.pools = build_patient_pools(n, rng)
        self.month_p = cal.month_weights()
        self.dx_ids = {s: cb.ids(v) for s, v in mixes.DX.items()}
        self.sec_ids = {s: cb.ids(v) for s, v in mixes.SECONDARY.items()}
        self.resp_adult = cb.ids(cal.RESPIRATORY)
        self.resp_child = cb.ids(cal.RESPIRATORY_CHILD)
        self.ccmcc_ids = cb.ids(mixes.CC_MCC_SECONDARY)
        self.delivery_sec_ids = cb.ids(mixes.DELIVERY_SECONDARY)
        self.specific_of = dict(mixes.SPECIFIED_SIBLING)
        self.audit_rate = audit_rate(n)
        self.width = max(8, len(str(n)))
        self.grouper = Grouper(con)

    def enc_ids(self, first, idx):
        return np.char.add("E", np.char.zfill((first + np.asarray(idx)).astype(str), self.width)).astype(object)

    def enc_pos(self, ids, first):
        return np.array([int(x[1:]) for x in ids], dtype=int) - first if len(ids) else np.array([], dtype=int)

    def group_stays(self, ip, diagnoses, procedures, enc, fy):
        return self.grouper.group_stays(ip, diagnoses, procedures, enc, fy, self)

    def group_one(self, fy, age, sex, status, dx, procs):
        return self.grouper.group_one(fy, age, sex, status, dx, procs)

    def weight(self, fy, drg):
        return self.grouper.weight(fy, drg)


def _insert(con, table, df):
    if df is None or len(df) == 0:
        return
    # table and column names are the generator's own constants, never input: checked, then joined
    if not all(re.fullmatch(r"[a-z_][a-z0-9_]*", name) for name in (table, *df.columns)):
        raise ValueError(f"not an identifier in {table}: {list(df.columns)}")
    con.register("_demo_df", df)
    cols = ", ".join(df.columns)
    sql = "insert into " + table + " (" + cols + ") select " + cols + " from _demo_df"
    con.execute(sql)
    con.unregister("_demo_df")


STAGES = ("entities", "encounters", "billing", "audits")


def generate(con, n_encounters: int, seed: int = 42, progress=None, stage=None) -> None:
    """Generate n_encounters demo encounters (and everything hanging off them) into `con`.

    progress(done, total): encounters written so far. stage(name, done, total): finer reports for a
    progress display, as each step of STAGES completes: "entities" (done of 2: code book, patient pools
    and grouper ready; facilities, payers, providers and coders written), then per chunk of encounters
    "encounters" (generated), "billing" (service lines and adjudications), "audits" (audits written), with
    done/total counted in encounters."""
    def report(name: str, done: int, total: int) -> None:
        if stage is not None:
            stage(name, done, total)

    report("entities", 0, 2)
    ctx = Context(con, n_encounters, seed)
    report("entities", 1, 2)
    _insert(con, "facilities", FACILITIES.drop(columns=["charge_factor"]))
    _insert(con, "payers", PAYERS[["payer_id", "payer_name", "payer_type"]])
    _insert(con, "providers", ctx.providers[["provider_id", "provider_name", "specialty_code", "facility_id", "npi"]])
    coders = CODERS[["coder_id", "coder_name", "credential", "hire_date", "employment_type"]].copy()
    coders["hire_date"] = pd.to_datetime(coders.hire_date).dt.date
    _insert(con, "coders", coders)
    report("entities", 2, 2)
    done = 0
    chunk_no = 0
    while done < n_encounters:
        n = min(CHUNK, n_encounters - done)
        chunk_no += 1
        rng = np.random.default_rng([seed, chunk_no])
        ch = generate_chunk(ctx, chunk_no, done + 1, n, rng)
        report("encounters", done + n, n_encounters)
        sl, e = service_lines(ctx, ch, rng)
        sl, adj, cas = adjudicate(ctx, ch, sl, e, rng)[:3]
        report("billing", done + n, n_encounters)
        au, af = audits(ctx, ch, sl, rng, done + 1)
        for table, df in (("encounters", ch["encounters"]), ("diagnoses", ch["diagnoses"]),
                          ("procedures", ch["procedures"]), ("service_lines", sl), ("adjudications", adj),
                          ("adjustments", cas), ("audits", au), ("audit_findings", af)):
            _insert(con, table, df)
        report("audits", done + n, n_encounters)
        done += n
        if progress is not None:
            progress(done, n_encounters)
    planted_edits = demo_edits.plant(con)          # demonstration NCCI set + GT08/GT09 (data/demo/edits.py)
    gt = pd.DataFrame(planted.ground_truth_rows(ctx.providers) + planted_edits,
                      columns=["pattern_id", "pattern", "entity_type", "entity_id", "detail", "start_month",
                               "parameter"])
    gt["start_month"] = pd.to_datetime(gt.start_month).dt.date
    _insert(con, "demo_ground_truth", gt)
    info = pd.DataFrame({"key": ["source", "seed", "n_encounters", "period_start", "period_end", "as_of",
                                 "generator"],
                         "value": ["demo", str(seed), str(n_encounters), "2023-10-01", "2026-09-30",
                                   "2026-10-01", "data.demo v1"]})
    con.register("_demo_info", info)
    con.execute("delete from dataset_info where key in (select key from _demo_info)")
    con.execute("insert into dataset_info select * from _demo_info")
    con.unregister("_demo_info")
