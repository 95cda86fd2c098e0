"""The in-process run: variants interleaved round by round, paired ratios, table or JSON.

Contract: :func:`run_interface` times every variant of one interface, :func:`summarise` turns
the samples into the rows (median µs per request, ratio to the baseline, added µs, added µs ÷
the peer's) and the paired ratios between two variants ((d) ÷ (b), and (a) ÷ the send /
``start_response`` wrapper on the same route); :func:`in_process` runs both interfaces, checks
:data:`benchmarks.targets.IN_PROCESS` and prints a table or JSON.

Rules: each variant is checked once (:func:`benchmarks.variants.check_variant`) before
anything is timed; rounds shuffle the variants (a fixed seed) so no variant always follows
another; every ratio is the median of per-round ratios, never a ratio of medians, so a slow
moment of the shared machine hits both sides of a ratio alike; setup objects are frozen out
of the garbage collector while timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .apps import asgi_batch, wsgi_batch
from .targets import IN_PROCESS, check, describe, exit_code, in_process_values
from .variants import Variant, build_variants, check_variant


def run_interface(interface: str, rounds: int, batch: int, warmup: int) -> dict[str, Any]:
    """Time every variant of ``interface``: ``warmup`` untimed rounds, then ``rounds``."""
    variants = build_variants(interface, rounds + warmup, batch)
    loop = asyncio.new_event_loop() if interface == "asgi" else None

    def time_batch(variant: Variant, round_number: int) -> float:
        requests = variant.requests(round_number)
        if loop is not None:
            elapsed = loop.run_until_complete(asgi_batch(variant.app, requests))
        else:
            elapsed = wsgi_batch(variant.app, requests)
        return elapsed / len(requests) / 1000.0

    # Check each variant answers as expected before timing anything.
    for variant in variants:
        check_variant(interface, variant, loop)

    gc.collect()
    gc.freeze()  # setup objects (tokens, scopes) are never scanned by the timed collections
    order = list(variants)
    rng = random.Random(12345)
    try:
        for round_number in range(rounds + warmup):
            rng.shuffle(order)
            for variant in order:
                per_request = time_batch(variant, round_number)
                if round_number >= warmup:
                    variant.samples.append(per_request)
    finally:
        gc.unfreeze()
        if loop is not None:
            loop.close()
    return summarise(variants)


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values (a NaN target misses)."""
    return statistics.median(values) if values else float("nan")


def summarise(variants: list[Variant]) -> dict[str, Any]:
    """The rows of one interface's table and its paired ratios, from the timed variants."""
    by_key = {v.key: v for v in variants}
    peer, bare = by_key["peer"].samples, by_key["bare"].samples
    peer_added = [p - b for p, b in zip(peer, bare, strict=True)]
    rows = []
    for v in variants:
        base = by_key[v.baseline].samples
        ratio = [s / b for s, b in zip(v.samples, base, strict=True)]
        added = [s - b for s, b in zip(v.samples, base, strict=True)]
        row: dict[str, Any] = {
            "key": v.key,
            "label": v.label,
            "baseline": v.baseline,
            "us": median(v.samples),
            "ratio": median(ratio),
            "added_us": median(added),
        }
        if v.key not in ("bare", "bare_plain", "bare_cold"):
            row["vs_peer"] = median(
                [a / p if p > 0 else float("inf") for a, p in zip(added, peer_added, strict=True)]
            )
        rows.append(row)
    d, b = by_key["d"].samples, by_key["b"].samples
    # (a) against the send (WSGI: start_response) wrapper on the same route, no Cookie header.
    a, send = by_key["a"].samples, by_key["send_plain"].samples
    return {
        "rows": rows,
        "d_vs_b": median([x / y for x, y in zip(d, b, strict=True)]),
        "a_vs_send_wrapper": median([x / y for x, y in zip(a, send, strict=True)]),
        "rounds": len(bare),
    }


def machine() -> dict[str, Any]:
    """What the run ran on: CPUs, CPU model, Python."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def print_table(results: dict[str, Any], checked: list[dict[str, Any]], enforce: bool) -> None:
    """The table: both interfaces' rows, the paired ratios, and the targets."""
    info = results["machine"]
    print(
        f"cookiewarden overhead — {info['nproc']} CPU(s), {info['cpu']}, "
        f"{info['implementation']} {info['python']}; {results['rounds']} rounds x "
        f"{results['batch']} requests per variant, medians"
    )
    for interface, title in (("asgi", "ASGI (Starlette)"), ("wsgi", "WSGI (Flask)")):
        if interface not in results:
            continue
        print()
        print(f"{title}")
        print(f"{'variant':<48} {'µs/req':>8} {'x bare':>7} {'added µs':>9} {'÷ peer':>7}")
        for row in results[interface]["rows"]:
            vs_peer = f"{row['vs_peer']:7.2f}" if "vs_peer" in row else f"{'':>7}"
            base = "" if row["baseline"] == "bare" or row["key"] == row["baseline"] else "*"
            print(
                f"{row['label'] + base:<48} {row['us']:8.2f} {row['ratio']:7.3f} "
                f"{row['added_us']:9.2f} {vs_peer}"
            )
        measured = results[interface]
        print(f"{'(d) ÷ (b)':<48} {'':>8} {measured['d_vs_b']:7.3f}")
        label = next(r["label"] for r in measured["rows"] if r["key"] == "send_plain")
        floor = f"(a) ÷ {label}"
        print(f"{floor:<48} {'':>8} {measured['a_vs_send_wrapper']:7.3f}")
    print()
    print("* against the bare app on the same route (no cookies / cold route).")
    print("÷ peer: cookiewarden's added µs ÷ the peer's added µs (median of per-round ratios).")
    print()
    print("Targets" + ("" if enforce else " (not enforced with --quick)"))
    for t in checked:
        print(f"  {describe(t)}")


def in_process(args: argparse.Namespace) -> int:
    """The default mode: both interfaces (or ``--only`` one), the table or JSON, the exit code."""
    results: dict[str, Any] = {"machine": machine(), "rounds": args.rounds, "batch": args.batch}
    for interface in ("asgi", "wsgi"):
        if args.only in (None, interface):
            results[interface] = run_interface(interface, args.rounds, args.batch, args.warmup)
    checked = check(IN_PROCESS, in_process_values(results))
    enforce = not args.quick
    results["targets"] = checked
    results["command"] = " ".join(["python -m benchmarks", *sys.argv[1:]])
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, checked, enforce)
    return exit_code(checked, enforce=enforce)
