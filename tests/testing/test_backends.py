"""govkit.testing.backends: which tests --govkit-db=both runs on PostgreSQL too."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from govkit.testing.backends import backends_for, pytest_configure


class Node:
    def __init__(self, *marks) -> None:
        self.marks = {mark.name: mark for mark in marks}

    def get_closest_marker(self, name):
        return self.marks.get(name)


def config(db: str, both: str = "marked"):
    return SimpleNamespace(getoption=lambda name: db, getini=lambda name: both)


@pytest.mark.parametrize(("db", "both", "marks", "expected"), [
    ("both", "marked", [], ["sqlite"]),
    ("both", "marked", [pytest.mark.both_backends.mark], ["sqlite", "postgres"]),
    ("both", "all", [], ["sqlite", "postgres"]),
    ("both", "marked", [pytest.mark.backends("postgres").mark], ["postgres"]),
    ("both", "marked", [pytest.mark.both_backends.mark, pytest.mark.backends("sqlite").mark], ["sqlite"]),
    ("sqlite", "marked", [pytest.mark.both_backends.mark], ["sqlite"]),
    ("postgres", "marked", [], ["postgres"]),
    ("sqlite", "all", [pytest.mark.backends("postgres").mark], ["postgres"]),
])
def test_rule(db, both, marks, expected):
    assert backends_for(config(db, both), Node(*marks)) == expected


def test_ini_option_and_marker_reach_collection(tmp_path):
    """A plugin author's project: 'all' by default, 'marked' when the ini says so."""
    (tmp_path / "test_sample.py").write_text(textwrap.dedent("""
        import pytest

        def test_screen(govkit_backend):
            pass

        @pytest.mark.both_backends
        def test_query(govkit_backend):
            pass
    """), encoding="utf-8")

    def collected(*args: str) -> set[str]:
        result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                 "-p", "no:xdist", "--govkit-db=both", *args], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return {line for line in result.stdout.splitlines() if "::" in line}

    every = {f"test_sample.py::test_{name}[{db}]" for name in ("screen", "query") for db in ("sqlite", "postgres")}
    assert collected() == every
    assert collected("-o", "govkit_db_both=marked") == every - {"test_sample.py::test_screen[postgres]"}


def test_an_unknown_ini_value_is_a_usage_error():
    bad = SimpleNamespace(getini=lambda name: "some", addinivalue_line=lambda *args: None)
    with pytest.raises(pytest.UsageError, match="govkit_db_both must be 'all' or 'marked'"):
        pytest_configure(bad)
