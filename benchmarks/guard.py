"""``--guard``: what a ``document.cookie`` write costs through the page guard, in Chromium.

Contract: :func:`guard_mode` opens one page in Debian's Chromium (Playwright, no server: the
page and the built ``guard.min.js`` with the examples' policy compiled for its host are handed
to the browser by ``page.route``), and times ``document.cookie`` writes in the page itself: the
same writes through the guard and, as the floor, what the guard writes for them through the
browser's own setter, in interleaved batches (the page's clock is coarse, so one write is a
batch's time divided by its size), and prints the medians. Target: a write through the guard
at most 20 µs (median), as the page-guard issue set it. It also prints ``guard.min.js``'s size,
gzipped, against its 6 KB.

Rules: timings are taken in the page, never asserted in a unit test; ``--quick`` writes fewer
and does not enforce the target.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
from importlib import resources

from cookiewarden import Policy
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.page_rules import page_rules, page_state

from . import ROOT

TARGET_US = 20.0
HOST = "www.example.com"
WRITES = [  # what tags write: declared, capped, refused, undeclared, a deletion
    "_ga=GA1.2.123.456; max-age=63072000; path=/; domain=.example.com",
    "lang=it; max-age=31536000; path=/",
    "ads_id=a1; expires=Fri, 31 Dec 2027 23:59:59 GMT; path=/",
    "uid=u-1; max-age=86400; path=/",
    "_ga=; max-age=0; path=/; domain=.example.com",
]


def _page(rules: str, guard: str | None) -> str:
    script = f"<script>self.__cookiewardenRules = {rules};</script><script>{guard}</script>"
    return f"<!doctype html><html><head>{script if guard else ''}</head><body></body></html>"


MEASURE = """([writes, rounds, batch]) => {
  const set = Object.getOwnPropertyDescriptor(Document.prototype, "cookie").set;
  // The floor writes, with the browser's own setter, exactly what the guard writes for each
  // write (a refused one: nothing), so both leave the jar alike and neither churns it.
  const out = writes.map((w) => cookiewarden.guard.decide(w).header);
  const guarded = (i) => { document.cookie = writes[i]; };
  const raw = (i) => { if (out[i] != null) set.call(document, out[i]); };
  const time = (write) => {
    const t = performance.now();
    for (let i = 0; i < batch; i++) write(i % writes.length);
    return (performance.now() - t) * 1000 / batch;  // microseconds per write
  };
  for (let i = 0; i < 30; i++) { time(guarded); time(raw); }  // warm up (V8 optimises)
  const g = [], r = [];
  for (let i = 0; i < rounds; i++) { g.push(time(guarded)); r.push(time(raw)); }
  return [g, r];
}"""


def guard_mode(args: argparse.Namespace) -> int:
    """Measure and print; exit 1 when the target is missed (never with ``--quick``)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        print("--guard needs Debian's chromium on PATH")
        return 2
    built = resources.files("cookiewarden.web").joinpath("static", "guard.min.js").read_text()
    policy = Policy.from_toml(ROOT / "examples" / "policy.toml")
    # A visitor who granted performance and functionality, as /_consent/guard.js tells it.
    state = page_state(policy, Consent.undecided(policy)) | {
        "decided": True,
        "granted": ["functionality", "necessary", "performance"],
    }
    rules = json.dumps(page_rules(policy, HOST) | {"state": state})
    # 1,000 writes each way; batches of 100, as the page's clock ticks in 100 µs at best.
    rounds, batch = (3, 100) if args.quick else (10, 100)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            html = _page(rules, built)
            context.route("**/*", lambda route: route.fulfill(body=html, content_type="text/html"))
            page = context.new_page()
            page.goto(f"http://{HOST}/")
            guarded, raw = page.evaluate(MEASURE, [WRITES, rounds, batch])
        finally:
            browser.close()
    g, r = statistics.median(guarded), statistics.median(raw)
    size = len(gzip.compress(built.encode(), 9))
    print(f"document.cookie write in Chromium, {rounds} x {batch} writes each way, medians")
    print(f"  through the guard   {g:7.2f} µs")
    print(f"  the browser's own   {r:7.2f} µs")
    print(f"  the guard's share   {g - r:7.2f} µs")
    print(f"guard.min.js: {size} bytes gzipped (budget 6144)")
    met = g <= TARGET_US
    label = "not enforced with --quick" if args.quick else ("met" if met else "MISSED")
    print(f"target: a guarded write <= {TARGET_US:.0f} µs: {g:.2f} µs ({label})")
    return 0 if args.quick or met else 1
