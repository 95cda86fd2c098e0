"""The consent API (CONTRACT.md "HTTP"), through both adapters."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.records.sqlite import SQLiteSink

NOW = 1_795_000_000.0
KEYS = ["k-old", "k-new"]
ORIGIN = "http://testserver"
POLICY = Policy.from_dict(
    {
        "version": "v1",
        "gpc_refuses": ["targeting"],
        "categories": {
            "necessary": {"necessary": True, "label": "Strictly necessary"},
            "performance": {"label": "Performance", "description": "Analytics"},
            "functionality": {"label": "Functionality"},
            "targeting": {"label": "Targeting"},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "lang", "category": "functionality", "lifetime": "1y"},
            {"name": "ads_id", "category": "targeting", "lifetime": "90d", "domain": "testserver"},
            {"name": "deep", "category": "targeting", "lifetime": "1d", "path": "/shop"},
        ],
    }
)


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


def make_client(kind: str, *, policy: Policy = POLICY, **options: Any) -> httpx.Client:
    options.setdefault("consent_log", None)
    ticks = itertools.count()
    options.setdefault("clock", lambda: NOW + next(ticks))
    if kind == "asgi":
        mw = CookieWarden(asgi_app, policy=policy, secret_keys=KEYS, **options)
        return TestClient(mw, base_url=ORIGIN, follow_redirects=False)
    wmw = CookieWardenWSGI(wsgi_app, policy=policy, secret_keys=KEYS, **options)
    return httpx.Client(transport=httpx.WSGITransport(app=wmw), base_url=ORIGIN)


@pytest.fixture(params=["asgi", "wsgi"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(kind: str) -> Iterator[httpx.Client]:
    with make_client(kind) as c:
        yield c


def consent_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("cw_consent="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError("no cw_consent cookie")


def test_get_describes_an_undecided_visitor(client: httpx.Client) -> None:
    r = client.get("/_consent")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["policy_version"] == "v1"
    assert body["decided"] is False
    assert body["granted"] == ["necessary"]
    assert body["gpc"] is False
    assert [c["key"] for c in body["categories"]] == [
        "necessary",
        "performance",
        "functionality",
        "targeting",
    ]
    assert body["categories"][0] == {
        "key": "necessary",
        "label": "Strictly necessary",
        "description": "",
        "necessary": True,
        "granted": True,
    }
    assert r.headers.get_list("set-cookie") == []


def test_post_json_stores_the_choice(client: httpx.Client) -> None:
    r = client.post("/_consent", json={"granted": ["performance"]})
    assert r.status_code == 200
    assert r.json()["decided"] is True
    assert r.json()["granted"] == ["necessary", "performance"]
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cw_consent="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header  # plain http
    token = consent_cookie(r)
    again = client.get("/_consent", headers={"Cookie": f"cw_consent={token}"})
    assert again.json()["decided"] is True
    assert again.json()["granted"] == ["necessary", "performance"]


def test_consent_cookie_is_secure_on_https(kind: str) -> None:
    with make_client(kind) as c:
        r = c.post("https://testserver/_consent", json={"granted": []})
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cw_consent="))
    assert header.endswith("; Secure")


def test_post_refusal_expires_refused_cookies(client: httpx.Client) -> None:
    r = client.post(
        "/_consent",
        json={"granted": ["functionality"]},
        headers={"Cookie": "_ga=1; lang=en; tracker=2; sessionid=s"},
    )
    headers = r.headers.get_list("set-cookie")
    names = [h.split("=", 1)[0] for h in headers]
    assert "_ga" in names  # sent and refused
    assert "deep" in names  # declared under a path this endpoint cannot see
    assert "lang" not in names and "sessionid" not in names
    assert "tracker" not in names  # undeclared: may belong to another site on the domain
    ga = next(h for h in headers if h.startswith("_ga="))
    assert ga == "_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"
    deep = next(h for h in headers if h.startswith("deep="))
    assert "Path=/shop" in deep


def test_form_post_with_next_redirects(client: httpx.Client) -> None:
    r = client.post(
        "/_consent",
        data={"granted": ["performance", "functionality"], "next": "/thanks?x=1"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/thanks?x=1"
    assert consent_cookie(r)


def test_form_post_without_next_answers_as_get(client: httpx.Client) -> None:
    r = client.post("/_consent", data={"granted": ["targeting"]})
    assert r.status_code == 200
    assert r.json()["granted"] == ["necessary", "targeting"]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("//evil.example/x", id="protocol-relative"),
        pytest.param("https://evil.example/", id="absolute"),
        pytest.param("/\\evil.example", id="backslash"),
        pytest.param("\\\\evil.example", id="double-backslash"),
        pytest.param("/\t/evil.example", id="tab"),
        pytest.param("javascript:alert(1)", id="scheme"),
        pytest.param("evil", id="relative"),
        pytest.param("", id="empty"),
    ],
)
def test_open_redirect_attempts_go_home(client: httpx.Client, target: str) -> None:
    r = client.post("/_consent", data={"granted": [], "next": target})
    assert r.status_code == 303
    assert r.headers["location"] == "/"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 200, id="no-browser-headers"),
        pytest.param({"Origin": ORIGIN}, 200, id="own-origin"),
        pytest.param({"Origin": "http://testserver:80"}, 200, id="own-origin-default-port"),
        pytest.param({"Origin": "https://evil.example"}, 403, id="foreign-origin"),
        pytest.param({"Origin": "https://testserver"}, 403, id="other-scheme"),
        pytest.param({"Origin": "http://testserver:8080"}, 403, id="other-port"),
        pytest.param({"Origin": "null"}, 403, id="null-origin"),
        pytest.param({"Referer": "http://testserver/page"}, 200, id="own-referer"),
        pytest.param({"Referer": "http://evil.example/page"}, 403, id="foreign-referer"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, 403, id="sec-fetch-site-cross-site"),
        pytest.param({"Sec-Fetch-Site": "cross-site", "Origin": ORIGIN}, 403, id="cross-site-wins"),
        pytest.param({"Sec-Fetch-Site": "same-origin", "Origin": ORIGIN}, 200, id="same-origin"),
    ],
)
def test_cross_site_changes_are_refused(
    client: httpx.Client, headers: dict[str, str], status: int
) -> None:
    r = client.post("/_consent", json={"granted": ["performance"]}, headers=headers)
    assert r.status_code == status
    if status == 403:
        assert r.json()["error"] == "cross-site"
        assert r.headers.get_list("set-cookie") == []
    d = client.delete("/_consent", headers=headers)
    assert d.status_code == status


@pytest.mark.parametrize(
    ("body", "ctype", "status", "error"),
    [
        pytest.param(b"{not json", "application/json", 400, "malformed-json", id="bad-json"),
        pytest.param(b"[1,2]", "application/json", 400, "malformed-json", id="not-an-object"),
        pytest.param(b'{"granted": "all"}', "application/json", 400, "bad-granted", id="str"),
        pytest.param(b'{"granted": [1]}', "application/json", 400, "bad-granted", id="ints"),
        pytest.param(
            b'{"granted": ["performance", "ads"]}',
            "application/json",
            400,
            "unknown-category",
            id="unknown-category",
        ),
        pytest.param(b'{"action": "maybe"}', "application/json", 400, "bad-action", id="action"),
        pytest.param(b"\xff\xfe", "application/json", 400, "malformed-json", id="binary"),
        pytest.param(b"granted=x", "text/plain", 415, "unsupported-media-type", id="text"),
        pytest.param(
            b"granted=ads",
            "application/x-www-form-urlencoded",
            400,
            "unknown-category",
            id="form-unknown-category",
        ),
        pytest.param(
            b"[" * 5000 + b"]" * 5000, "application/json", 400, "malformed-json", id="deep"
        ),
    ],
)
def test_bad_bodies_get_json_errors(
    client: httpx.Client, body: bytes, ctype: str, status: int, error: str
) -> None:
    r = client.post("/_consent", content=body, headers={"Content-Type": ctype})
    assert r.status_code == status
    assert r.json()["error"] == error
    assert r.json()["detail"]
    assert r.headers.get_list("set-cookie") == []


def test_oversized_body_is_413(client: httpx.Client) -> None:
    body = json.dumps({"granted": ["performance"], "pad": "x" * 20_000}).encode()
    r = client.post("/_consent", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == "too-large"


def test_delete_withdraws_everything_but_necessary(client: httpx.Client) -> None:
    token = consent_cookie(client.post("/_consent", json={"granted": ["performance"]}))
    r = client.delete("/_consent", headers={"Cookie": f"cw_consent={token}; _ga=1"})
    assert r.status_code == 200
    assert r.json()["decided"] is True
    assert r.json()["granted"] == ["necessary"]
    names = [h.split("=", 1)[0] for h in r.headers.get_list("set-cookie")]
    assert "cw_consent" in names and "_ga" in names


def test_policy_version_change_asks_again(kind: str) -> None:
    with make_client(kind) as c:
        token = consent_cookie(c.post("/_consent", json={"granted": ["performance"]}))
    v2 = Policy.from_dict({**_policy_dict(), "version": "v2"})
    with make_client(kind, policy=v2) as c:
        body = c.get("/_consent", headers={"Cookie": f"cw_consent={token}"}).json()
    assert body["decided"] is False
    assert body["policy_version"] == "v2"


def _policy_dict() -> dict[str, Any]:
    return {
        "version": "v1",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "functionality": {},
            "targeting": {},
        },
    }


def test_gpc_refuses_targeting_for_accept_all(client: httpx.Client) -> None:
    gpc = {"Sec-GPC": "1"}
    assert client.get("/_consent", headers=gpc).json()["gpc"] is True
    r = client.post("/_consent", json={"granted": [], "action": "accept_all"}, headers=gpc)
    assert r.json()["granted"] == ["functionality", "necessary", "performance"]
    r = client.post("/_consent", json={"granted": ["targeting"]}, headers=gpc)
    assert r.json()["granted"] == ["necessary", "targeting"]


def test_gpc_alone_writes_no_cookie(client: httpx.Client) -> None:
    r = client.get("/", headers={"Sec-GPC": "1"})
    assert r.headers.get_list("set-cookie") == []


def test_reject_all_action(client: httpx.Client) -> None:
    r = client.post("/_consent", json={"granted": ["performance"], "action": "reject_all"})
    assert r.json()["granted"] == ["necessary"]


def test_banner_assets(client: httpx.Client) -> None:
    js = client.get("/_consent/banner.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert js.headers["x-content-type-options"] == "nosniff"
    css = client.get("/_consent/banner.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert len(js.content) + len(css.content) < 15 * 1024  # the banner's size budget


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    assert client.get("/_consent/nope").status_code == 404
    r = client.put("/_consent", json={})
    assert r.status_code == 405
    assert "POST" in r.headers["allow"]
    assert client.post("/_consent/banner.js").status_code == 405
    assert client.get("/_consentx").text == "app"  # a sibling path is the app's


def test_endpoints_work_in_report_only(kind: str) -> None:
    with make_client(kind, report_only=True) as c:
        r = c.post("/_consent", json={"granted": ["performance"]})
    assert r.status_code == 200
    assert consent_cookie(r)


def test_custom_consent_path(kind: str) -> None:
    with make_client(kind, consent_path="/privacy/consent") as c:
        assert c.get("/privacy/consent").status_code == 200
        assert c.get("/_consent").text == "app"


# -- proof of consent ---------------------------------------------------------------------


def test_choices_are_recorded_and_readable_by_id(kind: str, tmp_path: Path) -> None:
    db = tmp_path / "consent.db"
    with make_client(kind, consent_log=f"sqlite:///{db}") as c:
        ua = {"User-Agent": "Mozilla/5.0 (UniqueAgent/42)"}
        r = c.post("/_consent", json={"granted": ["performance"], "source": "banner"}, headers=ua)
        token = consent_cookie(r)
        c.delete("/_consent", headers={**ua, "Cookie": f"cw_consent={token}"})
    sink = SQLiteSink(db)
    try:
        rows = list(sink.since(0))
        assert len(rows) == 2
        first, second = rows
        assert first.consent_id == second.consent_id  # one visitor, one id across changes
        assert first.method == "banner" and second.method == "withdraw"
        assert first.granted == ("necessary", "performance")
        assert first.refused == ("functionality", "targeting")
        assert second.granted == ("necessary",)
        assert first.policy_version == "v1"
        assert sink.get(first.consent_id) == rows
    finally:
        sink.close()
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("consent.db-*"))
    assert b"UniqueAgent" not in raw
    assert b"testclient" not in raw and b"127.0.0.1" not in raw


def test_a_failing_sink_never_breaks_the_choice(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def write(self, record: object) -> None:
            raise OSError("disk full")

        def get(self, consent_id: str) -> list[object]:
            return []

        def since(self, when: float) -> Iterator[object]:
            return iter(())

        def close(self) -> None:
            pass

    with make_client(kind, consent_log=Broken()) as c:
        r = c.post("/_consent", json={"granted": []})
    assert r.status_code == 200
    assert consent_cookie(r)
    assert any("could not record consent" in m for m in caplog.messages)


def test_hundred_concurrent_choices_all_recorded(tmp_path: Path) -> None:
    db = tmp_path / "consent.db"
    mw = CookieWarden(asgi_app, policy=POLICY, secret_keys=KEYS, consent_log=f"sqlite:///{db}")

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
            return await asyncio.gather(
                *(c.post("/_consent", json={"granted": ["performance"]}) for _ in range(100))
            )

    responses = asyncio.run(main())
    assert all(r.status_code == 200 for r in responses)
    ids = {consent_cookie(r) for r in responses}
    assert len(ids) == 100
    mw.engine.close()
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("select count(*) from cookiewarden_consent_records").fetchone()
    assert count == 100


# -- the page guard's script and state ------------------------------------------------------------


def test_guard_script_carries_the_rules_compiled_for_the_request_host(client: httpx.Client) -> None:
    r = client.get("/_consent/guard.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["x-content-type-options"] == "nosniff"
    body = r.text
    assert "self.__cookiewardenRules" not in body  # replaced by the rules themselves
    rules = json.loads(body[body.rindex("})(") + 3 : body.rindex(");")])
    assert rules["format"] == 1 and rules["version"] == "v1"
    assert rules["host"]["name"] == "testserver"
    assert [c["name"] for c in rules["cookies"]][:2] == ["sessionid", "_ga"]
    assert rules["gpc_refuses"] == ["targeting"]


def _state(r: httpx.Response) -> str | None:
    for header in r.headers.get_list("set-cookie"):
        if header.startswith("cw_state="):
            return header
    return None


def test_a_choice_writes_the_pages_state_beside_the_consent_cookie(client: httpx.Client) -> None:
    r = client.post("/_consent", json={"granted": ["targeting", "performance"]})
    state = _state(r)
    assert state is not None
    value = state.split(";", 1)[0].split("=", 1)[1]
    tag = value.split(".")[0]
    assert value == f"{tag}.performance.targeting"  # optional categories only, sorted
    assert "HttpOnly" not in state and "SameSite=Lax" in state and "Path=/" in state
    assert "Expires=" in state  # it ends with the choice
    withdrawn = _state(client.delete("/_consent", headers={"Cookie": state.split(";", 1)[0]}))
    assert withdrawn is not None and withdrawn.split(";", 1)[0] == f"cw_state={tag}"


def test_get_sets_a_missing_or_stale_state_right_and_leaves_a_right_one(
    client: httpx.Client,
) -> None:
    chosen = client.post("/_consent", json={"granted": ["performance"]})
    consent = next(h for h in chosen.headers.get_list("set-cookie") if h.startswith("cw_consent="))
    consent_pair = consent.split(";", 1)[0]
    right = _state(chosen)
    assert right is not None
    right_pair = right.split(";", 1)[0]
    # Missing (a choice made before the page guard), or stale (another choice): set right.
    for cookie in (consent_pair, f"{consent_pair}; cw_state=deadbeef.targeting"):
        fixed = _state(client.get("/_consent", headers={"Cookie": cookie}))
        assert fixed is not None and fixed.split(";", 1)[0] == right_pair
    # Right already: nothing to write.
    assert (
        _state(client.get("/_consent", headers={"Cookie": f"{consent_pair}; {right_pair}"})) is None
    )
    # Left without a valid choice (an expired or forged consent): deleted.
    gone = _state(client.get("/_consent", headers={"Cookie": right_pair}))
    assert gone is not None and "Max-Age=0" in gone


@pytest.mark.parametrize("path", ["/_consent", "/_consent/banner.js", "/_consent/guard.js"])
def test_answers_carry_the_deletions_the_log_announces(
    client: httpx.Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="cookiewarden"):
        r = client.get(path, headers={"Cookie": "_ga=1; lang=en"})
    deleted = [h.split("=", 1)[0] for h in r.headers.get_list("set-cookie") if "Max-Age=0" in h]
    assert sorted(deleted) == ["_ga", "lang"]
    assert "expiring Set-Cookie '_ga' (category performance): refused-category" in caplog.text
    # A visitor's deletions are no answer for a shared cache to keep.
    assert not r.headers.get("cache-control", "").startswith("public")
