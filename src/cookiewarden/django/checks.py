"""``manage.py check`` for cookiewarden: the settings, the entry points, Django's own cookies.

Contract: three checks, registered under the tag ``cookiewarden`` by the app's ``ready()``
(``manage.py check --tag cookiewarden`` runs only these). Each message has a stable id and a
hint that names the fix:

==================  =================================================================
``cookiewarden.E001``  ``COOKIEWARDEN`` is missing or not a dict
``cookiewarden.E002``  an unknown key, or an option the middleware refuses
``cookiewarden.E003``  the policy file is missing or invalid (the ``PolicyError`` text)
``cookiewarden.E004``  no secret keys
``cookiewarden.E005``  a cookie Django sets is undeclared, and ``unknown = "block"`` drops it
``cookiewarden.W001``  ``ASGI_APPLICATION`` is not wrapped by cookiewarden
``cookiewarden.W002``  ``WSGI_APPLICATION`` is not wrapped by cookiewarden
``cookiewarden.W003``  a cookie Django sets is undeclared, missing from the declaration
==================  =================================================================

Rules:
1. A check never raises: what it cannot read becomes a message.
2. Django's cookies are those the project switches on: the session cookie with
   ``SessionMiddleware``, the CSRF cookie with ``CsrfViewMiddleware`` unless
   ``CSRF_USE_SESSIONS``, the messages cookie with ``MessageMiddleware`` when
   ``MESSAGE_STORAGE`` keeps messages in a cookie (the default ``FallbackStorage`` does), the
   language cookie with ``LocaleMiddleware`` — each under the name its setting gives.
3. The entry points are checked only where their setting is set, by importing them (as
   ``runserver`` does) and looking for a cookiewarden engine inside, and only once the settings
   are right (the wrappers are built from them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import conf as django_conf
from django.core import checks
from django.utils.module_loading import import_string

from ..configuration import check_keys, read_policy, read_secret_keys, read_settings
from ..errors import ConfigurationError, CookieWardenError, PolicyError
from ..metrics import find_engine
from ..rules.policy import Policy
from .conf import EXAMPLE, raw_settings, spell, warden_settings

__all__ = ["check_django_cookies", "check_entry_points", "check_settings", "django_cookies"]

TAG = "cookiewarden"

_SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
_CSRF = "django.middleware.csrf.CsrfViewMiddleware"
_MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
_LOCALE = "django.middleware.locale.LocaleMiddleware"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E001-E004: ``settings.COOKIEWARDEN`` and what it names, each problem on its own."""
    try:
        values = raw_settings()
    except ConfigurationError as exc:
        hint = None if EXAMPLE in exc.reason else f"In settings.py: {EXAMPLE}"
        return [checks.Error(str(exc), hint=hint, id="cookiewarden.E001")]
    found: list[checks.CheckMessage] = []
    try:
        check_keys(values, name=spell)
    except ConfigurationError as exc:
        found.append(_option_error(exc))
    try:
        read_policy(values.get("POLICY"), name=spell)
    except PolicyError as exc:
        found.append(
            checks.Error(
                _policy_message(exc),
                hint=f"Fix the file (`cookiewarden check {exc.source}` explains each mistake),"
                f" or point {spell('POLICY')} at the right one.",
                id="cookiewarden.E003",
            )
        )
    except ConfigurationError as exc:
        found.append(
            checks.Error(
                str(exc),
                hint=f'Set {spell("POLICY")} to your policy file, e.g. BASE_DIR / "cookies.toml".',
                id="cookiewarden.E003",
            )
        )
    try:
        read_secret_keys(values.get("SECRET_KEYS"), name=spell)
    except ConfigurationError as exc:
        found.append(
            checks.Error(
                str(exc),
                hint=f"Set {spell('SECRET_KEYS')} to a list of keys, newest last, e.g."
                ' [os.environ["COOKIEWARDEN_SECRET"]]; `cookiewarden keygen` makes a key.',
                id="cookiewarden.E004",
            )
        )
    if not found:
        try:
            read_settings(values, name=spell)  # the options, as the middleware checks them
        except CookieWardenError as exc:
            found.append(_option_error(exc))
    return found


def _policy_message(exc: PolicyError) -> str:
    """The ``PolicyError`` text, without a key where the file itself is wrong (as the CLI)."""
    if exc.source and exc.key in ("(file)", "(toml)"):
        return f"{exc.source}: {exc.reason}"
    return str(exc)


def _option_error(exc: CookieWardenError) -> checks.CheckMessage:
    return checks.Error(
        str(exc),
        hint="The keys are POLICY, SECRET_KEYS and the middleware's options in upper case"
        " (REPORT_ONLY, CONSENT_PATH, CONSENT_LOG...): see the README's Django section.",
        id="cookiewarden.E002",
    )


