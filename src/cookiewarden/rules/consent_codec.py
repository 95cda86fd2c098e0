"""The signed ``cw_consent`` cookie that carries the visitor's consent.

Contract: :class:`ConsentCodec` turns a decided :class:`~cookiewarden.rules.consent.Consent`
into a cookie value and back, and picks the visitor's consent from every value a request
carried. Pure: time comes in as ``now`` (Unix seconds), nothing reads a request.

Rules:

1. A cookie value comes from the network, so :meth:`ConsentCodec.loads` never raises: a value
   that is too large, not ASCII, unsigned, signed by a key not in ``secret_keys``, tampered
   with, of another policy version, naming an unknown category, issued in the future, older
   than ``consent_max_age`` (a refusal: ``consent_max_age_refused``) or malformed in any way is
   *no consent*, with a short stable reason,
   logged at DEBUG on the ``cookiewarden`` logger (the value itself is never logged).
2. Size is checked before any cryptography; the payload is only parsed after its signature has
   verified.
3. Key rotation: ``secret_keys`` is a list, newest last. New cookies are signed with the newest
   key; a cookie signed with any listed key verifies (itsdangerous 2.x).

The cookie value is itsdangerous' URL-safe serialisation of a compact JSON list, signed with
HMAC-SHA256 under the salt ``"cookiewarden.consent"``::

    [1, "<policy version>", ["<granted optional key>", ...], <issued_at>, "<id>", "<method>"]

New values are written uncompressed (reading zlib costs more than the bytes it saves); values
itsdangerous compressed (a leading ``.``) still read, so no visitor is asked again.
"""

from __future__ import annotations

import binascii
import dataclasses
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from itsdangerous import BadData, BadSignature, Signer, URLSafeSerializer
from itsdangerous.encoding import base64_encode, want_bytes

from ..errors import ConfigurationError
from .consent import CLOCK_SKEW, CONSENT_ID, METHODS, Consent, UnknownCategoryError

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["MAX_COOKIE_VALUE", "SALT", "ConsentCodec"]

logger = logging.getLogger("cookiewarden")

SALT = "cookiewarden.consent"
"""itsdangerous salt: a token signed for anything else with the same key does not verify."""

MAX_COOKIE_VALUE = 4096
"""Longest ``cw_consent`` value looked at, in characters; a browser stores no longer cookie."""

_FORMAT = 1
_MAX_TIME = 2**40  # about the year 36800; anything larger is not a timestamp we wrote
_GRANTS_MAX = 1024  # distinct granted lists remembered per codec (a policy has far fewer)


_CONSENT_SLOTS: Final[dict[str, Any]] = {
    name: getattr(Consent, name).__set__ for name in Consent.__slots__
}


def _verified_consent(
    granted: frozenset[str], version: str, consent_id: str, issued_at: int, method: str | None
) -> Consent:
    """``Consent(granted, True, version, consent_id, issued_at, False, method)`` for values
    :meth:`ConsentCodec._validate` has checked: the same value, without the checks again (one
    is made for every new consent cookie)."""
    consent: Consent = object.__new__(Consent)
    slots = _CONSENT_SLOTS
    slots["granted"](consent, granted)
    slots["decided"](consent, True)
    slots["policy_version"](consent, version)
    slots["consent_id"](consent, consent_id)
    slots["issued_at"](consent, issued_at)
    slots["gpc"](consent, False)
    slots["method"](consent, method)
    return consent


class _CachedKeySigner(Signer):
    """itsdangerous' :class:`~itsdangerous.Signer`, each key's derivation computed once.

    Same tokens, same verification (newest key first). Kept instead of recomputed: the
    derived key for each secret and the salt, and that key's HMAC-SHA256 state after its
    padded key block (RFC 2104), so checking a signature hashes only the value itself.
    """

    def __init__(self, secret_keys: Sequence[str], **kwargs: Any) -> None:
        super().__init__(list(secret_keys), **kwargs)
        self._derived = {key: Signer.derive_key(self, key) for key in self.secret_keys}
        # Newest first, as Signer.verify_signature tries them.
        self._states = tuple(
            _hmac_sha256_states(self._derived[key]) for key in reversed(self.secret_keys)
        )

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        return derived if derived is not None else super().derive_key(key)

    def unsign(self, signed_value: str | bytes) -> bytes:
        """:meth:`Signer.unsign` for this signer's HMAC-SHA256 keys; raises as it does."""
        signed = want_bytes(signed_value)
        value, sep, encoded = signed.rpartition(b".")
        if not sep:
            raise BadSignature("No b'.' found in value")
        try:
            sig = _b64decode(encoded)
        except (binascii.Error, ValueError):
            raise BadSignature("Signature is not base64", payload=value) from None
        for inner, outer in self._states:
            digest = inner.copy()
            digest.update(value)
            mac = outer.copy()
            mac.update(digest.digest())
            if hmac.compare_digest(mac.digest(), sig):
                return value
        raise BadSignature("Signature does not match", payload=value)


