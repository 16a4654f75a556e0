"""Which database backend(s) each test runs on: ``--govkit-db`` and the ``both_backends`` marker.

A test runs on a database when it uses the ``govkit_backend`` fixture, directly or through
``govkit_db_url``, ``app``, ``make_app``, ``client``, ``db``, ``login_as`` …

- ``--govkit-db=sqlite`` (the default, or ``$GOVKIT_TEST_DB``) runs every such test on SQLite,
  ``--govkit-db=postgres`` every one on a throwaway PostgreSQL cluster.
- ``--govkit-db=both`` runs a test on SQLite *and* PostgreSQL when the test depends on the
  database, and on SQLite only otherwise. Which tests depend on it is set by the ini option
  ``govkit_db_both``:

  ``all`` (the default)
      every test using the database runs on both;
  ``marked`` (govkit's own suite)
      only tests marked ``both_backends`` run on both: what exercises SQL semantics — writes,
      queries and filters, counts and aggregates, imports, migrations, concurrency and
      locking, statement counts, dialect-specific code. Screens, printing, settings, plugin
      loading and other logic that merely stores rows run on SQLite.

- ``@pytest.mark.backends("postgres")`` (or ``"sqlite"``) restricts a test to the named
  backends whatever the option says.

``pytest --govkit-db=both -o govkit_db_both=all`` runs a ``marked`` suite on both backends in full.
"""
from __future__ import annotations

import os

import pytest

BACKENDS = ("sqlite", "postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("govkit")
    group.addoption(
        "--govkit-db",
        default=os.environ.get("GOVKIT_TEST_DB", "sqlite"),
        choices=("sqlite", "postgres", "both"),
        help="database backend(s) for tests using the app (default: $GOVKIT_TEST_DB or sqlite); "
             "with 'both', see the ini option govkit_db_both",
    )
    parser.addini(
        "govkit_db_both",
        "under --govkit-db=both: 'all' runs every database test on both backends, 'marked' only "
        "tests marked both_backends (the rest on SQLite)",
        default="all",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): restrict a test to these database backends")
    config.addinivalue_line(
        "markers",
        "both_backends: the test depends on the database (SQL semantics); --govkit-db=both runs it on "
        "SQLite and PostgreSQL even when the ini option govkit_db_both is 'marked'",
    )
    if config.getini("govkit_db_both") not in ("all", "marked"):
        raise pytest.UsageError("govkit_db_both must be 'all' or 'marked'")


def backends_for(config: pytest.Config, node) -> list[str]:
    """The backends a test (its definition ``node``) runs on; see the module docstring."""
    choice = config.getoption("--govkit-db")
    if choice != "both":
        backends = [choice]
    elif config.getini("govkit_db_both") == "all" or node.get_closest_marker("both_backends"):
        backends = list(BACKENDS)
    else:
        backends = ["sqlite"]
    marker = node.get_closest_marker("backends")
    if marker:
        backends = [b for b in backends if b in marker.args] or list(marker.args)
    return backends


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "govkit_backend" in metafunc.fixturenames:
        metafunc.parametrize("govkit_backend", backends_for(metafunc.config, metafunc.definition), scope="session")
