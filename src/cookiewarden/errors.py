"""The one error tree of cookiewarden.

Rules:
1. Every exception cookiewarden raises on purpose derives from :class:`CookieWardenError`.
2. Errors are raised for *configuration* mistakes, at construction time. Bad input from the
   network (a forged consent cookie, a malformed Set-Cookie) is never an exception for the host
   app: it becomes "no consent" or "drop this cookie", with a logged reason.
3. Leaves carry data, so callers and tests can inspect *what* was wrong, not just a message.
"""

from __future__ import annotations


class CookieWardenError(Exception):
    """Root of every error cookiewarden raises on purpose."""


class PolicyError(CookieWardenError):
    """A cookie policy is invalid.

    :param key: the dotted key that is wrong (``"cookies[3].lifetime"``, ``"max_age"``).
    :param reason: what is wrong with it and, where one exists, the fix.
    :param source: the file the policy came from, when it came from a file.

    ``str(error)`` is one line: ``"<source>: <key>: <reason>"``.
    """

    def __init__(self, key: str, reason: str, source: str | None = None) -> None:
        self.key = key
        self.reason = reason
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}{self.key}: {self.reason}"

    def with_source(self, source: str) -> PolicyError:
        """Return the same error, naming the file it came from."""
        return PolicyError(self.key, self.reason, source)


class ConfigurationError(CookieWardenError):
    """A middleware option is invalid (empty ``secret_keys``, a bad ``consent_path``...)."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(f"{option}: {reason}")
