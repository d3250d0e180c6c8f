"""The tests' own layout: no module under tests/ imports a test module (a file named test_*.py).
What tests share lives in helper modules (tests/helpers.py, tests/records.py, tests/e2e/journey.py,
the conftest files and tests/*/*_helpers.py), so a test module can be moved, renamed or run alone,
and importing one never collects or runs another's tests twice."""
import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def _module_file(dotted):
    """The file under the checkout that the dotted module name is, or None."""
    path = ROOT.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def imported_test_modules(source, path):
    """The test modules (test_*.py) that ``source``, the text of the module at ``path``, imports."""
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(path).split(".")
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _module_file(name)
            if target is not None and target.name.startswith("test_") and target != path:
                found.append(str(target.relative_to(ROOT)))
    return found


def test_no_module_under_tests_imports_a_test_module():
    offenders = {str(path.relative_to(ROOT)): imported
                 for path in sorted(TESTS.rglob("*.py"))
                 if (imported := imported_test_modules(path.read_text(encoding="utf-8"), path))}
    assert offenders == {}


def test_the_check_sees_each_way_of_importing_a_test_module():
    here = TESTS / "sync" / "some_helpers.py"
    for source in ("from tests.sync.test_auth import stored",
                   "from tests.sync import test_auth",
                   "import tests.sync.test_auth",
                   "from .test_auth import stored",
                   "def f():\n    from tests.sync.test_auth import stored\n"):
        assert imported_test_modules(source, here) == ["tests/sync/test_auth.py"], source
    assert imported_test_modules("from tests.helpers import wait_for\nimport tests.sync.conftest", here) == []
