"""Tests for cookiewarden.rules.consent and .consent_codec: the Consent value, choose() and the
signed cookie codec."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from cookiewarden.errors import ConfigurationError, CookieWardenError
from cookiewarden.rules.consent import CLOCK_SKEW, METHODS, Consent, UnknownCategoryError, choose
from cookiewarden.rules.consent_codec import MAX_COOKIE_VALUE, SALT, ConsentCodec
from cookiewarden.rules.policy import Policy

NOW = 1_800_000_000  # the fixed clock of every test
DAY = 86_400
KEYS = ["old-secret", "new-secret"]
CONSENT_ID = "AbCdEfGh12345678"
REASONS = {
    "too-large",
    "malformed",
    "bad-signature",
    "policy-version",
    "unknown-category",
    "future",
    "expired",
}

POLICY = Policy.from_dict(
    {
        "version": "2026-11-01",
        "consent_max_age": "180d",
        "gpc_refuses": ["targeting"],
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance"},
            "functionality": {"label": "Functionality"},
            "targeting": {"label": "Targeting or advertising"},
        },
    }
)
MAX_AGE = 180 * DAY
ALL = frozenset({"necessary", "performance", "functionality", "targeting"})


def make_codec(keys: Sequence[str] = KEYS, policy: Policy = POLICY) -> ConsentCodec:
    return ConsentCodec(policy, keys)


def decided(
    granted: Sequence[str] = ("performance",),
    *,
    issued_at: int = NOW,
    consent_id: str = CONSENT_ID,
    method: str = "banner",
) -> Consent:
    return choose(
        POLICY,
        granted,
        gpc=False,
        accept_all=False,
        method=method,
        now=issued_at,
        consent_id=consent_id,
    )


def sign(payload: Any, codec: ConsentCodec | None = None) -> str:
    """Sign any payload exactly as the codec does (to reach the checks behind the signature)."""
    serializer = (codec or make_codec())._serializer
    return serializer.dumps(payload)


def sign_compressed(payload: Any) -> str:
    """Sign as itsdangerous' own URLSafeSerializer does: zlib-compressed when that is shorter
    (how values were written before the codec stopped compressing)."""
    import hashlib

    reference = URLSafeSerializer(
        KEYS,
        salt=SALT,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    return reference.dumps(payload)


def payload(**changes: Any) -> list[Any]:
    """A valid payload, with some fields replaced."""
    fields = {
        "fmt": 1,
        "version": POLICY.version,
        "granted": ["performance"],
        "issued_at": NOW,
        "consent_id": CONSENT_ID,
        "method": "banner",
    }
    fields.update(changes)
    return list(fields.values())


# -- Consent ---------------------------------------------------------------------------------


class TestConsent:
    def test_undecided_grants_only_necessary(self) -> None:
        consent = Consent.undecided(POLICY)
        assert consent == Consent(frozenset({"necessary"}), False, POLICY.version)
        assert consent.allows("necessary")
        assert not consent.allows("performance")
        assert consent.consent_id is None
        assert consent.issued_at is None
        assert consent.gpc is False

    def test_undecided_under_gpc_is_flagged_and_still_necessary_only(self) -> None:
        consent = Consent.undecided(POLICY, gpc=True)
        assert consent.gpc is True
        assert consent.granted == {"necessary"}
        assert not consent.allows("targeting")

    def test_granted_is_stored_as_a_frozenset(self) -> None:
        consent = Consent({"necessary", "performance"}, True, "1", CONSENT_ID, NOW)  # type: ignore[arg-type]
        assert isinstance(consent.granted, frozenset)
        assert consent.allows("performance")

    def test_is_frozen(self) -> None:
        consent = Consent.undecided(POLICY)
        with pytest.raises(dataclasses.FrozenInstanceError):
            consent.decided = True  # type: ignore[misc]

    def test_rejects_an_unknown_method(self) -> None:
        with pytest.raises(ValueError, match="method"):
            Consent(frozenset(), True, "1", CONSENT_ID, NOW, method="email")

    def test_engine_style_construction_without_method_is_valid(self) -> None:
        consent = Consent(frozenset({"necessary"}), True, "1", CONSENT_ID, NOW, gpc=True)
        assert consent.method is None


# -- choose ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "gpc", "accept_all", "expected"),
    [
        pytest.param([], False, False, {"necessary"}, id="refuse-all"),
        pytest.param(["performance"], False, False, {"necessary", "performance"}, id="one"),
        pytest.param(["necessary"], False, False, {"necessary"}, id="necessary-only"),
        pytest.param([], False, True, ALL, id="accept-all"),
        pytest.param([], True, True, ALL - {"targeting"}, id="accept-all-under-gpc"),
        pytest.param(["targeting"], True, True, ALL, id="accept-all-gpc-explicit-override"),
        pytest.param(["targeting"], True, False, {"necessary", "targeting"}, id="gpc-explicit"),
        pytest.param([], True, False, {"necessary"}, id="refuse-all-under-gpc"),
        pytest.param(
            ("performance", "performance"), False, False, {"necessary", "performance"}, id="dup"
        ),
    ],
)
def test_choose_grants(
    granted: Sequence[str], gpc: bool, accept_all: bool, expected: set[str]
) -> None:
    consent = choose(POLICY, granted, gpc=gpc, accept_all=accept_all, method="banner", now=NOW)
    assert consent.granted == expected
    assert consent.gpc is gpc


def test_choose_records_the_decision() -> None:
    consent = choose(POLICY, [], gpc=False, accept_all=True, method="api", now=NOW + 0.9)
    assert consent.decided is True
    assert consent.policy_version == POLICY.version
    assert consent.issued_at == NOW
    assert consent.method == "api"
    assert consent.consent_id is not None
    assert len(consent.consent_id) == 16


def test_choose_makes_a_new_random_id_or_keeps_the_given_one() -> None:
    ids = {
        choose(POLICY, [], gpc=False, accept_all=False, method="api", now=NOW).consent_id
        for _ in range(50)
    }
    assert len(ids) == 50
    kept = choose(
        POLICY, [], gpc=False, accept_all=False, method="api", now=NOW, consent_id=CONSENT_ID
    )
    assert kept.consent_id == CONSENT_ID


@pytest.mark.parametrize("accept_all", [False, True], ids=["custom", "accept-all"])
def test_choose_unknown_keys_raise_with_the_keys(accept_all: bool) -> None:
    with pytest.raises(UnknownCategoryError) as info:
        choose(
            POLICY,
            ["zeta", "performance", "alpha"],
            gpc=False,
            accept_all=accept_all,
            method="api",
            now=NOW,
        )
    assert info.value.keys == ("alpha", "zeta")
    assert isinstance(info.value, CookieWardenError)
    assert "'alpha', 'zeta'" in str(info.value)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"method": "email"}, ValueError, id="bad-method"),
        pytest.param({"consent_id": "short"}, ValueError, id="short-id"),
        pytest.param({"consent_id": "has spaces in it!"}, ValueError, id="bad-id"),
        pytest.param({"granted_keys": "performance"}, TypeError, id="string-not-list"),
    ],
)
def test_choose_rejects_programming_errors(changes: dict[str, Any], error: type[Exception]) -> None:
    arguments: dict[str, Any] = {
        "granted_keys": [],
        "gpc": False,
        "accept_all": False,
        "method": "api",
        "now": NOW,
    }
    arguments.update(changes)
    with pytest.raises(error):
        choose(POLICY, **arguments)


# -- ConsentCodec: construction --------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "option"),
    [
        pytest.param([], "secret_keys", id="empty-list"),
        pytest.param((), "secret_keys", id="empty-tuple"),
        pytest.param("a-single-key", "secret_keys", id="single-string"),
        pytest.param(b"bytes", "secret_keys", id="bytes"),
        pytest.param([""], "secret_keys[0]", id="empty-key"),
        pytest.param(["good", ""], "secret_keys[1]", id="empty-second-key"),
        pytest.param([b"bytes-key"], "secret_keys[0]", id="bytes-key"),
        pytest.param([None], "secret_keys[0]", id="none-key"),
    ],
)
def test_codec_rejects_bad_secret_keys(keys: Any, option: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ConsentCodec(POLICY, keys)
    assert info.value.option == option


# -- ConsentCodec: round trip ----------------------------------------------------------------


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param(decided(()), id="refuse-all"),
        pytest.param(decided(("performance",)), id="one"),
        pytest.param(decided(("performance", "functionality", "targeting")), id="all"),
        pytest.param(decided(method="api"), id="api"),
        pytest.param(decided(method="withdraw"), id="withdraw"),
        pytest.param(
            choose(POLICY, [], gpc=True, accept_all=True, method="gpc", now=NOW), id="gpc"
        ),
        pytest.param(
            Consent(frozenset({"necessary"}), True, POLICY.version, CONSENT_ID, NOW),
            id="no-method",
        ),
    ],
)
def test_round_trip(consent: Consent) -> None:
    codec = make_codec()
    value = codec.dumps(consent)
    loaded, reason = codec.loads(value, now=NOW + 60)
    assert reason == "ok"
    # gpc belongs to the request, not to the cookie
    assert loaded == dataclasses.replace(consent, gpc=False)


def test_dumps_is_a_compact_cookie_safe_value() -> None:
    value = make_codec().dumps(decided(("performance", "functionality", "targeting")))
    assert value.isascii()
    assert not set(value) & set(' ",;\\=')
    assert len(value) < 200


def test_dumps_stores_only_the_optional_keys() -> None:
    codec = make_codec()
    stored = codec._serializer.loads(codec.dumps(decided(("targeting", "performance"))))
    assert stored == payload(granted=["performance", "targeting"])


@pytest.mark.parametrize(
    ("consent", "error"),
    [
        pytest.param(Consent.undecided(POLICY), ValueError, id="undecided"),
        pytest.param(
            Consent(frozenset({"necessary"}), True, POLICY.version, None, NOW),
            ValueError,
            id="no-id",
        ),
        pytest.param(
            Consent(frozenset({"necessary"}), True, "other", CONSENT_ID, NOW),
            ValueError,
            id="other-version",
        ),
        pytest.param(
            Consent(frozenset({"necessary", "nope"}), True, POLICY.version, CONSENT_ID, NOW),
            UnknownCategoryError,
            id="unknown-category",
        ),
    ],
)
def test_dumps_refuses_what_could_never_verify(consent: Consent, error: type[Exception]) -> None:
    with pytest.raises(error):
        make_codec().dumps(consent)


# -- ConsentCodec: keys and tampering --------------------------------------------------------


class TestKeyRotation:
    def test_value_signed_with_an_old_key_still_verifies(self) -> None:
        value = make_codec(["old-secret"]).dumps(decided())
        assert make_codec(["old-secret", "new-secret"]).loads(value, now=NOW)[1] == "ok"

    def test_new_values_are_signed_with_the_newest_key(self) -> None:
        value = make_codec(["old-secret", "new-secret"]).dumps(decided())
        assert make_codec(["new-secret"]).loads(value, now=NOW)[1] == "ok"
        assert make_codec(["old-secret"]).loads(value, now=NOW) == (None, "bad-signature")

    def test_value_signed_with_a_retired_key_is_rejected(self) -> None:
        value = make_codec(["retired-secret"]).dumps(decided())
        assert make_codec(KEYS).loads(value, now=NOW) == (None, "bad-signature")

    def test_same_key_other_salt_is_rejected(self) -> None:
        foreign = URLSafeSerializer(KEYS, salt="itsdangerous").dumps(payload())
        assert make_codec().loads(foreign, now=NOW) == (None, "bad-signature")

    def test_same_key_and_salt_with_the_default_digest_is_rejected(self) -> None:
        sha1 = URLSafeSerializer(KEYS, salt=SALT).dumps(payload())
        assert make_codec().loads(sha1, now=NOW) == (None, "bad-signature")


def _flip(value: str, index: int) -> str:
    char = value[index]
    return value[:index] + ("B" if char == "A" else "A") + value[index + 1 :]


VALID = make_codec().dumps(decided())
OTHER = make_codec().dumps(decided(("performance", "functionality", "targeting")))


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(_flip(VALID, 3), id="payload-char"),
        pytest.param(_flip(VALID, VALID.index(".") + 3), id="signature-char"),
        pytest.param(VALID[:-2], id="truncated"),
        pytest.param(VALID + "A", id="appended"),
        pytest.param(VALID.split(".")[0], id="signature-removed"),
        pytest.param(OTHER.split(".")[0] + "." + VALID.split(".")[1], id="payload-swapped"),
        pytest.param("." + VALID, id="leading-dot"),
        pytest.param(f'"{VALID}"', id="quoted"),
        pytest.param("no-dot-at-all", id="not-a-token"),
        pytest.param("a.b", id="junk"),
    ],
)
def test_tampered_values_are_rejected(value: str) -> None:
    assert make_codec().loads(value, now=NOW) == (None, "bad-signature")


# -- ConsentCodec: every rejection -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("A" * (MAX_COOKIE_VALUE + 1), "too-large", id="too-large"),
        pytest.param("A" * MAX_COOKIE_VALUE, "bad-signature", id="at-the-size-limit"),
        pytest.param("", "malformed", id="empty"),
        pytest.param("é" + VALID, "malformed", id="non-ascii"),
        pytest.param("\udcff\udcfe", "malformed", id="surrogates"),
        pytest.param(sign({"v": 1}), "malformed", id="dict"),
        pytest.param(sign("consent"), "malformed", id="string"),
        pytest.param(sign(1), "malformed", id="number"),
        pytest.param(sign(None), "malformed", id="null"),
        pytest.param(sign([]), "malformed", id="empty-list"),
        pytest.param(sign(payload()[:5]), "malformed", id="too-short"),
        pytest.param(sign([*payload(), "extra"]), "malformed", id="too-long"),
        pytest.param(sign(payload(fmt=2)), "malformed", id="format-2"),
        pytest.param(sign(payload(fmt=True)), "malformed", id="format-bool"),
        pytest.param(sign(payload(fmt="1")), "malformed", id="format-string"),
        pytest.param(sign(payload(version=1)), "malformed", id="version-number"),
        pytest.param(sign(payload(granted="performance")), "malformed", id="granted-string"),
        pytest.param(sign(payload(granted=[1])), "malformed", id="granted-number"),
        pytest.param(sign(payload(granted=[["x"]])), "malformed", id="granted-nested"),
        pytest.param(sign(payload(granted=None)), "malformed", id="granted-null"),
        pytest.param(sign(payload(issued_at=str(NOW))), "malformed", id="time-string"),
        pytest.param(sign(payload(issued_at=NOW + 0.5)), "malformed", id="time-float"),
        pytest.param(sign(payload(issued_at=True)), "malformed", id="time-bool"),
        pytest.param(sign(payload(issued_at=-1)), "malformed", id="time-negative"),
        pytest.param(sign(payload(issued_at=10**30)), "malformed", id="time-huge"),
        pytest.param(
            sign_compressed(payload(issued_at=10**4000)), "malformed", id="time-4000-digits"
        ),
        pytest.param(sign(payload(consent_id=123)), "malformed", id="id-number"),
        pytest.param(sign(payload(consent_id="")), "malformed", id="id-empty"),
        pytest.param(sign(payload(consent_id="short")), "malformed", id="id-short"),
        pytest.param(sign(payload(consent_id="x" * 65)), "malformed", id="id-long"),
        pytest.param(sign(payload(consent_id="bad id with spaces")), "malformed", id="id-chars"),
        pytest.param(sign(payload(consent_id=CONSENT_ID + "\n")), "malformed", id="id-newline"),
        pytest.param(sign(payload(method="email")), "malformed", id="method-unknown"),
        pytest.param(sign(payload(method=1)), "malformed", id="method-number"),
        pytest.param(sign(payload(method=[])), "malformed", id="method-unhashable"),
        pytest.param(sign(payload(version="2025-01-01")), "policy-version", id="old-version"),
        pytest.param(sign(payload(version="")), "policy-version", id="empty-version"),
        pytest.param(
            sign(payload(granted=["performance", "cookies-for-sale"])),
            "unknown-category",
            id="unknown-category",
        ),
        pytest.param(
            sign(payload(issued_at=NOW + CLOCK_SKEW + 1)), "future", id="beyond-clock-skew"
        ),
        pytest.param(sign(payload(issued_at=NOW - MAX_AGE)), "expired", id="expired-exactly"),
        pytest.param(sign(payload(issued_at=0)), "expired", id="epoch"),
    ],
)
def test_loads_rejects(value: str, reason: str) -> None:
    assert make_codec().loads(value, now=NOW) == (None, reason)


@pytest.mark.parametrize(
    "issued_at",
    [
        pytest.param(NOW, id="now"),
        pytest.param(NOW + CLOCK_SKEW, id="within-clock-skew"),
        pytest.param(NOW - MAX_AGE + 1, id="last-second"),
    ],
)
def test_loads_accepts_at_the_time_limits(issued_at: int) -> None:
    consent, reason = make_codec().loads(sign(payload(issued_at=issued_at)), now=NOW)
    assert reason == "ok"
    assert consent is not None
    assert consent.issued_at == issued_at


def test_loads_tolerates_necessary_and_duplicate_keys_in_the_payload() -> None:
    value = sign(payload(granted=["necessary", "performance", "performance"]))
    consent, reason = make_codec().loads(value, now=NOW)
    assert reason == "ok"
    assert consent is not None
    assert consent.granted == {"necessary", "performance"}


def test_loads_always_adds_the_necessary_categories() -> None:
    consent, _ = make_codec().loads(sign(payload(granted=[])), now=NOW)
    assert consent is not None
    assert consent.granted == {"necessary"}
    assert consent.decided is True


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"!!not-base64!!", id="not-base64"),
        pytest.param(b"bm90IGpzb24", id="not-json"),
        pytest.param(b".bm90IHpsaWI", id="not-zlib"),
    ],
)
def test_signed_but_undecodable_payload_is_malformed(body: bytes) -> None:
    codec = make_codec()
    value = codec._serializer.make_signer(SALT).sign(body).decode("ascii")
    assert codec.loads(value, now=NOW) == (None, "malformed")


def test_oversized_value_is_rejected_before_any_cryptography(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    codec = make_codec()

    def explode(*args: object, **kwargs: object) -> object:
        raise AssertionError("the signature was checked")

    monkeypatch.setattr(codec._serializer, "loads", explode)
    assert codec.loads("A" * (MAX_COOKIE_VALUE + 1), now=NOW) == (None, "too-large")


def test_loads_rejects_another_policy_version_signed_by_the_same_keys() -> None:
    other = Policy.from_dict(
        {"version": "2027-01-01", "categories": {"necessary": {"necessary": True}}}
    )
    value = make_codec(policy=POLICY).dumps(decided())
    assert make_codec(policy=other).loads(value, now=NOW) == (None, "policy-version")


class TestLogging:
    def test_rejection_is_logged_at_debug_with_reason_but_not_value(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        value = sign(payload(version="2025-01-01"))
        with caplog.at_level(logging.DEBUG, logger="cookiewarden"):
            make_codec().loads(value, now=NOW)
        (record,) = caplog.records
        assert record.name == "cookiewarden"
        assert record.levelno == logging.DEBUG
        assert "policy-version" in record.getMessage()
        assert value not in record.getMessage()
        assert value.split(".")[0] not in record.getMessage()

    def test_valid_value_logs_nothing(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.DEBUG, logger="cookiewarden"):
            make_codec().loads(VALID, now=NOW)
        assert caplog.records == []


# -- ConsentCodec.resolve --------------------------------------------------------------------

OLDER = make_codec().dumps(decided(("performance",), issued_at=NOW - 10 * DAY))
NEWER = make_codec().dumps(decided(("targeting",), issued_at=NOW - DAY))
EXPIRED = make_codec().dumps(decided(("functionality",), issued_at=NOW - MAX_AGE - 1))
STALE_VERSION = sign(payload(version="2025-01-01", issued_at=NOW))
GARBAGE = "garbage"


@pytest.mark.parametrize(
    ("values", "granted", "reason"),
    [
        pytest.param([], {"necessary"}, "absent", id="no-cookie"),
        pytest.param([GARBAGE], {"necessary"}, "bad-signature", id="only-garbage"),
        pytest.param([EXPIRED, GARBAGE], {"necessary"}, "expired", id="first-reason"),
        pytest.param([OLDER], {"necessary", "performance"}, "ok", id="one"),
        pytest.param([OLDER, NEWER], {"necessary", "targeting"}, "ok", id="newest-last"),
        pytest.param([NEWER, OLDER], {"necessary", "targeting"}, "ok", id="newest-first"),
        pytest.param(
            [GARBAGE, OLDER, EXPIRED, NEWER, STALE_VERSION],
            {"necessary", "targeting"},
            "ok",
            id="newest-valid-among-invalid",
        ),
        pytest.param(
            [STALE_VERSION, OLDER], {"necessary", "performance"}, "ok", id="newer-but-invalid"
        ),
    ],
)
def test_resolve_picks_the_newest_valid(values: list[str], granted: set[str], reason: str) -> None:
    consent, got = make_codec().resolve(values, now=NOW, gpc=False)
    assert got == reason
    assert consent.granted == granted
    assert consent.decided is (reason == "ok")
    assert consent.gpc is False


def test_resolve_keeps_the_first_of_equally_new_values() -> None:
    first = make_codec().dumps(decided(("performance",), consent_id="first-id-0001"))
    second = make_codec().dumps(decided(("targeting",), consent_id="second-id-0002"))
    consent, _ = make_codec().resolve([first, second], now=NOW, gpc=False)
    assert consent.consent_id == "first-id-0001"


def test_resolve_under_gpc_without_a_choice_is_undecided_necessary_only() -> None:
    consent, reason = make_codec().resolve([], now=NOW, gpc=True)
    assert reason == "absent"
    assert consent == Consent.undecided(POLICY, gpc=True)


def test_resolve_under_gpc_keeps_an_explicit_choice() -> None:
    consent, reason = make_codec().resolve([NEWER], now=NOW, gpc=True)
    assert reason == "ok"
    assert consent.gpc is True
    assert consent.decided is True
    assert consent.allows("targeting")


# -- properties ------------------------------------------------------------------------------

CODEC = make_codec()
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=7) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)


@settings(max_examples=500, deadline=None)
@given(value=_ANY_TEXT, now=st.integers(min_value=0, max_value=2**34))
def test_loads_never_raises_on_any_text(value: str, now: int) -> None:
    consent, reason = CODEC.loads(value, now=now)
    assert consent is None
    assert reason in REASONS


@settings(max_examples=500, deadline=None)
@given(data=_JSON)
def test_loads_never_raises_on_any_signed_json(data: Any) -> None:
    consent, reason = CODEC.loads(sign(data, CODEC), now=NOW)
    assert (consent is None) is (reason != "ok")
    assert reason in REASONS | {"ok"}


@settings(max_examples=500, deadline=None)
@given(
    fields=st.tuples(
        st.sampled_from([0, 1, 2, True, "1", None]),
        st.sampled_from([POLICY.version, "other", 1, None]),
        st.lists(st.sampled_from(["performance", "targeting", "necessary", "x", 1]), max_size=5),
        st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([NOW, NOW - DAY]),
        st.sampled_from([CONSENT_ID, "", "short", 5, None]),
        st.sampled_from([*sorted(METHODS), None, "email", 0]),
    )
)
def test_loads_never_raises_on_near_valid_payloads(fields: tuple[Any, ...]) -> None:
    consent, reason = CODEC.loads(sign(list(fields), CODEC), now=NOW)
    assert (consent is None) is (reason != "ok")
    if consent is not None:
        assert "necessary" in consent.granted
        assert consent.granted <= POLICY.category_keys


@settings(max_examples=500, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(VALID) - 1),
    char=st.characters(exclude_categories=()),
    mode=st.sampled_from(["replace", "insert", "delete"]),
)
def test_mutated_value_never_raises_and_never_changes_meaning(
    index: int, char: str, mode: str
) -> None:
    if mode == "replace":
        value = VALID[:index] + char + VALID[index + 1 :]
    elif mode == "insert":
        value = VALID[:index] + char + VALID[index:]
    else:
        value = VALID[:index] + VALID[index + 1 :]
    consent, reason = CODEC.loads(value, now=NOW)
    # Unused low bits of the last base64 character can change without changing the bytes, so a
    # mutation may still verify: then it must mean exactly the original.
    if consent is not None:
        assert consent == CODEC.loads(VALID, now=NOW)[0]
    else:
        assert reason in {"bad-signature", "malformed"}


@settings(max_examples=300, deadline=None)
@given(
    granted=st.sets(st.sampled_from(sorted(POLICY.category_keys))),
    issued_at=st.integers(min_value=0, max_value=2**34),
    age=st.integers(min_value=-CLOCK_SKEW, max_value=MAX_AGE - 1),
    method=st.sampled_from(sorted(METHODS)),
)
def test_round_trip_property(granted: set[str], issued_at: int, age: int, method: str) -> None:
    consent = choose(POLICY, granted, gpc=False, accept_all=False, method=method, now=issued_at)
    assert CODEC.loads(CODEC.dumps(consent), now=issued_at + age) == (consent, "ok")


# -- opt-out and the lifetime of a refusal ------------------------------------------------------


@pytest.mark.parametrize(
    ("gpc", "required", "granted"),
    [
        pytest.param(False, True, {"necessary"}, id="opt-in"),
        pytest.param(True, True, {"necessary"}, id="opt-in-gpc"),
        pytest.param(False, False, set(ALL), id="opt-out-grants-everything"),
        pytest.param(True, False, set(ALL) - {"targeting"}, id="opt-out-gpc-refuses-its-own"),
    ],
)
def test_undecided_consent_by_mode_and_gpc(gpc: bool, required: bool, granted: set[str]) -> None:
    consent = Consent.undecided(POLICY, gpc=gpc, required=required)
    assert consent.granted == granted
    assert consent.decided is False
    assert consent.gpc is gpc


def test_resolve_shapes_only_the_undecided_result_by_required() -> None:
    codec = make_codec()
    nothing, _ = codec.resolve([], now=NOW, gpc=False, required=False)
    assert nothing.granted == ALL and not nothing.decided
    refusal = codec.dumps(choose(POLICY, [], gpc=False, accept_all=False, method="api", now=NOW))
    chosen, reason = codec.resolve([refusal], now=NOW, gpc=False, required=False)
    assert reason == "ok"
    assert chosen.granted == {"necessary"} and chosen.decided  # a choice always wins


REFUSAL_POLICY = Policy.from_dict(
    {
        "version": "2026-11-01",
        "consent_max_age": "180d",
        "consent_max_age_refused": "30d",
        "categories": {"necessary": {"necessary": True}, "performance": {}},
    }
)


@pytest.mark.parametrize(
    ("granted", "age", "reason"),
    [
        pytest.param([], 30 * DAY - 1, "ok", id="refusal-last-second"),
        pytest.param([], 30 * DAY, "expired", id="refusal-expired"),
        pytest.param(["performance"], 30 * DAY, "ok", id="choice-still-valid"),
        pytest.param(["performance"], 180 * DAY, "expired", id="choice-expired"),
    ],
)
def test_a_refusal_counts_for_consent_max_age_refused(
    granted: list[str], age: int, reason: str
) -> None:
    codec = make_codec(policy=REFUSAL_POLICY)
    choice = choose(REFUSAL_POLICY, granted, gpc=False, accept_all=False, method="api", now=NOW)
    assert codec.loads(codec.dumps(choice), now=NOW + age)[1] == reason


def test_prebuilt_signer_reads_tokens_exactly_as_itsdangerous_does() -> None:
    """The cached-key verifier is an optimisation only: same tokens, same rotation rules."""
    import hashlib

    from itsdangerous import URLSafeSerializer

    from cookiewarden import Policy
    from cookiewarden.rules.consent import choose
    from cookiewarden.rules.consent_codec import SALT, ConsentCodec

    policy = Policy.default()
    consent = choose(policy, ["performance"], gpc=False, accept_all=False, method="api", now=1e9)
    reference = URLSafeSerializer(
        ["old", "new"],
        salt=SALT,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    token = ConsentCodec(policy, ["old", "new"]).dumps(consent)
    assert reference.loads(token)[2] == ["performance"]
    old_token = ConsentCodec(policy, ["old"]).dumps(consent)
    assert ConsentCodec(policy, ["old", "new"]).loads(old_token, now=1e9)[1] == "ok"
    assert ConsentCodec(policy, ["new"]).loads(old_token, now=1e9)[1] == "bad-signature"


def test_new_values_are_uncompressed_and_compressed_ones_still_read() -> None:
    codec = make_codec()
    consent = decided(("performance", "targeting"))
    value = codec.dumps(consent)
    assert not value.startswith(".")
    assert codec.loads(value, now=NOW) == (consent, "ok")
    # What itsdangerous wrote with compression (values of the earlier format) still counts.
    compressed = sign_compressed(payload(consent_id="c" * 64))
    assert compressed.startswith(".")
    loaded, reason = codec.loads(compressed, now=NOW)
    assert reason == "ok" and loaded is not None and loaded.consent_id == "c" * 64


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda v: v.replace(".", ""), id="no-separator"),
        pytest.param(lambda v: v + "!", id="signature-not-base64"),
        pytest.param(lambda v: v[:-2], id="signature-cut"),
        pytest.param(lambda v: v.rsplit(".", 1)[0] + ".", id="signature-empty"),
        pytest.param(lambda v: "A" + v, id="payload-changed"),
    ],
)
def test_fast_verifier_refuses_what_itsdangerous_refuses(mangle: Any) -> None:
    """The prebuilt verifier and itsdangerous' own Signer agree on every broken value."""
    import hashlib

    from itsdangerous import BadSignature, Signer

    codec = make_codec()
    value = mangle(codec.dumps(decided()))
    reference = Signer(KEYS, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)
    with pytest.raises(BadSignature):
        reference.unsign(value)
    assert codec.loads(value, now=NOW) == (None, "bad-signature")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@given(_json_values)
@settings(max_examples=200, deadline=None)
def test_payload_reader_reads_what_itsdangerous_reads(value: Any) -> None:
    """The one-scan reader and itsdangerous' load_payload agree on every payload."""
    from cookiewarden.rules.consent_codec import _load_payload

    serializer = make_codec()._serializer
    for dumped in (serializer.dump_payload(value), URLSafeSerializer("k").dump_payload(value)):
        assert _load_payload(dumped, serializer) == serializer.load_payload(dumped)


@given(st.binary(max_size=40) | st.text("AZaz09-_=+/.! ", max_size=40).map(str.encode))
@settings(max_examples=300, deadline=None)
def test_base64_reader_reads_what_itsdangerous_reads(data: bytes) -> None:
    import binascii

    from itsdangerous import BadData
    from itsdangerous.encoding import base64_decode

    from cookiewarden.rules.consent_codec import _b64decode

    try:
        expected: bytes | None = base64_decode(data)
    except BadData:
        expected = None
    try:
        got: bytes | None = _b64decode(data)
    except binascii.Error:
        got = None
    assert got == expected
