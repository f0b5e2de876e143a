"""`make bench` section: page settle time in headless Chromium, and the serving process's memory.

`codedash serve` runs as a subprocess on a free port (single-user: one waitress process, 8 threads). A script
injected before any page script counts the Dash requests in flight (every fetch to /_dash-*); a page has
settled when none is pending and none started for QUIET_MS; its settle time is when the last one ended,
from navigation start. Each page is loaded with random filters in the URL (mostly cache misses), then once
more with the same URL (the cache-hit path). While it runs, /proc/<pid>/status is sampled for VmRSS, and
VmHWM (the kernel's peak) is read at the end; HTTP callback requests from several threads follow the browser.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.browser import chromium
from tests.browser.chromium import CHROMEDRIVER, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
QUIET_MS = 600
TRACK_DASH_REQUESTS = """
(() => {
  const state = window.__cdBench = {pending: 0, started: 0, last: 0, lastStart: 0};
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.indexOf('_dash-') < 0) return orig.apply(this, arguments);
    state.pending++; state.started++; state.lastStart = performance.now();
    const done = () => requestAnimationFrame(() => { state.pending--; state.last = performance.now(); });
    return orig.apply(this, arguments).then(r => { r.clone().text().finally(done); return r; },
                                            e => { done(); throw e; });
  };
})();
"""


def browser_available() -> bool:
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`codedash serve` in a subprocess, with a thread sampling its resident memory."""

    def __init__(self, db_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "codedash.dashboard.cli", "serve", "--db", str(db_path),
                                      "--port", str(self.port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.rss_samples: list[int] = []
        self._stop = threading.Event()
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("codedash serve exited at start")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError("codedash serve did not answer within 120 s")
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _status_kb(self, field: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def _sample(self):
        while not self._stop.is_set():
            try:
                self.rss_samples.append(self._status_kb("VmRSS"))
            except OSError:
                return
            time.sleep(0.2)

    def peak_mb(self) -> float:
        return self._status_kb("VmHWM") / 1024

    def stop(self):
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _driver():
    driver = chromium.start()
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_DASH_REQUESTS})
    return driver


def settle_ms(driver, url: str, timeout: float = 180) -> float:
    """Load `url` and return when its last Dash request ended (ms from navigation start)."""
    driver.get(url)
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = driver.execute_script(
            "const s = window.__cdBench; return s ? [s.pending, s.started, s.last, performance.now()] : null")
        if state:
            pending, started, last, now = state
            if started and pending <= 0 and now - last >= QUIET_MS:
                return last
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not settle within {timeout:.0f} s")


def settle_times(base_url: str, sampler, loads: int) -> dict[str, dict]:
    """Per page: settle times of `loads` loads with random filters, and of one reload of the last URL."""
    from codedash.dashboard.pages.registry import PAGES
    from codedash.dashboard.url_state import search_from_filters

    driver = _driver()
    results = {}
    try:
        settle_ms(driver, base_url + "/")                       # warm the browser's own caches (scripts)
        for page in PAGES:
            cold = []
            for _ in range(loads):
                url = base_url + page.path + search_from_filters(sampler.filters())
                cold.append(settle_ms(driver, url))
            warm = settle_ms(driver, url)
            results[page.key] = {"title": page.title, "cold": cold, "warm": warm}
    finally:
        driver.quit()
    return results


def drive_http(base_url: str, callbacks, sampler, requests: int, threads: int = 4) -> dict:
    """Post callback requests from several threads at once, as several users would; errors are counted."""
    from tests.benchmarks.callbacks import body

    payloads = []
    while len(payloads) < requests:
        values = sampler.values(sampler.filters())
        payloads.extend(body(cb, values) for cb in callbacks if not cb.export)
    payloads = payloads[:requests]
    errors, lock = [0], threading.Lock()

    def worker(chunk):
        for payload in chunk:
            req = urllib.request.Request(base_url + "/_dash-update-component", data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    resp.read()
            except urllib.error.HTTPError as exc:
                if exc.code != 204:
                    with lock:
                        errors[0] += 1
            except OSError:
                with lock:
                    errors[0] += 1

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(payloads[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - t0
    return {"requests": len(payloads), "threads": threads, "seconds": seconds, "errors": errors[0]}


def run(db_path: Path, sampler, callbacks, loads: int, requests: int) -> dict:
    env_cache = os.environ.get("CODEDASH_RESULT_CACHE_MB")
    server = Server(db_path)
    try:
        settle = settle_times(server.url, sampler, loads) if browser_available() else None
        http = drive_http(server.url, callbacks, sampler, requests)
        peak = server.peak_mb()
        sampled = max(server.rss_samples, default=0) / 1024
    finally:
        server.stop()
    return {"settle": settle, "http": http, "peak_rss_mb": peak, "max_sampled_rss_mb": sampled,
            "cache_mb": env_cache or "default"}


def summarize_settle(settle: dict) -> list[dict]:
    from tests.benchmarks.callbacks import pct

    return [{"page": r["title"], "loads": len(r["cold"]), "p50": statistics.median(r["cold"]),
             "p95": pct(r["cold"], 95), "warm": r["warm"]} for r in settle.values()]
