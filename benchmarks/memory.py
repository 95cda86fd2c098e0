"""``--memory``: many distinct requests through one engine; memory must stay flat.

Contract: :func:`memory_mode` pushes ``--count`` requests through one :class:`Engine`, each with
a new consent cookie, Cookie header and path and three new Set-Cookie values, through each of
the paths the adapters use, and prints the resident set size at checkpoints; it misses when
memory grows by more than ``--memory-limit-mib`` after the warm-up (``--quick`` does not
enforce, as everywhere).

Rules: :func:`cache_sizes` is the only code in the benchmarks that reads the engine's internals.
It finds the caches by type (every cache the engine keeps is a
:class:`~cookiewarden.engine.cache.BoundedCache`), not by name, so it keeps working however the
engine's parts are reorganised.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path
from typing import Any

from cookiewarden import Engine
from cookiewarden.engine.cache import BoundedCache

from .apps import DAY, SECRET, TokenMint, make_policy


def cache_sizes(engine: Engine, depth: int = 3) -> dict[str, int]:
    """Entries in each bounded cache the engine holds, named by attribute path.

    Walks the engine's instance attributes (``__dict__`` and ``__slots__``), and those of its
    parts (objects of cookiewarden's own classes) down to ``depth`` levels; every
    :class:`BoundedCache` found is reported once, under its path with each name's leading
    underscores dropped (``engine.reader._verified`` → ``"reader.verified"``). Reads
    attributes only: no property, no method runs.
    """
    sizes: dict[str, int] = {}
    seen = {id(engine)}
    missing = object()

    def walk(owner: object, prefix: str, level: int) -> None:
        names = list(getattr(owner, "__dict__", {}))
        for cls in type(owner).__mro__:
            slots = cls.__dict__.get("__slots__", ())
            names += [slots] if isinstance(slots, str) else list(slots)
        for name in dict.fromkeys(names):
            value = getattr(owner, name, missing)
            if value is missing or id(value) in seen:
                continue
            seen.add(id(value))
            path = prefix + name.lstrip("_")
            if isinstance(value, BoundedCache):
                sizes[path] = len(value)
            elif level < depth and type(value).__module__.startswith("cookiewarden."):
                walk(value, path + ".", level + 1)

    walk(engine, "", 1)
    return sizes


def _rss_kib() -> int:
    """This process's resident set size (``/proc/self/status``), or -1."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def memory_mode(args: argparse.Namespace) -> int:
    """Push ``--count`` distinct consent cookies and 3 x ``--count`` distinct Set-Cookie values
    through one engine (the str path WSGI uses, the raw values and the whole header lists ASGI
    uses, and a distinct path per request); print the memory in use as it goes. Bounded caches
    keep it flat.
    """
    import tracemalloc

    policy = make_policy()
    mint = TokenMint(policy)
    engine = Engine(policy, [SECRET], consent_log=None)
    count = args.count
    checkpoints = {count // 10, count // 4, count // 2, 3 * count // 4, count}
    print(
        f"pushing {count:,} requests through one engine, each with a distinct consent cookie, "
        f"Cookie header, path and three distinct Set-Cookie values (one of a distinct shape)"
    )

    def one(n: int) -> None:
        facts = engine.facts("www.example.com", "https", f"/item/{n}")
        cookie = f"sessionid=s{n}; _ga=GA1.1.{n}.1; cw_consent={mint(n)}"
        if n % 3:  # as the ASGI adapter begins: raw values, one lookup (fills _plans too)
            raw_cookie = cookie.encode()
            exchange = engine.begin_request(b"www.example.com", "https", facts.path, raw_cookie)
        else:
            exchange = engine.begin(facts, cookie)
        values = [
            f"sessionid=s{n}; HttpOnly; Path=/{n}; SameSite=lax",  # a new shape, too
            f"_ga=GA1.1.{n}.1; Max-Age={730 * DAY}; Path=/",
            f"ads_id=a{n}; Max-Age={400 * DAY}; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        ]
        if n % 3 == 1:
            exchange.response_headers_raw([v.encode() for v in values])
        elif n % 3 == 2:
            # A whole ASGI header list, as the adapter hands it over, three times: from the
            # third on, it is kept whole (and fills that cache too).
            headers = [(b"content-type", b"text/html"), (b"x-request-id", str(n).encode())]
            headers += [(b"set-cookie", v.encode()) for v in values[:2]]
            for again in range(3):
                if again:
                    exchange = engine.begin_request(
                        b"www.example.com", "https", facts.path, raw_cookie
                    )
                exchange.rewrite_raw_headers(headers)
        else:
            exchange.response_headers(values)

    warm = min(20_000, count)
    for n in range(warm):  # every cache fills (and is emptied) at least once before measuring
        one(n)
    gc.collect()
    if args.tracemalloc:
        tracemalloc.start()
    rss_before = _rss_kib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"after the {warm:,}-request warm-up: RSS {rss_before / 1024:7.1f} MiB, "
        f"max RSS {peak_before / 1024:7.1f} MiB, caches {cache_sizes(engine)}"
    )
    start = time.perf_counter()
    report: list[dict[str, Any]] = []
    for n in range(warm, warm + count):
        one(n)
        done = n - warm + 1
        if done in checkpoints:
            gc.collect()
            rss = _rss_kib()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            line = f"after {done:>9,}: RSS {rss / 1024:7.1f} MiB, max RSS {peak / 1024:7.1f} MiB"
            entry: dict[str, Any] = {"requests": done, "rss_kib": rss, "max_rss_kib": peak}
            if args.tracemalloc:
                traced, traced_peak = tracemalloc.get_traced_memory()
                line += (
                    f", allocated since warm-up {traced / 2**20:6.1f} MiB"
                    f" (peak {traced_peak / 2**20:6.1f} MiB)"
                )
                entry["traced_bytes"] = traced
            line += f", {(time.perf_counter() - start) / done * 1e6:6.1f} µs per request"
            print(line, flush=True)
            report.append(entry)
    if args.tracemalloc:
        # tracemalloc's own record of every live block grows the RSS until the first
        # checkpoint; from there on, growth is the program's.
        rss_before, peak_before = report[0]["rss_kib"], report[0]["max_rss_kib"]
        since = f"the first checkpoint ({report[0]['requests']:,})"
    else:
        since = "the warm-up"
    growth = (report[-1]["rss_kib"] - rss_before) / 1024
    peak_growth = (report[-1]["max_rss_kib"] - peak_before) / 1024
    print(
        f"RSS growth since {since}, over {count:,} distinct requests: {growth:+.1f} MiB "
        f"(max RSS {peak_growth:+.1f} MiB); caches {cache_sizes(engine)}"
    )
    if args.json:
        print(json.dumps({"count": count, "rss_before_kib": rss_before, "report": report}))
    limit = args.memory_limit_mib
    met = growth <= limit and peak_growth <= limit
    quick = " (not enforced with --quick)" if args.quick else ""
    if met:
        print(f"met: memory grew by at most {limit} MiB{quick}")
    else:
        print(f"MISSED: memory grew by more than {limit} MiB{quick}")
    return 0 if met or args.quick else 1