def check_entry_points(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W001, W002: the project's ASGI and WSGI applications are wrapped (rule 3); not while
    the settings are wrong (the wrappers cannot be built: :func:`check_settings` says why)."""
    try:
        warden_settings()
    except CookieWardenError:
        return []
    found: list[checks.CheckMessage] = []
    for setting, wrapper, handler, check_id in (
        ("ASGI_APPLICATION", "asgi", "get_asgi_application", "cookiewarden.W001"),
        ("WSGI_APPLICATION", "wsgi", "get_wsgi_application", "cookiewarden.W002"),
    ):
        dotted = getattr(django_conf.settings, setting, None)
        if not dotted:
            continue
        module = str(dotted).rpartition(".")[0] or str(dotted)
        fix = (
            f"In {module}: import cookiewarden.django, then"
            f" application = cookiewarden.django.{wrapper}({handler}())"
        )
        try:
            application = import_string(dotted)
        except Exception as exc:  # rule 1: whatever importing the project raises
            found.append(
                checks.Warning(
                    f"{setting} {dotted!r} does not import ({type(exc).__name__}: {exc}), so"
                    " whether cookiewarden wraps it is unknown.",
                    hint=f"Fix the import; then, if it is not wrapped yet: {fix}",
                    id=check_id,
                )
            )
            continue
        try:
            find_engine(application)
        except TypeError:
            found.append(
                checks.Warning(
                    f"{setting} {dotted!r} is not wrapped by cookiewarden: a server that runs it"
                    " enforces no cookie policy and serves no consent API.",
                    hint=fix,
                    id=check_id,
                )
            )
    return found


def django_cookies() -> Iterator[tuple[str, str, int | None]]:
    """The cookies Django itself sets in this project (rule 2): (name, what breaks without it,
    its lifetime in seconds or ``None`` for a session cookie)."""
    project = django_conf.settings
    if _middleware_on(_SESSION):
        age = None if project.SESSION_EXPIRE_AT_BROWSER_CLOSE else project.SESSION_COOKIE_AGE
        yield project.SESSION_COOKIE_NAME, "nobody stays signed in", age
    if _middleware_on(_CSRF) and not project.CSRF_USE_SESSIONS:
        breaks = "every form POST fails Django's CSRF check"
        yield project.CSRF_COOKIE_NAME, breaks, project.CSRF_COOKIE_AGE
    if _middleware_on(_MESSAGES):
        name = _messages_cookie()
        if name is not None:
            yield name, "flash messages are lost", None
    if _middleware_on(_LOCALE):
        breaks = "a chosen language is forgotten"
        yield project.LANGUAGE_COOKIE_NAME, breaks, project.LANGUAGE_COOKIE_AGE


def _middleware_on(dotted: str) -> bool:
    """Whether ``MIDDLEWARE`` holds ``dotted`` or a subclass of it."""
    entries = [str(entry) for entry in getattr(django_conf.settings, "MIDDLEWARE", None) or ()]
    if dotted in entries:
        return True
    try:
        base = import_string(dotted)
    except Exception:  # rule 1
        return False
    for entry in entries:
        try:
            cls = import_string(entry)
        except Exception:  # rule 1: Django reports a middleware that does not import
            continue
        if isinstance(cls, type) and issubclass(cls, base):
            return True
    return False


def _messages_cookie() -> str | None:
    """The cookie ``MESSAGE_STORAGE`` keeps messages in, or ``None`` (session storage)."""
    from django.contrib.messages.storage.cookie import CookieStorage

    try:
        storage = import_string(django_conf.settings.MESSAGE_STORAGE)
    except Exception:  # rule 1
        return None
    for cls in (storage, *getattr(storage, "storage_classes", ())):
        if isinstance(cls, type) and issubclass(cls, CookieStorage):
            return str(getattr(cls, "cookie_name", "messages"))
    return None


def check_django_cookies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E005, W003: every cookie Django sets here is declared in the policy."""
    try:
        policy, policy_file = read_policy(raw_settings().get("POLICY"), name=spell)
    except CookieWardenError:
        return []  # check_settings reports it
    where = str(policy_file) if policy_file is not None else spell("POLICY")
    found: list[checks.CheckMessage] = []
    for name, breaks, lifetime in django_cookies():
        if policy.lookup(name) is not None:
            continue
        hint = f"Declare it in {where}:\n{_declaration(policy, name, lifetime)}"
        if policy.unknown == "block":
            found.append(
                checks.Error(
                    f"Django sets the cookie {name!r}, which the policy {where} does not"
                    f' declare: cookiewarden drops it (unknown = "block"), so {breaks}.',
                    hint=hint,
                    id="cookiewarden.E005",
                )
            )
        else:
            found.append(
                checks.Warning(
                    f"Django sets the cookie {name!r}, which the policy {where} does not"
                    " declare: it is missing from the published cookie declaration.",
                    hint=hint,
                    id="cookiewarden.W003",
                )
            )
    return found


def _declaration(policy: Policy, name: str, lifetime: int | None) -> str:
    """A ``[[cookies]]`` table for ``name``, in the policy's first necessary category."""
    category = next(c.key for c in policy.categories if c.necessary)
    if lifetime is None:
        life = "session"
    elif lifetime % 86400 == 0:
        life = f"{lifetime // 86400}d"
    else:
        life = f"{lifetime}s"
    return f'[[cookies]]\nname = "{name}"\ncategory = "{category}"\nlifetime = "{life}"'


def register() -> None:
    """Register the three checks under the tag ``cookiewarden`` (the app's ``ready()``)."""
    for check in (check_settings, check_entry_points, check_django_cookies):
        checks.register(check, TAG)
