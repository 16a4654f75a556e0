"""The case API under the real WSGI servers of docs/deployment.md, several worker processes
writing one SQLite file at once (the cross-process writer queue of govkit.sqlite_writers)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import lifecycle_bench as lb

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server: str, port: int, env: dict) -> subprocess.Popen:
    root = Path(lb.__file__).resolve().parent.parent
    if server == "granian":
        cmd = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "3", "--working-dir", str(root), "--log-level", "warning", "--factory",
               "bench.lifecycle_bench:wsgi_app"]
    else:
        cmd = [str(BIN / "gunicorn"), "--chdir", str(root), "-b", f"127.0.0.1:{port}", "-w", "3",
               "-k", "gthread", "--threads", "1", "--log-level", "warning", "bench.lifecycle_bench:wsgi_app()"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{server} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/public/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"{server} did not start")


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_concurrent_lifecycles_under_a_real_server(tmp_path, server):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    lb.create_schema(url)
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "served-" * 6,
              "COUNTY_CODE": lb.COUNTY}
    ids = lb.seed({**config, "WTF_CSRF_ENABLED": False})
    port = free_port()
    proc = start(server, port, {f"GOVKIT_{k}": str(v) for k, v in config.items()})
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
