"""Writes the figures of a `make bench` run into docs/benchmarks.md, between its bench markers."""
from __future__ import annotations

from pathlib import Path


def _ms(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render(machine: dict, results: list[dict], loads: list[dict], total_s: float) -> str:
    sizes = [r["label"] for r in results]
    parts = [f"Run of {machine['date']} on {machine['cores']} cores, {machine['ram_gib']:.0f} GiB RAM, "
             f"{machine['cpu']}, Python {machine['python']}; sizes {', '.join(sizes)}; "
             f"{total_s / 60:.1f} minutes in all; load average {machine['load_start']:.1f} at the start, "
             f"{machine['load_end']:.1f} at the end (other processes share the machine). "
             "All times in milliseconds unless marked."]

    parts.append("### Demo databases (`codedash demo`: reference tables, generation, marts, data-quality checks)")
    parts.append(_table(["size", "encounters", "service lines", "build", "of which marts", "marts vs rest",
                         "lines/s", "peak memory", "file"],
                        [[r["label"], f"{r['build']['encounters']:,}", f"{r['build']['service_lines']:,}",
                          f"{r['build']['seconds']:.1f} s", *_marts_cells(r["build"]),
                          f"{r['build']['service_lines'] / r['build']['seconds']:,.0f}",
                          f"{r['build']['peak_mb']:,.0f} MB", f"{r['build']['file_mb']:,.0f} MB"] for r in results]))
    parts.append("Marts are timed again on a copy of the built file (`codedash.data.marts.build_marts` + checkpoint); "
                 "\"marts vs rest\" is that time over the rest of the build (target: at most +30%).")

    parts.append("### Pages: the callbacks one filter change runs, summed (cold = result cache cleared before each call)")
    rows = []
    for r in results:
        rows += [[r["label"], p["page"], p["callbacks"], _ms(p["p50"]), _ms(p["p95"]), _ms(p["max"]),
                  _ms(p["hit_p50"]), _ms(p["hit_p95"])] for p in r["pages"]]
    parts.append(_table(["size", "page", "callbacks", "p50", "p95", "max", "cache hit p50", "cache hit p95"], rows))

    parts.append("Result cache during the timing: " + "; ".join(
        f"{r['label']}: {r.get('cache_hits', 0):,} hits, {r.get('cache_misses', 0):,} misses" for r in results) + ".")

    for r in results:
        parts.append(f"### Every callback at {r['label']} ({r['combos']} random filter combinations each)")
        parts.append(_table(["page", "callback (first output)", "p50", "p95", "max", "hit p50", "hit p95", "errors"],
                            [[c["page"], f"`{c['callback']}`" + (" (export)" if c["export"] else ""), _ms(c["p50"]),
                              _ms(c["p95"]), _ms(c["max"]), _ms(c["hit_p50"]), _ms(c["hit_p95"]), c["errors"]]
                             for c in r["callbacks"]]))

    parts.append("### Page settle in headless Chromium (navigation until no Dash request is pending)")
    rows = []
    for r in results:
        rows += [[r["label"], s["page"], s["loads"], _ms(s["p50"]), _ms(s["p95"]), _ms(s["warm"])]
                 for s in r.get("settle") or []]
    parts.append(_table(["size", "page", "loads", "p50", "p95", "reload (same URL)"], rows) if rows else
                 "Skipped: Debian chromium and chromium-driver were not installed.")

    parts.append("### Serving memory (`codedash serve`, peak RSS = VmHWM, during the browser runs and the HTTP requests)")
    parts.append(_table(["size", "peak RSS", "callback requests", "threads", "requests/s", "errors"],
                        [[r["label"], f"{r['serve']['peak_rss_mb']:,.0f} MB", r["serve"]["http"]["requests"],
                          r["serve"]["http"]["threads"],
                          f"{r['serve']['http']['requests'] / r['serve']['http']['seconds']:.1f}",
                          r["serve"]["http"]["errors"]] for r in results]))

    parts.append("### Plain pandas on the same data and filters vs codedash's callback path (cold cache)")
    rows = []
    for r in results:
        rows += [[r["label"], c["view"], _ms(c["pandas_p50"]), f"`{c['callback']}`", _ms(c["codedash_p50"]),
                  f"{c['speedup']:.1f}x" if c["speedup"] else "-", "yes" if c["same"] else "**no**"]
                 for c in r["pandas"]]
    parts.append(_table(["size", "view", "pandas p50", "codedash callback", "codedash p50", "speed-up",
                         "same answers"], rows))
    parts.append("pandas reads the tables once before timing (" + ", ".join(
        f"{r['label']}: {r['pandas_load_s']:.1f} s" for r in results if r.get("pandas_load_s") is not None)
        + "), which is not counted; sizes above `CODEDASH_BENCH_PANDAS_MAX_LINES` (20M) lines are not compared.")

    rows = []
    for r in results:
        e = r.get("engines")
        if not e:
            continue
        if "error" in e:
            rows.append([r["label"], "—", "not run: " + e["error"], "", "", "", ""])
            continue
        for engine, x in e["engines"].items():
            rows.append([r["label"], f"{e['service_lines']:,}", engine, f"{x['seconds']:.1f} s",
                         f"{x['lines_per_s']:,.0f}", f"{x['peak_mb']:,.0f} MB", f"{x['marts_mb']:,.1f} MB"])
    if rows:
        parts.append("### Mart builds from the Parquet dataset (`codedash marts build`), DuckDB vs Spark local[2]")
        parts.append(_table(["size", "service lines", "engine", "seconds", "lines/s", "peak memory (process tree)",
                             "marts written"], rows))
        parts.append("Each engine reads the same `codedash export --format parquet` folder (" + "; ".join(
            f"{r['label']}: {r['engines']['lake_mb']:,.0f} MB, exported in {r['engines']['export_s']:.1f} s"
            for r in results if r.get("engines") and "error" not in r["engines"])
            + ") and runs every mart file; Spark's SQL is the sqlglot translation. Seconds include starting "
              "the process (and Spark's JVM, about 10 s).")

    parts.append("### Loads (`codedash load`, native files, replace mode, every check)")
    parts.append(_table(["service lines", "format", "file", "seconds", "lines/s", "peak memory", "status"],
                        [[f"{x['lines']:,}", x["format"], f"{x['file_mb']:,.0f} MB", f"{x['seconds']:.1f}",
                          f"{x['lines_per_s']:,.0f}", f"{x['peak_mb']:,.0f} MB", x["status"]]
                         if not x.get("failed") else [f"{x['lines']:,}", x["format"], "failed", "", "", "", ""]
                         for x in loads]))
    return "\n\n".join(parts) + "\n"


def _marts_cells(build: dict) -> list[str]:
    m = build.get("marts_seconds")
    if m is None:
        return ["—", "—"]
    return [f"{m:.1f} s", f"+{m / max(build['seconds'] - m, 1e-9):.0%}"]


def write(doc: Path, begin: str, end: str, machine: dict, results: list[dict], loads: list[dict], total_s: float):
    text = doc.read_text(encoding="utf-8")
    body = render(machine, results, loads, total_s)
    if begin in text and end in text:
        text = text[: text.index(begin) + len(begin)] + "\n\n" + body + "\n" + text[text.index(end):]
    else:
        text = text.rstrip() + f"\n\n{begin}\n\n{body}\n{end}\n"
    doc.write_text(text, encoding="utf-8")