_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _b64decode(data: bytes) -> bytes:
    """``base64.urlsafe_b64decode`` of unpadded ``data`` (as itsdangerous' ``base64_decode``),
    without the module's wrappers: both translate, pad and decode without validation.

    :raises binascii.Error: when ``data`` is not base64.
    """
    return binascii.a2b_base64(data.translate(_URLSAFE_TO_STANDARD) + b"=" * (-len(data) % 4))


_SHA256_BLOCK = 64
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _hmac_sha256_states(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256 under ``key`` as two hash states: (inner, outer) after their key blocks."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    block = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))


class _PlainSerializer(URLSafeSerializer):
    """:class:`~itsdangerous.URLSafeSerializer` that never compresses what it writes."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(self.serializer.dumps(obj, **self.serializer_kwargs))


_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _load_payload(payload: bytes, compat: URLSafeSerializer) -> Any:
    """The JSON in a verified payload; ``compat`` reads a compressed (``.``) one.

    The payload is compact JSON we wrote, so one scan of the whole text reads it; anything
    else left over makes it unreadable.
    """
    if payload[:1] == b".":
        return compat.load_payload(payload)
    try:
        text = _b64decode(payload).decode()
        value, end = _scan_json(text, 0)
    except (binascii.Error, ValueError, StopIteration) as error:  # ValueError: JSON, UTF-8
        raise BadData("payload is not base64 JSON") from error
    if end != len(text):
        raise BadData("payload is not base64 JSON")
    return value


class ConsentCodec:
    """Signs a :class:`Consent` into a ``cw_consent`` value and verifies one back.

    :param policy: the current policy; cookies of another version are no consent.
    :param secret_keys: signing keys, newest last. New values are signed with the newest; values
        signed with any of them verify, so a key can be rotated in without asking everyone again.
    :raises ConfigurationError: ``secret_keys`` is empty, a single string, or holds an empty or
        non-string key.

    >>> from cookiewarden.rules.consent import choose
    >>> from cookiewarden.rules.policy import Policy
    >>> policy = Policy.default()
    >>> codec = ConsentCodec(policy, ["old key", "new key"])
    >>> choice = choose(policy, ["performance"], gpc=False, accept_all=False, method="api",
    ...                 now=1_800_000_000)
    >>> codec.loads(codec.dumps(choice), now=1_800_000_060) == (choice, "ok")
    True
    """

    def __init__(self, policy: Policy, secret_keys: Sequence[str]) -> None:
        if isinstance(secret_keys, str | bytes):
            raise ConfigurationError(
                "secret_keys", "must be a list of strings, newest last, not a single string"
            )
        keys = list(secret_keys)
        if not keys:
            raise ConfigurationError("secret_keys", "at least one key is required")
        for index, key in enumerate(keys):
            if not isinstance(key, str):
                raise ConfigurationError(
                    f"secret_keys[{index}]", f"must be a string, got {type(key).__name__}"
                )
            if not key:
                raise ConfigurationError(f"secret_keys[{index}]", "must not be empty")
        self.policy = policy
        signer_kwargs: dict[str, Any] = {"key_derivation": "hmac", "digest_method": hashlib.sha256}
        self._serializer: URLSafeSerializer = _PlainSerializer(
            keys, salt=SALT, signer_kwargs=signer_kwargs
        )
        # Verification goes through one prebuilt signer whose derived keys are computed once:
        # the serializer's own loads() builds a signer and derives every key on each call.
        self._signer = _CachedKeySigner(keys, salt=SALT, **signer_kwargs)
        self._grants: dict[tuple[str, ...], tuple[frozenset[str], int]] = {}

    def dumps(self, consent: Consent) -> str:
        """Return the signed cookie value for a decided ``consent``, signed with the newest key.

        :raises ValueError: ``consent`` is undecided, lacks its id or time, or belongs to another
            policy version (a programming error: such a cookie could never verify).
        :raises UnknownCategoryError: ``consent`` grants a category the policy lacks.
        """
        if not consent.decided or consent.consent_id is None or consent.issued_at is None:
            raise ValueError("only a decided consent with an id and a time can be stored")
        if consent.policy_version != self.policy.version:
            raise ValueError(
                f"consent is for policy version {consent.policy_version!r},"
                f" not {self.policy.version!r}"
            )
        unknown = consent.granted - self.policy.category_keys
        if unknown:
            raise UnknownCategoryError(unknown)
        optional = sorted(consent.granted - self.policy.necessary_keys)
        payload = [
            _FORMAT,
            consent.policy_version,
            optional,
            consent.issued_at,
            consent.consent_id,
            consent.method,
        ]
        return self._serializer.dumps(payload)

    def loads(self, value: str, *, now: float) -> tuple[Consent | None, str]:
        """Verify one ``cw_consent`` value. Never raises.

        :param value: the cookie value, as the browser sent it.
        :param now: the current time, Unix seconds.
        :returns: ``(consent, "ok")``, or ``(None, reason)`` with ``reason`` one of
            ``"too-large"``, ``"malformed"``, ``"bad-signature"``, ``"policy-version"``,
            ``"unknown-category"``, ``"future"``, ``"expired"``.
        """
        result = self._decode(value, now)
        if isinstance(result, str):
            logger.debug("consent cookie rejected: %s", result)
            return None, result
        return result, "ok"

    def resolve(
        self, values: Sequence[str], *, now: float, gpc: bool, required: bool = True
    ) -> tuple[Consent, str]:
        """Return the visitor's consent from every ``cw_consent`` value the request carried.

        The newest valid value (largest ``issued_at``; the first on a tie) counts. ``gpc`` is
        recorded on the result; on a decided consent it changes nothing else (the visitor's
        explicit choice stands).

        :param required: whether this request needs opt-in consent (see
            :meth:`Consent.undecided`); it shapes only the undecided result.
        :returns: ``(consent, "ok")``; or the undecided consent with ``"absent"`` when there was
            no value, else with the reason the first value was rejected.
        """
        best: Consent | None = None
        first_reason: str | None = None
        for value in values:
            consent, reason = self.loads(value, now=now)
            if consent is None:
                first_reason = first_reason or reason
            elif best is None or (consent.issued_at or 0) > (best.issued_at or 0):
                best = consent
        if best is None:
            undecided = Consent.undecided(self.policy, gpc=gpc, required=required)
            return undecided, first_reason or "absent"
        if gpc:
            best = dataclasses.replace(best, gpc=True)
        return best, "ok"

    def _decode(self, value: object, now: float) -> Consent | str:
        """The consent in ``value``, or the reason there is none."""
        if not isinstance(value, str):
            return "malformed"
        # Cheap checks first: no cryptography on what cannot be ours.
        if len(value) > MAX_COOKIE_VALUE:
            return "too-large"
        if not value or not value.isascii():
            return "malformed"
        try:
            payload: Any = _load_payload(self._signer.unsign(value), self._serializer)
        except BadSignature:
            return "bad-signature"
        except BadData:
            # Signed by us, yet not decodable: a bug or an old format, never a forgery.
            return "malformed"
        return self._validate(payload, now)

    def _validate(self, payload: Any, now: float) -> Consent | str:
        if not isinstance(payload, list) or len(payload) != 6:
            return "malformed"
        fmt, version, granted, issued_at, consent_id, method = payload
        # type(...) is int: JSON true/false load as bool, a subclass of int.
        if type(fmt) is not int or fmt != _FORMAT:
            return "malformed"
        if not isinstance(version, str):
            return "malformed"
        if not isinstance(granted, list):
            return "malformed"
        # Only values we signed get here, so the distinct lists are few (subsets of the
        # categories): what each grants and for how long is worked out once per list, and
        # only lists of strings are ever remembered.
        try:
            known = self._grants.get(tuple(granted))
        except TypeError:  # an unhashable item
            return "malformed"
        if known is None and not all(isinstance(key, str) for key in granted):
            return "malformed"
        if type(issued_at) is not int or not 0 <= issued_at <= _MAX_TIME:
            return "malformed"
        if not isinstance(consent_id, str) or not CONSENT_ID.fullmatch(consent_id):
            return "malformed"
        if method is not None and (not isinstance(method, str) or method not in METHODS):
            return "malformed"
        policy = self.policy
        if version != policy.version:
            return "policy-version"
        if known is None:
            keys = frozenset(granted)
            if not keys <= policy.category_keys:
                return "unknown-category"
            full = keys | policy.necessary_keys
            known = (full, policy.consent_lifetime(full))
            if len(self._grants) < _GRANTS_MAX:
                self._grants[tuple(granted)] = known
        full, lifetime = known
        if issued_at > now + CLOCK_SKEW:
            return "future"
        if issued_at + lifetime <= now:
            return "expired"
        return _verified_consent(full, version, consent_id, issued_at, method)
