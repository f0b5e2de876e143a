"""`make bench` section (and `python -m tests.benchmarks.multi_user_load DB`): signed-in users under load.

A bounded load test of multi-user serving (issue 13): `codedash serve --multi-user` (its default process
count, or CODEDASH_WORKERS from the environment) on the database given, USERS accounts with every role and
different facility grants, each a thread with its own cookie jar that signs in on the real form, loads the
app (its layout: filter options, navigation) as a browser does once, and then, for DURATION seconds, opens
pages its role includes and fires every callback the page renders (half with the default filters, half with
random ones, as tests/benchmarks/callbacks.py draws them), pausing THINK seconds between page views as a
person reading a page does. Sign-ins are spread over the first 20 seconds (each costs an Argon2id hash:
64 MiB and about half a second of one core, by design).

It reports p50/p95/max response time per request, errors (any status other than 200 and Dash's 204), and scope
violations: a response naming a facility outside the user's grants, or an overview whose numbers differ from
the overview computed for exactly the user's facilities.

Settings: CODEDASH_BENCH_USERS (50), CODEDASH_BENCH_USER_SECONDS (120), CODEDASH_BENCH_THINK ("10,40": seconds
between a user's page views, uniform).
"""
from __future__ import annotations

import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "load test password 2026"


@dataclass
class Results:
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    sign_ins: int = 0
    page_views: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ms(self) -> list[float]:
        """Every request's time, whatever its kind."""
        return [v for values in self.by_kind.values() for v in values]

    def add(self, ms: float, error: str | None = None, violation: str | None = None, kind: str = "callback"):
        with self.lock:
            self.by_kind.setdefault(kind, []).append(ms)
            if error:
                self.errors.append(error)
            if violation:
                self.violations.append(violation)


def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _accounts(app_db: Path, facilities: list[str], n: int) -> list[dict]:
    from codedash.dashboard.access import ROLES
    from codedash.data import accounts, appstate

    con = appstate.open_app(app_db)
    users = []
    for i in range(n):
        role = ROLES[i % len(ROLES)]
        everything = role == "administrator" and i % 2 == 0
        granted = None if everything else sorted({facilities[i % len(facilities)],
                                                  facilities[(i * 7 + 3) % len(facilities)]})
        name = f"user{i:02d}"
        accounts.add_user(con, name, PASSWORD, roles=(role,), facilities=() if granted is None else granted,
                          all_facilities=granted is None, can_export=i % 3 == 0)
        users.append({"username": name, "role": role, "facilities": granted})
    con.close()
    return users


