"""The consent API's requests and answers as plain values, between the adapters and the web.

Contract: an adapter turns one request under ``consent_path`` into an :class:`EndpointRequest`
(reading at most :data:`MAX_BODY` bytes of body) and sends back the
:class:`EndpointResponse` :func:`cookiewarden.web.endpoints.handle` returns, committing its
record first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..records.record import ConsentRecord

__all__ = ["MAX_BODY", "EndpointRequest", "EndpointResponse"]

MAX_BODY = 16 * 1024
"""The most of a request body the adapters read for the consent API."""


@dataclass(frozen=True, slots=True)
class EndpointRequest:
    """A request for the consent API, as plain values.

    ``headers`` has lower-case names (repeated headers joined with ``", "``); ``path`` is the
    full request path; ``body_too_large`` tells that the adapter stopped reading at
    :data:`MAX_BODY`.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""
    body_too_large: bool = False
    client: str | None = None


@dataclass(frozen=True, slots=True)
class EndpointResponse:
    """What the adapter sends back; ``record`` is committed by the adapter *before* sending."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    record: ConsentRecord | None = field(default=None)
