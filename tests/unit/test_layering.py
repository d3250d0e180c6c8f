"""The house's layering, read from the code (every import, at any depth of a function):

- ``kiosk.sync`` is the contract both roles share: it imports neither role, nor the database;
- the kiosk role (``kiosk.site``) and the hub role (``kiosk.hub``) never import each other;
- the shared modules (catalog, models, search, web...) import neither role: nothing upward;
- only the composition roots (the app factory, the command line, the demo, the health check
  both roles serve) bring the roles together;
- the module graph without those roots has no circle.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "kiosk"
ROOTS = {"kiosk", "kiosk.__main__", "kiosk.cli", "kiosk.health"}
ROLES = ("kiosk.site", "kiosk.hub")
CONTRACT = "kiosk.sync"
CONTRACT_MAY_USE = {"kiosk.boundary"}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


MODULES = _modules()


def resolve(name):
    """The module a dotted import name lands on (a name imported from a package may be one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(name, path):
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(resolve(a.name) for a in node.names if a.name.startswith("kiosk"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("kiosk"):
                continue
            for alias in node.names:
                found.add(resolve(f"{mod}.{alias.name}"))
    found.discard("")
    found.discard(name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def _in(name, package):
    return name == package or name.startswith(package + ".")


def is_root(name):
    return name in ROOTS or _in(name, "kiosk.demo")


def role_of(name):
    return next((r for r in ROLES if _in(name, r)), None)


def test_the_contract_imports_neither_role_nor_the_database():
    bad = {(m, i) for m, deps in GRAPH.items() if _in(m, CONTRACT)
           for i in deps if not _in(i, CONTRACT) and i not in CONTRACT_MAY_USE}
    assert bad == set()


def test_the_two_roles_never_import_each_other():
    bad = {(m, i) for m, deps in GRAPH.items() if role_of(m)
           for i in deps if role_of(i) and role_of(i) != role_of(m)}
    assert bad == set()


def test_shared_modules_import_no_role():
    bad = {(m, i) for m, deps in GRAPH.items() if not role_of(m) and not is_root(m)
           for i in deps if role_of(i)}
    assert bad == set()


def test_no_circle_outside_the_roots():
    graph = {m: {d for d in deps if not is_root(d) and not _parent_package(d, m)}
             for m, deps in GRAPH.items() if not is_root(m)}
    cycles = []
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []


def _parent_package(dep, mod):
    """A module importing its own package's __init__ (where Flask blueprints gather) is not a circle."""
    return dep != mod and _in(mod, dep) and MODULES[dep].name == "__init__.py"


@pytest.mark.parametrize("module", ["kiosk.sync.protocol", "kiosk.site.sync.outbox", "kiosk.hub.intake.ingest"])
def test_the_graph_sees_the_imports(module):
    """The checks above read real edges (a broken reader would pass them all)."""
    assert GRAPH[module], module
