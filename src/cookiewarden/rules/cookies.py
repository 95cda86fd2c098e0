"""The request ``Cookie`` header, and the ``Set-Cookie`` headers that delete a cookie.

Contract: :func:`parse_cookie_header` reads a ``Cookie`` header as browsers write it
(RFC 6265bis §5.8.3: ``name=value`` pairs joined by ``"; "``, a nameless cookie as its value
alone) into an ordered list of pairs; :func:`render_cookie_header` writes such a list back;
:func:`deletion_header` builds the header that expires one cookie.

Rules:

1. The ``Cookie`` header comes from the network: parsing never raises and runs in linear time
   on any input (megabytes, thousands of pairs, garbage). Order and duplicates are kept,
   because a browser sends the more specific of two same-named cookies first.
2. Values are passed through untouched: no unquoting, no percent-decoding.
3. A deletion header is built from configuration, so a name or attribute that could not be
   sent raises ``ValueError`` instead of producing a header that means something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

__all__ = ["deletion_header", "parse_cookie_header", "render_cookie_header"]

_WSP: Final = " \t"
_NOT_IN_NAME: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f;=]")
_NOT_IN_ATTRIBUTE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f;]")
_EPOCH: Final = "Thu, 01 Jan 1970 00:00:00 GMT"


def parse_cookie_header(header: str) -> list[tuple[str, str]]:
    """Split a request ``Cookie`` header into ``(name, value)`` pairs, in order.

    The header is split on ``;``; each piece is trimmed of spaces and tabs and split on its
    first ``=``. A piece without ``=`` is a nameless cookie, ``("", value)``, as a browser
    serialises one. Empty pieces (and a bare ``=``) are skipped. Duplicates are kept in order:
    when a browser holds two cookies of one name it sends the one with the longer path first.

    :param header: the header value (octets as UTF-8 with ``surrogateescape``).
    :returns: the pairs. Never raises.

    >>> parse_cookie_header("a=1; theme=dark;  nameless ; b=x=y")
    [('a', '1'), ('theme', 'dark'), ('', 'nameless'), ('b', 'x=y')]
    """
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    for piece in header.split(";"):
        name, has_equals, value = piece.partition("=")
        if has_equals:
            name = name.strip(_WSP)
            value = value.strip(_WSP)
            if name or value:
                append((name, value))
        else:
            value = name.strip(_WSP)
            if value:
                append(("", value))
    return pairs


def render_cookie_header(pairs: Iterable[tuple[str, str]]) -> str:
    """Join ``(name, value)`` pairs into a ``Cookie`` header, as a browser does.

    Pairs are joined by ``"; "``; a nameless pair renders as its value alone, and a pair with
    neither name nor value is left out. :func:`parse_cookie_header` reads the result back.

    :param pairs: the cookies, in the order to send them.

    >>> render_cookie_header([("a", "1"), ("", "nameless"), ("b", "")])
    'a=1; nameless; b='
    """
    return "; ".join(f"{name}={value}" if name else value for name, value in pairs if name or value)


def deletion_header(
    name: str, *, domain: str | None, path: str | None, secure: bool = False
) -> str:
    """Build the ``Set-Cookie`` header value that makes a browser delete a cookie.

    A browser deletes a stored cookie when one with the same name, domain, host-only flag and
    path arrives already expired (RFC 6265bis §5.7), so ``domain`` and ``path`` must be the
    ones the cookie was set with. ``Max-Age=0`` does it in every current browser; the 1970
    ``Expires`` covers clients that only know ``Expires``.

    :param name: the cookie name.
    :param domain: the ``Domain`` it was set with; ``None`` for a host-only cookie.
    :param path: the ``Path`` it was set with; ``None`` means ``/``.
    :param secure: add ``Secure`` (required to overwrite a ``__Secure-``/``__Host-`` cookie).
    :raises ValueError: if ``name`` is empty, holds ``=``, ``;``, a control character or
        surrounding whitespace, or ``domain``/``path`` hold ``;`` or a control character.

    >>> deletion_header("_ga", domain="example.com", path=None)
    '_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=example.com'
    """
    if not name or _NOT_IN_NAME.search(name) or name.strip(_WSP) != name:
        raise ValueError(f"cannot delete a cookie named {name!r}")
    for attribute in (domain, path):
        if attribute is not None and (
            _NOT_IN_ATTRIBUTE.search(attribute) or attribute.strip(_WSP) != attribute
        ):
            raise ValueError(f"invalid Domain or Path {attribute!r}")
    header = f"{name}=; Max-Age=0; Expires={_EPOCH}; Path={path or '/'}"
    if domain:
        header += f"; Domain={domain}"
    if secure:
        header += "; Secure"
    return header