def run(db_path: Path, users_n: int = 50, seconds: float = 120, think=(10.0, 40.0)) -> dict:
    import requests

    from codedash.dashboard import access
    from codedash.dashboard.app import create_app
    from codedash.data.database import open_readonly
    from codedash.queries import filters as flt
    from codedash.queries.overview import overview_kpis
    from codedash.queries.periods import default_period
    from tests.benchmarks import callbacks as cbs
    from tests.browser.conftest import serving

    con = open_readonly(db_path)
    fac_rows = con.execute("select facility_id, facility_name from facilities order by 1").fetchall()
    facilities = [r[0] for r in fac_rows]
    names = {r[0]: r[1] for r in fac_rows}
    app = create_app(db_path)
    app.server.test_client().get("/")
    sampler = cbs.Sampler.from_database(con, app)
    found = [c for c in cbs.discover(app) if c.renders and not c.export]
    by_page: dict[str, list] = {}
    for c in found:
        by_page.setdefault(c.page, []).append(c)
    # what each grant's overview must show: the encounters of exactly its facilities in its default period
    expected: dict = {}

    def expected_encounters(granted):
        key = tuple(granted) if granted else None
        if key not in expected:
            scope = flt.Scope(key)
            period = default_period(con, scope)
            kpis = overview_kpis(con, {"start_date": period.start.isoformat(), "end_date": period.end.isoformat()},
                                 scope=scope)
            expected[key] = next(k for k in kpis["kpis"] if k["key"] == "encounters")["value"]
        return expected[key]

    results = Results()
    with tempfile.TemporaryDirectory(prefix="codedash-load-") as tmp:
        app_db = Path(tmp) / "app.sqlite"
        users = _accounts(app_db, facilities, users_n)
        for u in users:
            u["expected_encounters"] = expected_encounters(u["facilities"])
        con.close()
        env = {"CODEDASH_MULTI_USER": "1", "CODEDASH_SECRET_KEY": "b" * 48, "CODEDASH_APP_DB": str(app_db),
               "CODEDASH_COOKIE_SECURE": "0", "CODEDASH_LOGIN_MAX_FAILURES": "1000"}
        with serving(db_path, env=env) as url:
            stop_at = time.time() + seconds

            def user_loop(user, seed):
                try:
                    user_session(user, seed)
                except Exception as exc:                     # noqa: BLE001 - counted, never a dead thread
                    results.add(0.0, f"{user['username']}: {type(exc).__name__}: {str(exc)[:120]}")

            def layout(s, user, outside):
                t0 = time.perf_counter()
                r = s.get(url + "/_dash-layout", timeout=60)          # the shell: filter options, navigation
                results.add((time.perf_counter() - t0) * 1000,
                            None if r.status_code == 200 else f"layout: HTTP {r.status_code}",
                            next((f"{user['username']} got {n!r} in the layout" for n in outside
                                  if n in r.text), None), kind="layout")

            def user_session(user, seed):
                rng = random.Random(seed)
                time.sleep(rng.uniform(0, 20))               # a team arriving, not one millisecond
                s = requests.Session()
                t0 = time.perf_counter()
                form = s.get(url + "/auth/sign-in", timeout=30)
                token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
                r = s.post(url + "/auth/sign-in", data={"csrf_token": token, "username": user["username"],
                                                       "password": PASSWORD}, timeout=30)
                results.add((time.perf_counter() - t0) * 1000, None if r.status_code == 200 else
                            f"sign-in {user['username']}: {r.status_code}", kind="sign-in")
                with results.lock:
                    results.sign_ins += 1
                headers = {"X-CSRFToken": s.cookies.get("_csrf_token", "")}
                pages = [p for p in by_page if p != "shell" and access.may_see_page(p, _Fake(user))]
                outside = [names[f] for f in facilities if user["facilities"] is not None
                           and f not in user["facilities"] and names.get(f)]
                layout(s, user, outside)
                while time.time() < stop_at:
                    page = rng.choice(pages)
                    filters = {} if rng.random() < 0.5 else sampler.filters()
                    values = sampler.values(filters)
                    values["filters.data"] = filters
                    for cb in by_page[page] + by_page.get("shell", []):
                        if not access.may_see_panel(_names_panel(app, cb), _Fake(user)):
                            continue
                        payload = cbs.body(cb, values)
                        t0 = time.perf_counter()
                        try:
                            r = s.post(url + "/_dash-update-component", json=payload, headers=headers, timeout=60)
                        except requests.RequestException as exc:
                            results.add((time.perf_counter() - t0) * 1000, f"{cb.label}: {type(exc).__name__}")
                            continue
                        ms = (time.perf_counter() - t0) * 1000
                        error = None if r.status_code in (200, 204) else f"{cb.label}: HTTP {r.status_code}"
                        violation = next((f"{user['username']} got {n!r} in {cb.label}" for n in outside
                                          if n in r.text), None)
                        if violation is None and cb.label.startswith("overview-kpis-body") and not filters \
                                and r.status_code == 200:
                            shown = _encounters_in(r.text)
                            want = user["expected_encounters"]
                            if shown is not None and want is not None and shown != _fmt(want):
                                violation = f"{user['username']} overview shows {shown}, expected {_fmt(want)}"
                        results.add(ms, error, violation)
                    with results.lock:
                        results.page_views += 1
                    time.sleep(rng.uniform(*think))

            threads = [threading.Thread(target=user_loop, args=(u, i), daemon=True) for i, u in enumerate(users)]
            t_start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=seconds + 300)
            wall = time.perf_counter() - t_start
    every = results.ms
    out = {"users": users_n, "seconds": round(wall, 1), "requests": len(every), "sign_ins": results.sign_ins,
           "page_views": results.page_views, "p50_ms": round(pct(every, 0.5), 1),
           "p95_ms": round(pct(every, 0.95), 1), "max_ms": round(max(every, default=float("nan")), 1),
           "by_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 0.5), 1), "p95_ms": round(pct(v, 0.95), 1)}
                       for k, v in sorted(results.by_kind.items())},
           "errors": len(results.errors), "violations": len(results.violations),
           "error_examples": results.errors[:5], "violation_examples": results.violations[:5]}
    return out


class _Fake:
    """A stand-in user for the access rules (roles and export only)."""
    def __init__(self, user):
        self.roles = (user["role"],)
        self.can_export = False
        self.facilities = user["facilities"]


def _names_panel(app, cb) -> bool:
    func = app.callback_map[cb.output].get("callback")
    owner = getattr(func, "codedash_owner", None)
    return bool(owner and owner[1])


def _fmt(value) -> str:
    from codedash.dashboard.formatting import format_value
    return format_value(value, "count")


def _encounters_in(text: str) -> str | None:
    """The encounters card's value in an overview-kpis-body response."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", node)
            if isinstance(props, dict) and props.get("id") == "kpi-encounters-value":
                found.append(props.get("children"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(data)
    return found[0] if found else None


def report(out: dict) -> None:
    print(f"  {out['users']} signed-in users for {out['seconds']} s: {out['requests']} requests "
          f"({out['page_views']} page views), p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, max {out['max_ms']} ms; "
          f"errors {out['errors']}, scope violations {out['violations']}")
    for kind, f in out["by_kind"].items():
        print(f"    {kind}: {f['n']} requests, p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms")
    for example in out["error_examples"] + out["violation_examples"]:
        print(f"    {example}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m tests.benchmarks.multi_user_load DB.duckdb", file=sys.stderr)
        return 2
    think = tuple(float(x) for x in os.environ.get("CODEDASH_BENCH_THINK", "10,40").split(","))
    out = run(Path(argv[0]), int(os.environ.get("CODEDASH_BENCH_USERS", "50")),
              float(os.environ.get("CODEDASH_BENCH_USER_SECONDS", "120")), think)
    report(out)
    print(json.dumps(out))
    return 0 if out["errors"] == 0 and out["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
