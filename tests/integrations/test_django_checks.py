"""``manage.py check`` with cookiewarden's system checks, one temporary project per settings
variant, each in its own process (Django's settings are configured once per process).

The project (:func:`make_project`) lists ``"cookiewarden.django"``, wraps ``asgi.py`` and
``wsgi.py``, and declares in its policy every cookie its middleware makes Django set; each case
adds lines to its ``settings.py`` (and may replace a file) and names the check ids it expects
and a phrase of each message or hint.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from .contract import EXAMPLE_POLICY

pytestmark = pytest.mark.slow

DJANGO_COOKIES = """
[[cookies]]
name = "messages"
category = "necessary"
lifetime = "session"

[[cookies]]
name = "django_language"
category = "functionality"
lifetime = "1y"
"""

SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "django-insecure-test-only"
DEBUG = True
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = ["django.contrib.sessions", "django.contrib.messages", "cookiewarden.django"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "proj.urls"
WSGI_APPLICATION = "proj.wsgi.application"
ASGI_APPLICATION = "proj.asgi.application"
DATABASES = {}
USE_TZ = True
COOKIEWARDEN = {
    "POLICY": BASE_DIR / "cookies.toml",
    "SECRET_KEYS": ["test-key-new-9876543210"],
    "CONSENT_LOG": None,
}
"""

ENTRY = """\
import os

from django.core.{kind} import get_{kind}_application

import cookiewarden.django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
application = cookiewarden.django.{kind}(get_{kind}_application())
"""

BARE = """\
import os

from django.core.{kind} import get_{kind}_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
application = get_{kind}_application()
"""

MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

SUBCLASS = """\
from django.contrib.sessions.middleware import SessionMiddleware


class SiteSession(SessionMiddleware):
    pass
"""


def make_project(root: Path, settings: str = "", files: dict[str, str] | None = None) -> Path:
    """A Django project in ``root``: ``manage.py`` and the package ``proj``."""
    package = root / "proj"
    package.mkdir(parents=True)
    policy = EXAMPLE_POLICY.read_text("utf-8") + DJANGO_COOKIES
    written = {
        "__init__.py": "",
        "settings.py": SETTINGS + textwrap.dedent(settings),
        "urls.py": "urlpatterns = []\n",
        "asgi.py": ENTRY.format(kind="asgi"),
        "wsgi.py": ENTRY.format(kind="wsgi"),
        "middleware.py": SUBCLASS,
        "cookies.toml": policy,
        **(files or {}),
    }
    for name, text in written.items():
        (package / name).write_text(text, "utf-8")
    (root / "manage.py").write_text(MANAGE, "utf-8")
    return root


@dataclass(frozen=True)
class Checked:
    status: int
    output: str
    ids: list[str]


