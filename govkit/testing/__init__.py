"""pytest plugin for govkit and county plugin authors (entry point ``pytest11``).

Fixtures: ``govkit_db_url`` (SQLite, or PostgreSQL with ``--govkit-db=postgres``),
``app``, ``client``, ``db``, ``login_as(role, division_code)``, ``register_plugin``
(create an app with an extra plugin for one test) and ``govkit_databases`` (seeded
template databases copied per test).

``--govkit-db=sqlite|postgres|both`` picks the backends; under ``both`` the ini option
``govkit_db_both`` (``all`` or ``marked``) and the ``both_backends`` marker decide which
tests run on both (see :mod:`govkit.testing.backends`).
Set ``GOVKIT_REQUIRE_SERVICES=1`` (CI does) to make tests fail, not skip, when
PostgreSQL, slapd, Chromium or poppler are missing.
"""
from govkit.testing.backends import pytest_addoption, pytest_configure, pytest_generate_tests  # noqa: F401
from govkit.testing.fixtures import *  # noqa: F401,F403
