"""govkit.toolkit is the one face plugins see: they import nothing else, it is documented, and cheap to import."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import govkit.toolkit as toolkit
from govkit.cli.plugin_new import scaffold_plugin

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugin_toolkit.md"
#: The govkit modules plugin code may import; everything else in govkit is private.
ALLOWED = {"govkit.toolkit", "govkit.testing"}
#: Calls that import a module named by a string.
IMPORTING_CALLS = {"import_module", "__import__", "find_spec", "files"}
#: Modules ``import govkit.toolkit`` must not load (the web stack, the ORM, the PDF engine).
HEAVY = ("flask", "flask_appbuilder", "sqlalchemy", "reportlab", "govkit.app", "govkit.db")


# -- the checker --------------------------------------------------------------------------


def _is_govkit(module: str) -> bool:
    return module == "govkit" or module.startswith("govkit.")


def private_govkit_imports(source: str, filename: str = "<sample>") -> list[str]:
    """Every import of govkit in ``source`` other than from ``ALLOWED``, as ``file:line: text``."""
    found: list[str] = []

    def report(node: ast.AST, text: str) -> None:
        found.append(f"{filename}:{node.lineno}: {text}")

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_govkit(alias.name) and alias.name not in ALLOWED:
                    report(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_govkit(node.module):
            if node.module == "govkit":
                names = [a.name for a in node.names if f"govkit.{a.name}" not in ALLOWED]
            else:
                names = [] if node.module in ALLOWED else [a.name for a in node.names]
            if names:
                report(node, f"from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            for arg in node.args[:1]:
                if (name in IMPORTING_CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        and _is_govkit(arg.value) and arg.value not in ALLOWED):
                    report(node, f"{name}({arg.value!r})")
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytest_plugins" for t in node.targets):
            for item in ast.walk(node.value):
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and _is_govkit(item.value) \
                        and item.value not in ALLOWED:
                    report(node, f"pytest_plugins {item.value!r}")
    return found


def _python_files(folder: Path) -> list[Path]:
    skip = {"build", "__pycache__", ".venv"}
    return sorted(p for p in folder.rglob("*.py")
                  if not skip.intersection(p.parts) and not any(part.endswith(".egg-info") for part in p.parts))


def _scan(files: list[Path]) -> list[str]:
    return [problem for path in files for problem in private_govkit_imports(path.read_text(encoding="utf-8"),
                                                                            str(path))]


def test_plugins_and_examples_import_govkit_only_through_the_toolkit():
    plugins, examples = _python_files(ROOT / "plugins"), _python_files(ROOT / "examples")
    assert len(plugins) >= 10 and len(examples) >= 8  # the scan really reads the packages and their tests
    assert _scan(plugins + examples) == []


def test_scaffold_output_imports_govkit_only_through_the_toolkit(tmp_path):
    target = scaffold_plugin("county-extras", tmp_path, title="本县特色")
    files = _python_files(target)
    assert {p.name for p in files} >= {"plugin.py", "notices.py", "views.py", "test_county_extras.py"}
    assert _scan(files) == []
    assert "from govkit.toolkit import" in (target / "county_extras" / "plugin.py").read_text(encoding="utf-8")


def test_checker_reports_private_imports():
    bad = '''
import govkit
import govkit.app as gapp
from govkit import hookimpl, toolkit
from govkit.printing import engine
from govkit.testing.fixtures import ensure_division
import importlib
importlib.import_module("govkit.cases.runtime")
pytest_plugins = ["govkit.testing.fixtures"]

def later():
    from govkit.db import db
'''
    assert sorted(private_govkit_imports(bad, "bad.py")) == sorted([
        "bad.py:2: import govkit", "bad.py:3: import govkit.app", "bad.py:4: from govkit import hookimpl",
        "bad.py:5: from govkit.printing import engine", "bad.py:6: from govkit.testing.fixtures import ensure_division",
        "bad.py:8: import_module('govkit.cases.runtime')", "bad.py:9: pytest_plugins 'govkit.testing.fixtures'",
        "bad.py:12: from govkit.db import db",
    ])
    good = '''
import govkit.toolkit as tk
from govkit.toolkit import hookimpl
from govkit.testing import ensure_division
from govkit_water import plugin
Path(__file__).with_name("govkit.toml")
'''
    assert private_govkit_imports(good) == []


# -- the documentation --------------------------------------------------------------------


def documentation_gaps(names: list[str], doc: str) -> tuple[set[str], set[str]]:
    """(names not documented, documented names not exported); documented = ``- `name` —`` bullets."""
    documented = set(re.findall(r"^- `(\w+)` — \S", doc, flags=re.MULTILINE))
    return set(names) - documented, documented - set(names)


def test_every_toolkit_name_is_documented_and_every_documented_name_exported():
    assert documentation_gaps(toolkit.__all__, DOC.read_text(encoding="utf-8")) == (set(), set())
    assert len(toolkit.__all__) == len(set(toolkit.__all__))


def test_documentation_check_reports_gaps():
    doc = DOC.read_text(encoding="utf-8")
    doc = doc.replace("- `hookimpl` — ", "- hookimpl — ") + "\n- `retired_name` — no longer exported.\n"
    assert documentation_gaps(toolkit.__all__, doc) == ({"hookimpl"}, {"retired_name"})


def test_docs_link_the_toolkit():
    assert "docs/plugin_toolkit.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "plugin_toolkit.md" in (ROOT / "docs" / "plugin_author_guide.md").read_text(encoding="utf-8")


# -- the module itself --------------------------------------------------------------------


def type_checking_imports(source: str) -> dict[str, tuple[str, str]]:
    """Names imported under ``if TYPE_CHECKING:`` → (module, attribute)."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.unparse(stmt)
                for alias in stmt.names:
                    found[alias.asname or alias.name] = (stmt.module, alias.name)
    return found


def eager_imports(source: str) -> set[str]:
    """Names the module imports from govkit at run time (top level, outside TYPE_CHECKING)."""
    return {alias.asname or alias.name for node in ast.parse(source).body
            if isinstance(node, ast.ImportFrom) and node.module and _is_govkit(node.module)
            for alias in node.names}


def test_lazy_table_mirrors_the_type_checking_imports_and_all_names_resolve():
    source = Path(toolkit.__file__).read_text(encoding="utf-8")
    assert type_checking_imports(source) == toolkit._LAZY
    assert set(toolkit.__all__) == eager_imports(source) | set(toolkit._LAZY)
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
    assert toolkit.print_engine.__name__ == "govkit.printing.engine"
    assert toolkit.upgrade_database.__module__ == "govkit.migrate"


def test_mirror_check_reports_a_drifted_name():
    source = Path(toolkit.__file__).read_text(encoding="utf-8")
    drifted = source.replace("    from govkit.db import Model, UTCDateTime, db, utcnow\n",
                             "    from govkit.web.db import Model, UTCDateTime, db, utcnow\n")
    assert drifted != source
    mirrored = type_checking_imports(drifted)
    assert mirrored != toolkit._LAZY and mirrored["db"] == ("govkit.web.db", "db")


def _loaded_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_toolkit_does_not_load_the_web_stack():
    assert _loaded_after("import govkit.toolkit\nfrom govkit.toolkit import hookimpl, ServiceItemSpec") == []
    # The probe sees a load: the first use of a lazy name imports its module.
    assert {"flask_appbuilder", "govkit.db"} <= set(_loaded_after("import govkit.toolkit\ngovkit.toolkit.db"))
