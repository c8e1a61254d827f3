"""The package's shape: no import circles, nothing private crosses a family, small modules.

The imports are read with ``ast`` from the source (every ``from . import`` and
``from .x import y``, inside functions and ``TYPE_CHECKING`` blocks too), so
the checks hold for what the code says, not for what one run happens to import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coverage"

#: Subpackages: one per step of the flow (docs/design.md).
SUBPACKAGES = ("demand", "engine", "io", "network", "present", "rules", "siting")


def _modules() -> dict[str, Path]:
    """Dotted module name inside the package (``engine.snap``, ``io``, ``""``) -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, path: Path, level: int, target: str | None) -> str:
    base = module.split(".") if module else []
    if path.name != "__init__.py":
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def _imports() -> list[tuple[str, str, str]]:
    """(importing module, imported module, imported name) for every relative import."""
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                target = _resolve(module, path, node.level, node.module)
                for alias in node.names:
                    full = f"{target}.{alias.name}".strip(".")
                    if full in MODULES:  # `from . import x` names a module
                        found.append((module, full, ""))
                    else:
                        found.append((module, target, alias.name))
    return found


IMPORTS = _imports()


def _family(module: str) -> str:
    """The subpackage a module belongs to (top-level modules are their own family)."""
    head = module.split(".")[0]
    return head if head in SUBPACKAGES else module


def test_the_reader_finds_the_package() -> None:
    # the checks below are only as good as the graph: it must see the real package
    assert {"engine.snap", "network.model", "rules.kinds", "analysis", "cli"} <= set(MODULES)
    assert ("analysis", "io", "") in IMPORTS or ("analysis", "io", "read_study_units") in IMPORTS
    assert len(IMPORTS) > 150


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a self-loop)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported, _ in IMPORTS:
        if importer != imported:
            graph[importer].add(imported)
    assert _cycles(graph) == []


def test_nothing_private_crosses_a_family() -> None:
    crossing = [
        (importer, imported, name)
        for importer, imported, name in IMPORTS
        if _family(importer) != _family(imported)
        and (
            (name.startswith("_") and not name.endswith("__"))  # dunders are public
            or any(part.startswith("_") for part in imported.split(".") if part)
        )
    ]
    assert crossing == []


def test_modules_stay_small_and_the_top_level_holds_the_flow() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}
    top = sorted(m for m in MODULES if m and "." not in m and m not in SUBPACKAGES)
    assert len(top) <= 11, top
    assert all((PACKAGE / name / "__init__.py").is_file() for name in SUBPACKAGES)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackages_are_reachable_after_a_plain_import(name: str) -> None:
    import facility_coverage

    sub = getattr(facility_coverage, name)
    assert sub.__name__ == f"facility_coverage.{name}"
    assert sub.__all__, "each subpackage re-exports its public names"
    assert all(hasattr(sub, public) for public in sub.__all__)
