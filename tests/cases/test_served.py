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

        def run(_: int) -> list[int | None]:
            a, b = lb.Client(port, desk), lb.Client(port, town)
            return [lb.lifecycle(a, b, ids, timings, errors) for _ in range(4)]

        engine = sa.create_engine(url)
        before = lb.snapshot(engine)
        with ThreadPoolExecutor(6) as pool:
            pks = [pk for batch in pool.map(run, range(6)) for pk in batch]
        assert errors == [] and None not in pks and len(set(pks)) == 24
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    with engine.connect() as conn:
        cases = conn.execute(sa.text("SELECT number, state, version FROM gk_case")).all()
        events = conn.execute(sa.text("SELECT count(*) FROM gk_case_event")).scalar()
        outbox = conn.execute(sa.text("SELECT count(*) FROM gk_outbox")).scalar()
    assert len(cases) == 24 and len({c.number for c in cases}) == 24  # unique numbers across workers
    assert {(c.state, c.version) for c in cases} == {("delivered", len(lb.STEPS))}  # version 1 at 登记, +1 per step
    assert events == outbox == 24 * len(lb.STEPS)

    # The benchmark's own database check agrees, and it sees a lost event.
    run_result = {"before": before, "after": lb.snapshot(engine), "cases": sorted(pks)}
    assert lb.verify(engine, 0, run_result) == []
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM gk_case_event WHERE case_id = :pk AND action = 'sign_for'"), {"pk": pks[0]})
    problems = lb.verify(engine, 0, {**run_result, "after": lb.snapshot(engine)})
    engine.dispose()
    assert problems == [f"{24 * len(lb.STEPS) - 1} events were written for 24 lifecycles of {len(lb.STEPS)} steps",
                        f"{24 * len(lb.STEPS)} outbox messages for {24 * len(lb.STEPS) - 1} events",
                        f"1 cases have another event chain than {' → '.join(lb.STEPS)}, e.g. #{pks[0]}: "
                        f"{[s for s in lb.STEPS if s != 'sign_for']}"]
