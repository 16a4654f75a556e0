"""Shared test configuration; fixtures come from the govkit.testing pytest plugin."""
import contextlib
import fcntl
import os
import sys
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

# The calendar tests work through real dates: 2025/2026 from the chinesecalendar package and
# a December 2026 case whose deadline stays provisional (暂定) until an admin enters 2027.
# A later package release that ships 2027 would make those dates final by itself, so the
# suite reads the package as 1.11 ships it (2004–2026) whatever version pip installed.
# Trimmed before govkit.cases.calendar reads the package (it does so once, at import).
PACKAGE_LAST_YEAR = 2026
assert "govkit.cases.calendar" not in sys.modules, "trim the package before govkit reads it"
for _table in (chinese_calendar.holidays, chinese_calendar.workdays, chinese_calendar.constants.in_lieu_days):
    for _day in [d for d in _table if isinstance(d, date) and d.year > PACKAGE_LAST_YEAR]:
        del _table[_day]

ARTIFACTS = Path(os.environ.get("GOVKIT_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder where tests save screenshots and rendered pages for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- Running in parallel (pytest-xdist, `make test` uses -n 2) -------------------------------
# Each worker has its own PostgreSQL cluster, slapd, temp folders and ports (govkit.testing).
# What they share is this virtualenv: a test that pip-installs a throwaway plugin changes
# the entry points every app and `govkit` command of the other worker would load. Such tests
# (fixture ``installed_plugin`` or marker ``changes_venv``) run in one xdist group and hold
# the venv exclusively; every other test holds it shared. Tests of the RabbitMQ node share one worker.
VENV_LOCK = Path(sys.prefix) / ".govkit-tests-venv.lock"


def _changes_venv(item) -> bool:
    uses_pip = "installed_plugin" in getattr(item, "fixturenames", ())
    return uses_pip or item.get_closest_marker("changes_venv") is not None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group from the markers
def pytest_collection_modifyitems(items):
    for item in items:
        if _changes_venv(item):
            item.add_marker(pytest.mark.xdist_group("venv"))
        elif "rabbitmq_server" in getattr(item, "fixturenames", ()) and item.config.pluginmanager.hasplugin("xdist"):
            # One RabbitMQ node per run (≈10 s to start): its tests go to one worker.
            item.add_marker(pytest.mark.xdist_group("rabbitmq"))


@contextlib.contextmanager
def _venv_lock(exclusive: bool):
    # A turnstile keeps a waiting writer from being starved by the other worker's readers.
    with open(VENV_LOCK.with_suffix(".turnstile"), "a+") as turnstile, open(VENV_LOCK, "a+") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if not exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if exclusive:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _venv_guard(request):
    """Under xdist: exclusive hold of the venv for tests that change it, shared for the rest."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    with _venv_lock(_changes_venv(request.node)):
        yield
