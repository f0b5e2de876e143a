"""axe-core in the browser tests: WCAG 2.0/2.1 level A and AA rules on whatever the page shows now.

axe-core 4.9.1 comes bundled with selenium-axe-python (no download at test time). `violations(driver)`
injects it into the current page and returns the violations of the tags below; `report(found)` formats
them for an assertion message (rule, impact, the first offending elements and why).
"""
from __future__ import annotations

import time

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# Every element is checked; nothing is excluded. Loading spinners are waited for (settle) rather than hidden.
_OPTIONS = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}


def violations(driver) -> list[dict]:
    from selenium_axe_python import Axe

    axe = Axe(driver)
    axe.inject()
    driver.set_script_timeout(60)
    return axe.run(options=_OPTIONS)["violations"]


def report(found: list[dict], where: str = "", nodes: int = 4) -> str:
    lines = [f"{len(found)} axe violation(s) {where}".rstrip()]
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for n in v["nodes"][:nodes]:
            summary = (n.get("failureSummary") or "").replace("\n", " | ")[:240]
            lines.append(f"    {n['target']} {n['html'][:140]!r} :: {summary}")
    return "\n".join(lines)


BUSY = "return document.querySelectorAll(\"[data-dash-is-loading='true'], .dash-spinner, ._dash-loading\").length"


def settle(driver, quiet: float = 0.8, timeout: float = 60) -> None:
    """Wait until no Dash callback is loading and the DOM has not changed for `quiet` seconds."""
    deadline = time.time() + timeout
    last, since = None, time.time()
    while time.time() < deadline:
        size = driver.execute_script("return document.body.innerHTML.length")
        busy = driver.execute_script(BUSY)
        if size != last or busy:
            last, since = size, time.time()
        elif time.time() - since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError(f"page did not settle within {timeout} s")
