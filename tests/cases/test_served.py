"""The case API under the real WSGI servers of docs/deployment.md, several worker processes
writing one SQLite file at once (the cross-process writer queue of govkit.sqlite_writers)."""
from __future__ import annotations

import http.client
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bench import lifecycle_bench as lb


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_concurrent_lifecycles_under_a_real_server(tmp_path, server):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    lb.create_schema(url)
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "served-" * 6,
              "COUNTY_CODE": lb.COUNTY}
    ids = lb.seed({**config, "WTF_CSRF_ENABLED": False})
    port = lb.free_port()
    proc = lb.serve({f"GOVKIT_{k}": str(v) for k, v in config.items()}, port, workers=3, threads=1, server=server)
    try:
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        page.request("GET", "/public/")
        response = page.getresponse()
        response.read()
        assert response.status == 302  # to the county's own page
        page.request("GET", response.getheader("Location"))
        response = page.getresponse()
        assert response.status == 200 and "示范县" in response.read().decode("utf-8")
        desk, town = lb.login(port, "desk"), lb.login(port, "town")
        timings = {step: [] for step in lb.STEPS}
        errors: list = []

        def run(_: int) -> int:
            a, b = lb.Client(port, desk), lb.Client(port, town)
            return sum(lb.lifecycle(a, b, ids, timings, errors) for _ in range(4))

        with ThreadPoolExecutor(6) as pool:
            done = sum(pool.map(run, range(6)))
        assert errors == [] and done == 24
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        cases = conn.execute(sa.text("SELECT number, state, version FROM gk_case")).all()
        events = conn.execute(sa.text("SELECT count(*) FROM gk_case_event")).scalar()
        outbox = conn.execute(sa.text("SELECT count(*) FROM gk_outbox")).scalar()
    engine.dispose()
    assert len(cases) == 24 and len({c.number for c in cases}) == 24  # unique numbers across workers
    assert {(c.state, c.version) for c in cases} == {("delivered", 8)}
    assert events == outbox == 24 * len(lb.STEPS)
