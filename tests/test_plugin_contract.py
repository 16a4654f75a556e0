"""The plugin contract: every hook documented with its signature, every hook tested."""
from __future__ import annotations

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
