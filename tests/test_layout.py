"""The package layout, read from the source: no import cycles, no borrowed private names,
dependencies pointing one way, modules of a readable size.

Every ``import`` in ``src/cookiewarden`` counts, wherever it stands: at the top, inside a
function, under ``if TYPE_CHECKING:``. The layers, lowest first (a module may import its own
subpackage and anything below it, never above):

==========  ============================================================================
``errors``  the one error tree (and ``version``)
``rules``   sans-I/O facts of the browser and the policy
``records`` proof of consent: the record, the sink interface, SQLite, PostgreSQL
``engine``  one request's work for both adapters
``web``     the consent API, the declaration, the page assets
``adapters``  ASGI, WSGI, the banner injection: bytes in, bytes out
``metrics`` the operators' counters (public)
``tools``   the command line
``configuration``, ``templating``  what every framework home shares: settings read into the
            middleware's arguments, the consent and tags a template sees
``django``, ``flask``, ``fastapi``  the framework homes (they run the command line too)
==========  ============================================================================
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "cookiewarden"

#: Each part of the package and its layer; a module imports only within its part or below.
LAYERS = {
    "errors": 0,
    "version": 0,
    "rules": 1,
    "records": 2,
    "engine": 3,
    "web": 4,
    "adapters": 5,
    "metrics": 6,
    "tools": 7,
    "configuration": 7,
    "templating": 7,
    "django": 8,
    "flask": 8,
    "fastapi": 8,
    "__init__": 9,
    "__main__": 9,
}
#: The parts that must never import a web framework or a server (the sans-I/O core, the
#: adapters, which speak plain ASGI and WSGI, and what the framework homes share).
CORE = frozenset(
    {
        "errors",
        "rules",
        "records",
        "engine",
        "web",
        "adapters",
        "metrics",
        "configuration",
        "templating",
    }
)
FRAMEWORKS = frozenset({"starlette", "fastapi", "flask", "werkzeug", "django", "uvicorn"})
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the module imported, dotted (a package's __init__ is the package)
    names: tuple[str, ...]  # the names taken ("from target import a, b"), () for "import x"
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = SRC.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            taken = tuple(alias.name for alias in node.names)
            # "from package import module" imports the module itself.
            submodules = [n for n in taken if is_module(f"{target}.{n}")]
            for sub in submodules:
                yield Import(name, f"{target}.{sub}", (), node.lineno)
            rest = tuple(n for n in taken if n not in submodules)
            if rest or not submodules:
                yield Import(name, target, rest, node.lineno)


def internal_imports() -> list[Import]:
    found = []
    for name, path in modules().items():
        for imp in imports_of(name, path):
            if imp.target == "cookiewarden" or imp.target.startswith("cookiewarden."):
                found.append(imp)
    return found


def part(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), or a self-loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_reader_follows_every_kind_of_import(tmp_path: Path) -> None:
    # Imports at the top, in functions and under TYPE_CHECKING all count; relative ones are
    # resolved; "from package import module" is an import of the module.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .judging import Judge\n"
        "from ..rules import policy\n"
        "if TYPE_CHECKING:\n    from ..web.endpoints import handle\n"
        "def f():\n    from ..records.sink import open_sink\n",
        "utf-8",
    )
    got = {(i.target, i.names) for i in imports_of("cookiewarden.engine.probe", probe)}
    assert got == {
        ("typing", ("TYPE_CHECKING",)),
        ("cookiewarden.engine.judging", ("Judge",)),
        ("cookiewarden.rules.policy", ()),
        ("cookiewarden.web.endpoints", ("handle",)),
        ("cookiewarden.records.sink", ("open_sink",)),
    }


def test_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {}
    for imp in internal_imports():
        if imp.target != imp.module:
            edges.setdefault(imp.module, set()).add(imp.target)
    # A package's __init__ that re-exports its modules is not a cycle with them: a module
    # importing a sibling imports the sibling, not the package.
    assert cycles(edges) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_another_modules_private_names() -> None:
    borrowed = [
        f"{i.module} takes {n} from {i.target} (line {i.line})"
        for i in internal_imports()
        for n in i.names
        if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))
    ]
    assert borrowed == []


def test_dependencies_point_one_way() -> None:
    upward = []
    for imp in internal_imports():
        here, there = part(imp.module), part(imp.target)
        if here not in LAYERS or there not in LAYERS:
            upward.append(f"{imp.module}: a part the layers do not know ({here} or {there})")
        elif here != there and LAYERS[there] >= LAYERS[here]:
            upward.append(f"{imp.module} -> {imp.target} (line {imp.line})")
    assert upward == []


def test_every_part_has_its_layer() -> None:
    parts = {part(name) for name in modules()}
    assert parts <= set(LAYERS), parts - set(LAYERS)


def test_the_core_imports_no_framework() -> None:
    found = [
        f"{name} imports {imp.target} (line {imp.line})"
        for name, path in modules().items()
        if part(name) in CORE
        for imp in imports_of(name, path)
        if imp.target.split(".")[0] in FRAMEWORKS
    ]
    assert found == []


@pytest.mark.parametrize("name", sorted(modules()), ids=str)
def test_module_is_of_a_readable_size(name: str) -> None:
    lines = len(modules()[name].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines; split it by concept"


@pytest.mark.parametrize(
    "package", sorted(n for n, p in modules().items() if p.name == "__init__.py"), ids=str
)
def test_every_package_says_what_it_owns_and_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse(modules()[package].read_text("utf-8"))) or ""
    assert doc, f"{package} has no docstring"
    if package != "cookiewarden":
        assert "May import" in doc, f"{package}: its docstring says nothing of what it may import"
