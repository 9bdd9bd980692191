"""The layout's rules, checked on the source: no import cycle, and dependencies that point one way.

Every ``import`` statement counts, wherever it stands: at module level, inside a function, or
under ``if TYPE_CHECKING:`` (a cycle that only type checkers follow still ties two modules
together). A module importing ``a.b.c`` depends on ``a.b.c`` when that module exists, else on
the package ``a.b``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "etl", "flows", "samplesite")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported_names(path: Path, module: str) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            yield prefix
            yield from (f"{prefix}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(path, module):
            # The deepest project module the name stands for (``from a.b import c``: a.b.c
            # when it is a module, else a.b).
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle_and_follows_every_kind_of_import(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x.y import Z\n"
        "def f():\n    import p.q\n    from . import sibling\n"
    )
    assert {"x.y", "x.y.Z", "p.q", "pkg", "pkg.sibling"} <= set(imported_names(source, "pkg.m"))


def test_no_import_cycle_among_the_projects_modules() -> None:
    graph = import_graph()
    assert len(graph) > 60, "the checker should see every module of the project"
    assert cycles(graph) == []


def dependents(graph: dict[str, set[str]], source: str, target: str) -> list[str]:
    """Modules under ``source`` that import anything under ``target``."""

    def under(name: str, package: str) -> bool:
        return name == package or name.startswith(package + ".")

    return sorted(
        f"{module} -> {dep}"
        for module, deps in graph.items()
        if under(module, source)
        for dep in deps
        if under(dep, target)
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("etl", "crawler"),  # etl imports neither crawler nor flows
        ("etl", "flows"),
        ("etl", "samplesite"),
        ("crawler", "flows"),
        ("samplesite", "crawler"),  # the generator is a fixture: it knows no Pitboard code
        ("samplesite", "etl"),
        ("samplesite", "flows"),
        ("etl.clean", "etl.store"),  # cleaning is pure: no database
        ("etl.clean", "etl.dedup"),
        ("flows", "etl.store.models"),  # storage owns every query
    ],
)
def test_dependencies_point_one_way(source: str, target: str) -> None:
    assert dependents(import_graph(), source, target) == []
