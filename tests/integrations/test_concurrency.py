"""1,000 requests, 50 at a time, over the real uvicorn server: each response carries exactly
the cookies its own request's consent allows, however the requests interleave.

Every request picks a random consent (a random subset of the optional categories, no consent,
or a forged one) and sends the three optional cookies back as a browser that still holds them
would; the answer must set the granted ones and expire the refused ones, nothing else.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
import pytest

from .contract import OPTIONAL, PAGE_COOKIES, deletion, httpx_response, no_cookie_jar

REQUESTS = 1000
CONCURRENCY = 50
BROWSER_COOKIES = "_ga=old; lang=old; ads_id=old"


@pytest.mark.slow
def test_every_response_carries_exactly_what_its_consent_allows(
    fastapi_server: Any, mint: Any, keys: Any
) -> None:
    rng = random.Random(20261129)
    issued = time.time()  # the server runs on the real clock
    tokens: dict[tuple[str, ...], str] = {}
    cases: list[tuple[tuple[str, ...], str]] = []
    for i in range(REQUESTS):
        granted = tuple(c for c in OPTIONAL if rng.random() < 0.5)
        kind = rng.choice(["valid"] * 8 + ["none", "forged"])
        if kind == "valid":
            if granted not in tokens:
                tokens[granted] = mint(granted, key=keys.new, issued_at=issued)
            cookie = f"cw_consent={tokens[granted]}; {BROWSER_COOKIES}"
        elif kind == "forged":
            forged = mint(granted, key=keys.foreign, issued_at=issued)
            cookie = f"cw_consent={forged}; {BROWSER_COOKIES}"
            granted = ()
        else:
            cookie = BROWSER_COOKIES
            granted = ()
        cases.append((granted, f"{cookie}; n={i}"))

    async def main() -> list[Any]:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        gate = asyncio.Semaphore(CONCURRENCY)
        async with httpx.AsyncClient(
            base_url=fastapi_server.url, limits=limits, cookies=no_cookie_jar(), timeout=30
        ) as client:

            async def one(cookie: str) -> Any:
                async with gate:
                    return await client.get("/", headers={"cookie": cookie})

            return await asyncio.gather(*(one(cookie) for _, cookie in cases))

    started = time.monotonic()
    responses = asyncio.run(main())
    elapsed = time.monotonic() - started

    for (granted, _), raw in zip(cases, responses, strict=True):
        response = httpx_response(raw)
        assert response.status == 200
        allowed = ["sessionid", *(n for n, c in PAGE_COOKIES.items() if c in granted)]
        refused = [n for n, c in PAGE_COOKIES.items() if c != "necessary" and c not in granted]
        assert response.names() == allowed, (granted, response.set_cookies)
        assert response.set_cookies[len(allowed) :] == [deletion(n) for n in refused]
    assert elapsed < 30, f"{REQUESTS} requests took {elapsed:.1f}s"
