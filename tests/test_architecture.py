"""The import structure of docs/architecture.md: no cycle between units, only allowed imports,
imports inside functions only where documented, domain services free of Flask."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.archscan import (disallowed_imports, find_cycle, module_name, parse_allowed, undocumented_deferred,
                            unit_graph)

ROOT = Path(__file__).resolve().parent.parent
GOVKIT = ROOT / "govkit"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
FLASK_PACKAGES = ("flask", "flask_appbuilder")


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- no cycle between units -----------------------------------------------------------------


def test_units_import_each_other_without_a_cycle():
    assert find_cycle(unit_graph(GOVKIT)) is None


def test_cycle_check_reports_a_cycle_between_units(tmp_path):
    """Guard: two units importing each other at module level form a cycle; inside a function
    they do not; a domain's screens may import a unit that imports the domain's core."""
    pkg = _write(tmp_path / "pkg", {
        "__init__.py": "",
        "a/__init__.py": "",
        "a/models.py": "from pkg.b import thing\n",
        "a/views.py": "from pkg.web import base\n",
        "b.py": "from pkg.a import models\nthing = 1\n",
        "web.py": "import pkg.a.models\n\ndef base():\n    from pkg.a import views  # deferred: test\n",
    })
    assert find_cycle(unit_graph(pkg)) == ["a", "b", "a"]
    (pkg / "b.py").write_text("thing = 1\n\ndef late():\n    from pkg.a import models\n", encoding="utf-8")
    assert find_cycle(unit_graph(pkg)) is None
    assert unit_graph(pkg)["a screens"] == {"web": ["pkg.a.views:1"]}
    assert undocumented_deferred(pkg) == ["pkg.b:4"]


# -- the allowed-imports table of docs/architecture.md ------------------------------------


def test_architecture_doc_allows_every_import_between_units():
    allowed = parse_allowed(ARCHITECTURE.read_text(encoding="utf-8"))
    assert disallowed_imports(unit_graph(GOVKIT), allowed) == []
    assert find_cycle(allowed) is None


def test_architecture_doc_has_a_paragraph_per_unit():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    units = {unit for unit in unit_graph(GOVKIT) if not unit.endswith(" screens")}
    assert [unit for unit in sorted(units) if f"**`{unit}`**" not in text] == []


def test_doc_check_reports_an_import_the_table_does_not_list():
    """Guard: an edge missing from the table, and a unit without a row, are reported."""
    table = parse_allowed("| Unit | May import |\n|---|---|\n| `a` | `b` |\n| `b` | — |\n")
    assert table == {"a": {"b"}, "b": set()}
    graph = {"a": {"b": ["pkg.a:1"], "c": ["pkg.a:2"]}, "b": {}, "c": {}}
    assert disallowed_imports(graph, table) == ["c: not in the table", "a → c (e.g. pkg.a:2) is not allowed"]
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


# -- imports inside functions ---------------------------------------------------------------


def test_imports_inside_functions_say_why():
    assert undocumented_deferred(GOVKIT) == []


# -- domain services without Flask --------------------------------------------------------

SERVICE_MODULES = sorted(module_name(GOVKIT, path) for name in ("services", "workflow", "calendar")
                         for path in GOVKIT.rglob(f"{name}.py"))


def flask_loaded_by(module: str, path: Path = ROOT) -> list[str]:
    """The Flask packages in sys.modules after importing ``module`` in a fresh interpreter."""
    code = (f"import importlib, json, sys; sys.path.insert(0, {str(path)!r}); importlib.import_module({module!r}); "
            f"print(json.dumps([name for name in {FLASK_PACKAGES!r} if name in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_domain_has_its_services_checked():
    assert {"govkit.catalog.services", "govkit.hierarchy.services", "govkit.supervision.services",
            "govkit.cases.workflow", "govkit.cases.calendar"} <= set(SERVICE_MODULES)


@pytest.mark.parametrize("module", SERVICE_MODULES)
def test_domain_services_import_without_flask(module):
    assert flask_loaded_by(module) == []


def test_flask_check_reports_a_module_that_imports_flask(tmp_path):
    """Guard: a services module importing Flask (even through another module) is reported."""
    _write(tmp_path, {"bad_pkg/__init__.py": "", "bad_pkg/glue.py": "import flask_appbuilder\n",
                      "bad_pkg/services.py": "from bad_pkg import glue\n"})
    assert flask_loaded_by("bad_pkg.services", tmp_path) == ["flask", "flask_appbuilder"]


#: Modules that must run without Flask and must not reach for it even inside a function (an import-time
#: check cannot see a deferred import): the domain services plus the audit trail, which the CLI and jobs use.
#: The built-in plugins (govkit.builtins) register screens when their hook runs and may import Flask there.
FLASK_FREE_SOURCES = [*(m for m in SERVICE_MODULES if not m.startswith("govkit.builtins.")), "govkit.audit.trail"]


def flask_imports_in_source(path: Path) -> list[str]:
    """Every import of a Flask package anywhere in ``path``'s source, deferred ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        found += [f"{node.lineno}: {n}" for n in names if n.split(".")[0] in (*FLASK_PACKAGES, "flask_login")]
    return found


@pytest.mark.parametrize("module", FLASK_FREE_SOURCES)
def test_flask_free_modules_do_not_import_flask_even_deferred(module):
    assert flask_imports_in_source(ROOT / (module.replace(".", "/") + ".py")) == []


def test_source_check_reports_a_deferred_flask_import(tmp_path):
    """Guard: an import inside a function is found too."""
    path = _write(tmp_path, {"m.py": "def f():\n    from flask import has_request_context\n"}) / "m.py"
    assert flask_imports_in_source(path) == ["2: flask"]
