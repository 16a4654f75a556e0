"""Web workers starting together: one of them writes FAB's missing permissions, the others find them there.

Every gunicorn worker builds the app. FAB's own start-up update read "does this permission exist?" and then
inserted it, so workers starting at the same moment raced on the same rows (hundreds of unique-key errors
in their logs). govkit checks in two queries and writes under a lock (govkit.auth.permsync).
"""
from __future__ import annotations

import subprocess
import textwrap

import pytest
import sqlalchemy as sa

from bench.worker_start import ROOT, start_together

WROTE = "已将视图与菜单的权限写入数据库"


def _start_together(config, n: int) -> list[subprocess.CompletedProcess]:
    """``n`` workers (this checkout, no entry-point plugins) started at once; their exit codes and output."""
    return start_together(ROOT, config, config.parent, n, entrypoints=False)[1]


def _grants(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM ab_permission_view_role"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_workers_starting_together_write_missing_permissions_once_without_errors(
        backend, tmp_path, govkit_databases):
    url = govkit_databases.copy(backend, "schema", as_name=f"permsync_{backend}")
    config = tmp_path / "govkit.toml"
    config.write_text(textwrap.dedent(f"""
        [govkit]
        DATABASE_URL = "{url}"
        INSTANCE_PATH = "{tmp_path / 'instance'}"
        SECRET_KEY = "permsync-test"
        COUNTY_CODE = "621002000000"
        PUBLIC_BASE_URL = "https://zwfw.example.gov.cn"
    """), encoding="utf-8")

    first = _start_together(config, 1)  # a fresh database: this one writes everything
    assert first[0].returncode == 0, first[0].stdout
    assert WROTE in first[0].stdout
    full = _grants(url)
    assert full > 100

    engine = sa.create_engine(url)
    with engine.begin() as conn:  # as after installing a plugin with new views: their rows are missing
        for table in ("ab_permission_view_role", "ab_permission_view", "ab_view_menu"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()
    assert _grants(url) == 0

    workers = _start_together(config, 3)
    for worker in workers:
        assert worker.returncode == 0, worker.stdout
        for bad in ("UniqueViolation", "IntegrityError", "UNIQUE constraint failed", "Error"):
            assert bad not in worker.stdout, worker.stdout
    assert sum(WROTE in worker.stdout for worker in workers) == 1, [w.stdout[-2000:] for w in workers]
    assert _grants(url) == full

    again = _start_together(config, 2)  # a restart: nothing is missing, nobody writes
    assert all(w.returncode == 0 and WROTE not in w.stdout for w in again), [w.stdout[-2000:] for w in again]
    assert _grants(url) == full
