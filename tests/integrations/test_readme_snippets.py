"""The README's framework snippets, tested as written: each app is built from them and sent
requests (the consent is read, a refused cookie is dropped, the head tags are rendered).

The convention, in ``README.md``: an HTML comment ``<!-- test: NAME -->`` on the line before a
fenced block (```` ```python ````, ```` ```html ````, ```` ```bash ````) names it; the blocks
of one name are joined, in README order, into one file. An unmarked block is not tested here.
The names used:

- ``django-settings`` (added to the end of a ``django-admin startproject`` settings file),
  ``django-asgi`` and ``django-wsgi`` (the project's ``asgi.py`` and ``wsgi.py``),
  ``django-template`` (a page), ``django-commands`` (each line run in the project);
- ``flask`` (the app module), ``flask-commands``;
- ``fastapi`` (the app module);
- ``jinja-template`` (the page both Flask and FastAPI render).

What a test adds is only what a real project has beside the snippets: the policy file
(``examples/policy.toml``, plus the ``messages`` cookie a new Django project uses), a route that
sets ``_ga`` (performance), and for Django the app that serves the page.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from .contract import EXAMPLE_POLICY, FIRST

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
KEY = "test-key-new-9876543210"
TAGS = re.compile(
    r'<script src="/_consent/guard\.js\?s=([0-9a-f]{12})"></script>'
    r'<script src="/_consent/banner\.js" defer></script>'
)
ANALYTICS = '<script src="/static/analytics.js"></script>'
BUTTON = '<button type="button" data-cookiewarden-open>Cookie settings</button>'
MARKED = re.compile(r"^<!-- test: ([\w-]+) -->\n```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
POLICY_TEXT = EXAMPLE_POLICY.read_text("utf-8") + textwrap.dedent(
    """
    [[cookies]]
    name = "messages"
    category = "necessary"
    lifetime = "session"
    """
)


def snippets(text: str) -> dict[str, str]:
    """Every marked block of ``text``, by name; blocks of one name joined in order."""
    found: dict[str, list[str]] = {}
    for name, _language, body in MARKED.findall(text):
        found.setdefault(name, []).append(body)
    return {name: "\n".join(bodies) for name, bodies in found.items()}


SNIPPETS = snippets(README.read_text("utf-8"))


def test_the_convention_finds_the_marked_blocks() -> None:
    text = (
        "<!-- test: one -->\n```python\na = 1\n```\nprose\n```python\nunmarked = 1\n```\n"
        "<!-- test: one -->\n```python\nb = 2\n```\n<!-- test: two -->\n```html\n<p>\n```\n"
    )
    assert snippets(text) == {"one": "a = 1\n\nb = 2\n", "two": "<p>\n"}


def test_the_readme_marks_every_framework_snippet() -> None:
    assert sorted(SNIPPETS) == [
        "django-asgi",
        "django-commands",
        "django-settings",
        "django-template",
        "django-wsgi",
        "fastapi",
        "flask",
        "flask-commands",
        "jinja-template",
    ]


def commands(snippet: str) -> Iterator[list[str]]:
    """Each command line of a ``bash`` snippet, as argv for this interpreter."""
    for line in snippet.splitlines():
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        if argv[0] == "python":
            argv[0] = sys.executable
        elif argv[0] == "flask":
            argv[:1] = [sys.executable, "-m", "flask"]
        yield argv


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOKIEWARDEN_", "DJANGO_"))}
    env["COOKIEWARDEN_SECRET"] = KEY
    return env


def run_commands(snippet: str, cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    done = []
    for argv in commands(snippet):
        result = subprocess.run(
            argv, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (argv, result.stdout, result.stderr)
        done.append(result)
    return done


def load(path: Path, name: str) -> ModuleType:
    """Import ``path`` as the module ``name`` (Flask finds its root path through it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory holding the policy and the shared page, as the working directory."""
    (tmp_path / "cookies.toml").write_text(POLICY_TEXT, "utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(SNIPPETS["jinja-template"], "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COOKIEWARDEN_SECRET", KEY)
    names = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - names:
        if name.startswith("readme_"):
            del sys.modules[name]


def assert_page(page: str, *, analytics: bool) -> None:
    tags = TAGS.search(page)
    assert tags is not None and BUTTON in page
    assert (ANALYTICS in page) is analytics
    # The guard's URL names the visitor's state: a first visit's, or (analytics allowed) a choice's.
    assert (tags.group(1) == FIRST) is not analytics


def cookie_names(set_cookies: list[str]) -> list[str]:
    return [value.split("=", 1)[0] for value in set_cookies if "Max-Age=0" not in value]


# -- Flask ---------------------------------------------------------------------------------------


def test_the_flask_snippets_build_an_app_that_knows_the_consent(site: Path, mint: Any) -> None:
    (site / "app.py").write_text(SNIPPETS["flask"], "utf-8")
    app = load(site / "app.py", "readme_flask_app").app

    @app.get("/set")
    def set_ga() -> Any:
        response = app.make_response("set")
        response.set_cookie("_ga", "GA1.1.1.1", max_age=3600)
        return response

    client = app.test_client(use_cookies=False)
    consent = {"Cookie": "cw_consent=" + mint(["performance"], key=KEY, issued_at=time.time())}
    assert_page(client.get("/").get_data(as_text=True), analytics=False)
    assert_page(client.get("/", headers=consent).get_data(as_text=True), analytics=True)
    assert client.get("/analytics-allowed").get_json() == {"allowed": False}
    assert client.get("/analytics-allowed", headers=consent).get_json() == {"allowed": True}
    assert cookie_names(client.get("/set").headers.getlist("Set-Cookie")) == []
    assert cookie_names(client.get("/set", headers=consent).headers.getlist("Set-Cookie")) == [
        "_ga"
    ]


def test_the_flask_commands_run_as_written(site: Path) -> None:
    (site / "app.py").write_text(SNIPPETS["flask"], "utf-8")
    _declare, audit = run_commands(SNIPPETS["flask-commands"], site)
    assert "<h2" in (site / "cookies.html").read_text("utf-8")
    assert "OK:" in audit.stdout


# -- FastAPI -------------------------------------------------------------------------------------


def test_the_fastapi_snippets_build_an_app_that_knows_the_consent(site: Path, mint: Any) -> None:
    (site / "main.py").write_text(SNIPPETS["fastapi"], "utf-8")
    app = load(site / "main.py", "readme_fastapi_app").app

    @app.get("/set")
    def set_ga() -> Any:
        from fastapi.responses import PlainTextResponse

        response = PlainTextResponse("set")
        response.set_cookie("_ga", "GA1.1.1.1", max_age=3600)
        return response

    async def send(path: str, cookie: str | None = None) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path, headers={"cookie": cookie} if cookie else {})

    def get(path: str, cookie: str | None = None) -> httpx.Response:
        return asyncio.run(send(path, cookie))

    consent = "cw_consent=" + mint(["performance"], key=KEY, issued_at=time.time())
    assert_page(get("/").text, analytics=False)
    assert_page(get("/", consent).text, analytics=True)
    assert get("/analytics-allowed").json() is False
    assert get("/analytics-allowed", consent).json() is True
    assert cookie_names(get("/set").headers.get_list("set-cookie")) == []
    assert cookie_names(get("/set", consent).headers.get_list("set-cookie")) == ["_ga"]
    schema = get("/openapi.json").json()
    assert sorted(schema["paths"]["/_consent"]) == ["delete", "get", "post"]
    assert get("/_consent", consent).json()["granted"] == ["necessary", "performance"]


# -- Django --------------------------------------------------------------------------------------

PAGES_VIEWS = """\
from django.shortcuts import render


def page(request):
    response = render(request, "page.html")
    response.set_cookie("_ga", "GA1.1.1.1", max_age=3600)
    return response
"""

URLS = """\
from django.urls import path

from pages.views import page

urlpatterns = [path("", page)]
"""

DRIVER = """\
import asyncio
import json
import os
import sys

import httpx

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
from mysite.asgi import application as asgi_app
from mysite.wsgi import application as wsgi_app

cookie = sys.argv[1]


async def asgi(headers):
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        return await client.get("/", headers=headers)


def wsgi(headers):
    transport = httpx.WSGITransport(app=wsgi_app)
    with httpx.Client(transport=transport, base_url="http://localhost") as client:
        return client.get("/", headers=headers)


out = {}
for server, send in (("asgi", lambda h: asyncio.run(asgi(h))), ("wsgi", wsgi)):
    for who, headers in (("nobody", {}), ("performance", {"cookie": cookie})):
        response = send(headers)
        out[f"{server}-{who}"] = {
            "status": response.status_code,
            "text": response.text,
            "cookies": response.headers.get_list("set-cookie"),
        }
print(json.dumps(out))
"""


@pytest.fixture
def django_site(tmp_path: Path) -> Path:
    """``django-admin startproject mysite``, with the README's snippets in place."""
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
        check=True,
        env=environment(),
        timeout=120,
    )
    package = tmp_path / "mysite"
    settings = package / "settings.py"
    glue = '\nINSTALLED_APPS += ["pages"]\n'  # the project's own page, beside the snippets
    settings.write_text(
        settings.read_text("utf-8") + "\n" + SNIPPETS["django-settings"] + glue, "utf-8"
    )
    (package / "asgi.py").write_text(SNIPPETS["django-asgi"], "utf-8")
    (package / "wsgi.py").write_text(SNIPPETS["django-wsgi"], "utf-8")
    (package / "urls.py").write_text(URLS, "utf-8")
    pages = tmp_path / "pages"
    (pages / "templates").mkdir(parents=True)
    (pages / "__init__.py").write_text("", "utf-8")
    (pages / "views.py").write_text(PAGES_VIEWS, "utf-8")
    (pages / "templates" / "page.html").write_text(SNIPPETS["django-template"], "utf-8")
    (tmp_path / "cookies.toml").write_text(POLICY_TEXT, "utf-8")
    return tmp_path


@pytest.mark.slow
def test_the_django_snippets_pass_the_checks_and_serve_under_asgi_and_wsgi(
    django_site: Path, mint: Any
) -> None:
    (check,) = run_commands("python manage.py check", django_site)
    assert "System check identified no issues" in check.stdout
    cookie = "cw_consent=" + mint(["performance"], key=KEY, issued_at=time.time())
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, cookie],
        cwd=django_site,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pages = json.loads(done.stdout)
    for server in ("asgi", "wsgi"):
        nobody, chosen = pages[f"{server}-nobody"], pages[f"{server}-performance"]
        assert nobody["status"] == chosen["status"] == 200
        assert_page(nobody["text"], analytics=False)
        assert_page(chosen["text"], analytics=True)
        assert cookie_names(nobody["cookies"]) == []
        assert cookie_names(chosen["cookies"]) == ["_ga"]


@pytest.mark.slow
def test_the_django_commands_run_as_written(django_site: Path) -> None:
    _declare, audit = run_commands(SNIPPETS["django-commands"], django_site)
    assert "<h2" in (django_site / "cookies.html").read_text("utf-8")
    assert "mysite.wsgi:application" in audit.stdout and "OK:" in audit.stdout
