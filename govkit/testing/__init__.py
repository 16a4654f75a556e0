"""pytest plugin for govkit and county plugin authors (entry point ``pytest11``).

Fixtures: ``govkit_db_url`` (SQLite, or PostgreSQL with ``--govkit-db=postgres``),
``app``, ``client``, ``db``, ``login_as(role, division_code)`` and
``register_plugin`` (create an app with an extra plugin for one test).
Set ``GOVKIT_REQUIRE_SERVICES=1`` (CI does) to make tests fail, not skip, when
PostgreSQL, slapd, Chromium or poppler are missing.
"""
from govkit.testing.fixtures import *  # noqa: F401,F403
from govkit.testing.fixtures import pytest_addoption  # noqa: F401