def environment() -> dict[str, str]:
    """This environment, without the settings module another test may have set."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}


def manage_check(root: Path) -> Checked:
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    return Checked(
        done.returncode, output, sorted(re.findall(r"\((cookiewarden\.[EW]\d{3})\)", output))
    )


def test_a_project_that_does_everything_right_has_no_issue(tmp_path: Path) -> None:
    checked = manage_check(make_project(tmp_path))
    assert checked.status == 0, checked.output
    assert "System check identified no issues" in checked.output


BAD_POLICY = EXAMPLE_POLICY.read_text("utf-8").replace(
    'name = "lang"\ncategory = "functionality"', 'name = "lang"\ncategory = "preferences"'
)


@pytest.mark.parametrize(
    ("settings", "files", "expected", "phrases"),
    [
        pytest.param(
            "del COOKIEWARDEN\n",
            {},
            ["cookiewarden.E001"],
            [
                "COOKIEWARDEN: missing from the settings;"
                ' add COOKIEWARDEN = {"POLICY": BASE_DIR / "cookies.toml"'
            ],
            id="no-setting",
        ),
        pytest.param(
            'COOKIEWARDEN = "cookies.toml"\n',
            {},
            ["cookiewarden.E001"],
            ["COOKIEWARDEN: expected a dict", 'HINT: In settings.py: COOKIEWARDEN = {"POLICY"'],
            id="not-a-dict",
        ),
        pytest.param(
            'COOKIEWARDEN["REPORTONLY"] = True\n',
            {},
            ["cookiewarden.E002"],
            [
                "COOKIEWARDEN['REPORTONLY']: unknown setting;"
                " did you mean COOKIEWARDEN['REPORT_ONLY']?"
            ],
            id="unknown-key",
        ),
        pytest.param(
            'COOKIEWARDEN["CONSENT_PATH"] = "privacy"\n',
            {},
            ["cookiewarden.E002"],
            ["COOKIEWARDEN['CONSENT_PATH']: must be an absolute path"],
            id="bad-option",
        ),
        pytest.param(
            'COOKIEWARDEN["POLICY"] = BASE_DIR / "nope.toml"\n',
            {},
            ["cookiewarden.E003"],
            ["nope.toml: no such file", "HINT: Fix the file"],
            id="policy-file-missing",
        ),
        pytest.param(
            "",
            {"cookies.toml": BAD_POLICY},
            ["cookiewarden.E003"],
            ["cookies.toml: cookies[4].category: unknown category 'preferences' for 'lang'"],
            id="policy-invalid",
        ),
        pytest.param(
            'COOKIEWARDEN["SECRET_KEYS"] = []\n',
            {},
            ["cookiewarden.E004"],
            ["COOKIEWARDEN['SECRET_KEYS']: empty", "`cookiewarden keygen` makes a key"],
            id="no-secret-keys",
        ),
        pytest.param(
            'del COOKIEWARDEN["SECRET_KEYS"]\nCOOKIEWARDEN["POLICY"] = "x.toml"\n',
            {},
            ["cookiewarden.E003", "cookiewarden.E004"],
            ["COOKIEWARDEN['SECRET_KEYS']: missing", "x.toml: no such file"],
            id="each-problem-on-its-own",
        ),
        pytest.param(
            "",
            {"wsgi.py": BARE.format(kind="wsgi")},
            ["cookiewarden.W002"],
            [
                "WSGI_APPLICATION 'proj.wsgi.application' is not wrapped by cookiewarden",
                "HINT: In proj.wsgi: import cookiewarden.django, then"
                " application = cookiewarden.django.wsgi(get_wsgi_application())",
            ],
            id="wsgi-not-wrapped",
        ),
        pytest.param(
            "",
            {"asgi.py": BARE.format(kind="asgi")},
            ["cookiewarden.W001"],
            [
                "ASGI_APPLICATION 'proj.asgi.application' is not wrapped",
                "cookiewarden.django.asgi(get_asgi_application())",
            ],
            id="asgi-not-wrapped",
        ),
        pytest.param(
            'WSGI_APPLICATION = "proj.nowhere.application"\n',
            {},
            ["cookiewarden.W002"],
            [
                "WSGI_APPLICATION 'proj.nowhere.application' does not import"
                " (ModuleNotFoundError: No module named 'proj.nowhere')"
            ],
            id="wsgi-does-not-import",
        ),
        pytest.param(
            "del ASGI_APPLICATION\n",
            {"asgi.py": BARE.format(kind="asgi")},
            [],
            ["no issues"],
            id="asgi-unset-is-not-checked",
        ),
        pytest.param(
            'SESSION_COOKIE_NAME = "site_session"\n',
            {},
            ["cookiewarden.E005"],
            [
                "Django sets the cookie 'site_session', which the policy",
                'drops it (unknown = "block"), so nobody stays signed in',
                'name = "site_session"\ncategory = "necessary"\nlifetime = "14d"',
            ],
            id="session-cookie-undeclared",
        ),
        pytest.param(
            'SESSION_COOKIE_NAME = "site_session"\nSESSION_EXPIRE_AT_BROWSER_CLOSE = True\n',
            {},
            ["cookiewarden.E005"],
            ['lifetime = "session"'],
            id="session-cookie-for-the-session",
        ),
        pytest.param(
            'SESSION_COOKIE_NAME = "site_session"\nMIDDLEWARE[0] = "proj.middleware.SiteSession"\n',
            {},
            ["cookiewarden.E005"],
            ["'site_session'"],
            id="session-middleware-subclass",
        ),
        pytest.param(
            'SESSION_COOKIE_NAME = "site_session"\nMIDDLEWARE.pop(0)\n',
            {},
            [],
            ["no issues"],
            id="no-session-middleware",
        ),
        pytest.param(
            'CSRF_COOKIE_NAME = "xsrf"\n',
            {},
            ["cookiewarden.E005"],
            ["'xsrf'", "every form POST fails Django's CSRF check", 'lifetime = "364d"'],
            id="csrf-cookie-undeclared",
        ),
        pytest.param(
            'CSRF_COOKIE_NAME = "xsrf"\nCSRF_USE_SESSIONS = True\n',
            {},
            [],
            ["no issues"],
            id="csrf-in-the-session",
        ),
        pytest.param(
            "",
            {"cookies.toml": EXAMPLE_POLICY.read_text("utf-8")},
            ["cookiewarden.E005", "cookiewarden.E005"],
            [
                "'messages'",
                "flash messages are lost",
                "'django_language'",
                "a chosen language is forgotten",
            ],
            id="messages-and-language-undeclared",
        ),
        pytest.param(
            'MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"\n'
            'LANGUAGE_COOKIE_NAME = "lang"\n',
            {"cookies.toml": EXAMPLE_POLICY.read_text("utf-8")},
            [],
            ["no issues"],
            id="messages-in-the-session",
        ),
        pytest.param(
            'SESSION_COOKIE_NAME = "site_session"\n',
            {
                "cookies.toml": EXAMPLE_POLICY.read_text("utf-8").replace(
                    'unknown = "block"', 'unknown = "allow"'
                )
                + DJANGO_COOKIES
            },
            ["cookiewarden.W003"],
            ["'site_session'", "missing from the published cookie declaration"],
            id="undeclared-but-allowed",
        ),
    ],
)
def test_manage_py_check_reports_each_problem(
    tmp_path: Path, settings: str, files: dict[str, str], expected: list[str], phrases: list[str]
) -> None:
    checked = manage_check(make_project(tmp_path, settings, files))
    assert checked.ids == sorted(expected), checked.output
    for phrase in phrases:
        assert phrase in checked.output, checked.output
    errors = any(check_id.startswith("cookiewarden.E") for check_id in expected)
    assert (checked.status != 0) == errors, checked.output


def test_only_cookiewardens_checks_run_by_their_tag(tmp_path: Path) -> None:
    root = make_project(tmp_path, 'COOKIEWARDEN["SECRET_KEYS"] = []\n')
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "cookiewarden"],
        cwd=root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "(cookiewarden.E004)" in done.stderr and done.returncode == 1
