"""Durations in the policy file: ``"30d"``, ``"1y"``, ``"12h"`` or plain seconds.

Contract: :func:`parse_duration` turns one into a whole number of seconds, or raises
:class:`~cookiewarden.errors.PolicyError` naming the key it was read from.

Rules:

1. Durations accept ``s``, ``m``, ``h``, ``d``, ``w``, ``y`` (365 days) and plain seconds, in any
   case, with spaces around the number and the unit.
2. A duration is positive: zero, a negative number or a boolean is refused.
"""

from __future__ import annotations

import re

from ..errors import PolicyError

__all__ = ["parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhdwy]?)\s*", re.IGNORECASE)


def parse_duration(text: str | int, *, key: str) -> int:
    """Parse ``"30d"``, ``"1y"`` (365 days), ``"12h"`` or plain seconds into seconds.

    :raises PolicyError: naming ``key`` when the text is not a duration or is zero.
    """
    if isinstance(text, bool):
        raise PolicyError(key, f"expected a duration like '30d' or '1y', got {text!r}")
    if isinstance(text, int):
        seconds = text
    elif isinstance(text, str) and (m := _DURATION.fullmatch(text)):
        seconds = int(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]
    else:
        raise PolicyError(
            key, f"expected a duration like '30d', '1y' or a number of seconds, got {text!r}"
        )
    if seconds <= 0:
        raise PolicyError(key, f"a duration must be positive, got {text!r}")
    return seconds
