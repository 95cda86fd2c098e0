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
from cookiewarden.rules.consent import Consent, choose
from cookiewarden.rules.page_rules import state_token

NOW = 1_795_000_000.0
KEYS = ["k-old", "k-new"]
ORIGIN = "http://testserver"
POLICY_DATA: dict[str, Any] = {
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
POLICY = Policy.from_dict(POLICY_DATA)


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


def _guard_rules(r: httpx.Response) -> dict[str, Any]:
    body = r.text
    assert "self.__cookiewardenRules" not in body  # replaced by the rules themselves
    rules: dict[str, Any] = json.loads(body[body.rindex("})(") + 3 : body.rindex(");")])
    return rules


def _pair(r: httpx.Response, name: str) -> str:
    return next(
        h.split(";", 1)[0] for h in r.headers.get_list("set-cookie") if h.startswith(name + "=")
    )


def test_guard_script_carries_the_rules_compiled_for_the_request_host(client: httpx.Client) -> None:
    r = client.get("/_consent/guard.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    # It holds this visitor's state: never for a shared cache; asked for by a hand-written tag
    # (no state token in its URL), asked again on every page.
    assert r.headers["cache-control"] == "private, no-cache"
    assert r.headers["vary"] == "Cookie"
    assert r.headers["x-content-type-options"] == "nosniff"
    rules = _guard_rules(r)
    assert rules["format"] == 1 and rules["version"] == "v1"
    assert rules["host"]["name"] == "testserver"
    assert [c["name"] for c in rules["cookies"]][:2] == ["sessionid", "_ga"]
    # A first visit: no choice yet, every non-necessary category refused.
    assert rules["state"] == {
        "decided": False,
        "granted": ["necessary"],
        "gpc": False,
        "version": "v1",
    }


def test_the_guard_is_told_the_choice_of_the_visitor_who_asks(client: httpx.Client) -> None:
    chosen = client.post("/_consent", json={"granted": ["targeting", "performance"]})
    consent = _pair(chosen, "cw_consent")
    state = _guard_rules(client.get("/_consent/guard.js", headers={"Cookie": consent}))["state"]
    assert (state["decided"], state["granted"]) == (True, ["necessary", "performance", "targeting"])
    withdrawn = _pair(client.delete("/_consent", headers={"Cookie": consent}), "cw_consent")
    state = _guard_rules(client.get("/_consent/guard.js", headers={"Cookie": withdrawn}))["state"]
    assert (state["decided"], state["granted"]) == (True, ["necessary"])
    # A forged consent cookie is no consent, for the page as for the server.
    forged = consent[:-3] + ("AAA" if not consent.endswith("AAA") else "BBB")
    state = _guard_rules(client.get("/_consent/guard.js", headers={"Cookie": forged}))["state"]
    assert (state["decided"], state["granted"]) == (False, ["necessary"])


def test_an_undecided_visitor_is_told_what_the_server_gives_them(kind: str) -> None:
    # Opt-out, with GPC: the server's grants (everything but gpc_refuses), not a guess in the page.
    opt_out = Policy.from_dict({**POLICY_DATA, "mode": "opt-out"})
    with make_client(kind, policy=opt_out) as c:
        state = _guard_rules(c.get("/_consent/guard.js", headers={"Sec-GPC": "1"}))["state"]
    assert state == {
        "decided": False,
        "granted": ["functionality", "necessary", "performance"],
        "gpc": True,
        "version": "v1",
    }
    # A consent_required hook decides per request; the page is told its answer.
    with make_client(kind, consent_required=lambda scope: False) as c:
        state = _guard_rules(c.get("/_consent/guard.js"))["state"]
    assert state["granted"] == ["functionality", "necessary", "performance", "targeting"]


def test_a_choice_sets_the_consent_cookie_alone(client: httpx.Client) -> None:
    r = client.post("/_consent", json={"granted": ["performance"]})
    written = [h for h in r.headers.get_list("set-cookie") if "Max-Age=0" not in h]
    assert [h.split("=", 1)[0] for h in written] == ["cw_consent"]  # the page's state: guard.js


def test_the_guard_is_kept_under_its_own_state_token_only(client: httpx.Client) -> None:
    consent = _pair(client.post("/_consent", json={"granted": ["performance"]}), "cw_consent")
    # The token names a state, not a visitor: anyone who granted performance alone has it.
    alike = choose(POLICY, ["performance"], gpc=False, accept_all=False, method="api", now=0)
    chosen = state_token(POLICY, alike)
    undecided = state_token(POLICY, Consent.undecided(POLICY))
    cookie = {"Cookie": consent}
    # Under the token of this visitor's state (what the page's tags write): kept a while.
    kept = client.get(f"/_consent/guard.js?s={chosen}", headers=cookie)
    assert kept.headers["cache-control"] == "private, max-age=300"
    assert _guard_rules(kept)["state"]["granted"] == ["necessary", "performance"]
    # Under another state's token (a page kept from before the choice): right, and kept nowhere.
    stale = client.get(f"/_consent/guard.js?s={undecided}", headers=cookie)
    assert stale.headers["cache-control"] == "no-store" and "etag" not in stale.headers
    assert _guard_rules(stale)["state"]["granted"] == ["necessary", "performance"]
    for junk in ("x", "", "<script>"):
        bad = client.get("/_consent/guard.js", params={"s": junk}, headers=cookie)
        assert (bad.status_code, bad.headers["cache-control"]) == (200, "no-store")


def test_the_guard_is_revalidated_by_its_etag(client: httpx.Client) -> None:
    first = client.get("/_consent/guard.js")
    etag = first.headers["etag"]
    again = client.get("/_consent/guard.js", headers={"If-None-Match": f'W/"x", {etag}'})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    # A choice changes what the guard says, so the old copy is not confirmed.
    consent = _pair(client.post("/_consent", json={"granted": ["targeting"]}), "cw_consent")
    changed = client.get("/_consent/guard.js", headers={"If-None-Match": etag, "Cookie": consent})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert _guard_rules(changed)["state"]["granted"] == ["necessary", "targeting"]


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
