"""The application's import graph has no circles (issue 13): no module reaches itself again
through what it imports, imports inside functions included (not those under
`if TYPE_CHECKING:`, which only the type checker reads). A circle is fixed by moving
the shared piece down a floor or by sending an event up (woodshed/events.py), never by
hiding the import inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import woodshed

ROOT = Path(woodshed.__file__).parent
#: The app factory (woodshed/__init__.py) composes every feature; only the entry points
#: (the command line) import it back, to build an app. That is not a feature's circle.
COMPOSITION_ROOT = "woodshed"


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its __init__.py)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The module an imported name lives in: itself, or the nearest enclosing one."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    return name == "TYPE_CHECKING"


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that this module imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            node.body = []  # names for the type checker: never imported when running
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_owner(a.name, known) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else _owner(base, known) or "")
    found.discard("")
    found.discard(name)
    found.discard(COMPOSITION_ROOT)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_package_imports_in_one_direction_without_circles():
    found = circles(graph())
    assert found == [], "import circles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_imports_inside_functions_count_and_a_circle_would_be_found():
    """The check sees the imports it must (inside functions too) and finds a circle."""
    edges = graph()
    # `_connect_events` imports the subscribers inside create_app's helper.
    assert "woodshed.stats.badges" in edges["woodshed"]
    assert "woodshed.events" in edges["woodshed.stats.badges"]
    assert "woodshed.stats.rollup" in edges["woodshed.stats.upkeep"]
    edges["woodshed.events"] = {"woodshed.stats.badges"}  # the ground floor reaching up
    (found,) = circles(edges)
    assert {"woodshed.events", "woodshed.stats.badges"} <= set(found)
