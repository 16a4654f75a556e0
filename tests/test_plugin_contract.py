"""The plugin contract: every hook documented with its signature, every hook tested, called through one door."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from govkit import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugin_hooks.md"


def hook_specs():
    return [(name, f) for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "govkit_spec")]


def signature_text(name, function) -> str:
    sig = inspect.signature(function)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def test_hookspecs_have_docstrings():
    for name, function in hook_specs():
        assert (function.__doc__ or "").strip(), f"hook {name} has no docstring"


@pytest.mark.parametrize("name,function", hook_specs(), ids=[n for n, _ in hook_specs()])
def test_plugin_hooks_are_documented(name, function):
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"^### {name}$", text, re.M), f"docs/plugin_hooks.md has no section for {name}"
    assert signature_text(name, function) in text, (
        f"docs/plugin_hooks.md does not show the exact signature: {signature_text(name, function)}"
    )


def _test_sources() -> str:
    files = list((ROOT / "tests").rglob("*.py")) + list((ROOT / "plugins").rglob("tests/**/*.py"))
    files += list((ROOT / "examples").rglob("tests/**/*.py"))
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p.name != Path(__file__).name)


@pytest.mark.parametrize("name", [n for n, _ in hook_specs()])
def test_plugin_hooks_have_tests(name):
    """A test-side implementation of each hook exists (a fake plugin or an inline one)."""
    sources = _test_sources()
    assert re.search(rf"def {name}\(", sources), f"no test implements hook {name}"


# --- One door: only govkit/plugins.py reads pluggy's implementation lists ---------------------

PLUGGY_INSIDES = {"get_hookimpls", "_hookimpls", "_hookexec", "get_hookcallers", "call_extra"}


def hook_door_violations(source: str, filename: str) -> list[str]:
    """Where code reads pluggy's hook internals or uses ``x.hook.<name>`` other than by calling it."""
    tree = ast.parse(source, filename)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in PLUGGY_INSIDES:
            found.append(f"{filename}:{node.lineno}: {node.attr}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "hook":
            if id(node) not in called:
                found.append(f"{filename}:{node.lineno}: .hook.{node.attr} used without calling it")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and node.args and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "hook"):
            found.append(f"{filename}:{node.lineno}: getattr on .hook")
    return found


def _shipped_sources():
    """govkit (but its plugin manager), the plugins, the examples and the scaffold's templates, as Python."""
    for top in ("govkit", "plugins", "examples"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path != ROOT / "govkit" / "plugins.py" and ".venv" not in path.parts:
                yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "govkit" / "cli" / "scaffold").rglob("*.py.tmpl")):  # string.Template: $name
        yield path, re.sub(r"\$\{?(\w+)\}?", r"\1", path.read_text(encoding="utf-8").replace("$$", "$"))


def test_hooks_are_called_only_through_the_plugin_manager():
    """Order and argument filtering live in GovkitPluginManager (docs/plugin_hooks.md, *Order*), nowhere else."""
    sources = list(_shipped_sources())
    assert any(path.name == "workflow.py" for path, _ in sources)
    found = [v for path, text in sources for v in hook_door_violations(text, str(path.relative_to(ROOT)))]
    assert not found, "call hooks through pm.results/collect/calls or pm.hook.<name>(...):\n" + "\n".join(found)


def test_guard_hook_door_scan_reports_hand_written_loops():
    """The scan above can fail: the workflow's old loop and other ways around the manager are reported."""
    old_workflow = (
        "def _collect_plugin_actions(self, pm):\n"
        "    for impl in reversed(pm.hook.register_workflow_actions.get_hookimpls()):\n"
        "        self._add(impl.function() or [], impl.plugin_name)\n"
    )
    assert hook_door_violations(old_workflow, "workflow.py") == [
        "workflow.py:2: get_hookimpls", "workflow.py:2: .hook.register_workflow_actions used without calling it"]
    assert hook_door_violations("caller = pm.hook.startup\n", "a.py") == [
        "a.py:1: .hook.startup used without calling it"]
    assert hook_door_violations("getattr(pm.hook, name)(settings=s)\n", "b.py") == ["b.py:1: getattr on .hook"]
    assert hook_door_violations("pm._hookexec(name, impls, {}, False)\n", "c.py") == ["c.py:1: _hookexec"]
    assert hook_door_violations("pm.hook.startup(app=app, settings=s)\npm.results('x')\n", "ok.py") == []
