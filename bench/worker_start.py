"""Benchmark: web workers starting together — wall time, and errors logged by the permission synchronisation.

    .venv/bin/python bench/worker_start.py [--workers 4] [--runs 3] [--baseline DIR]

Starts a throwaway PostgreSQL cluster, builds a database with ``govkit db upgrade``, then starts
``--workers`` processes at once that each build the app as a gunicorn worker does (``create_app()`` with the
config file), in two situations: a **restart** (every permission row present) and after a **plugin with new
screens** (the view, permission-view and grant rows deleted first, so everything must be written). Prints per
run the wall time of all of them, each worker's own time and the error lines in their logs.

``--baseline DIR`` also runs the same from another checkout of govkit (e.g. the commit before a change), the two
alternating run by run, and prints both medians and their ratio. Each side imports govkit from its own
folder (``PYTHONPATH``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine_reference  # noqa: E402

#: One worker: build the app as gunicorn does (``create_app()`` with the config file), INFO logs on stderr.
WORKER = """
import logging, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
started = time.perf_counter()
from govkit import create_app
create_app(sys.argv[1], load_entrypoints=sys.argv[2] == "entrypoints")
print(f"took {time.perf_counter() - started:.2f}", file=sys.stderr)
"""


def start_together(code: Path, config: Path, workdir: Path, n: int,
                   entrypoints: bool = True) -> tuple[float, list[subprocess.CompletedProcess]]:
    """Start ``n`` workers importing govkit from ``code`` at once and wait for all: (wall s, each worker's exit
    code and output). The output goes to files, not pipes: a worker waiting for another's lock must not wait on a
    pipe nobody reads meanwhile. ``tests/test_permission_sync.py`` starts its workers through this too."""
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("GOVKIT_CONFIG", None)
    logs = [workdir / f"worker-{i}.log" for i in range(n)]
    started = time.perf_counter()
    workers = []
    for log in logs:
        with open(log, "w", encoding="utf-8") as out:
            workers.append(subprocess.Popen(
                [sys.executable, "-c", WORKER, str(config), "entrypoints" if entrypoints else "none"], env=env,
                cwd=workdir, stdout=out, stderr=subprocess.STDOUT))
    codes = [worker.wait(timeout=600) for worker in workers]
    wall = time.perf_counter() - started
    return wall, [subprocess.CompletedProcess(worker.args, code, log.read_text("utf-8"), "")
                  for worker, code, log in zip(workers, codes, logs)]


def timed(code: Path, config: Path, workdir: Path, n: int) -> tuple[float, list[float], int]:
    """(wall s, each worker's s, error lines) of ``n`` workers starting together."""
    wall, workers = start_together(code, config, workdir, n)
    for worker in workers:
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed: {worker.stdout[-2000:]}")
    lines = [line for worker in workers for line in worker.stdout.splitlines()]
    return (wall, [float(line.split()[1]) for line in lines if line.startswith("took ")],
            sum("Error" in line for line in lines))


def delete_permissions(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in ("ab_permission_view_role", "ab_permission_view", "ab_view_menu"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="another govkit checkout to compare with")
    args = parser.parse_args()

    from govkit.testing.services import start_postgres

    print(f"worker start bench — {args.workers} workers at once, {args.runs} runs; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}, yardstick {machine_reference():.3f} s")
    cluster = start_postgres()
    if cluster is None:
        raise SystemExit("PostgreSQL (initdb/pg_ctl) is needed")
    sides = [("this checkout", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    results: dict[tuple[str, str], list[tuple[float, list[float], int]]] = {}
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE worker_start"))
        admin.dispose()
        url = cluster.url("worker_start")
        with tempfile.TemporaryDirectory(prefix="govkit-worker-start-") as tmp:
            workdir = Path(tmp)
            config = workdir / "govkit.toml"
            config.write_text(f'[govkit]\nDATABASE_URL = "{url}"\nINSTANCE_PATH = "{workdir / "instance"}"\n'
                              'SECRET_KEY = "worker-start-bench"\nCOUNTY_CODE = "621002000000"\n'
                              'PUBLIC_BASE_URL = "https://zwfw.example.gov.cn"\n', encoding="utf-8")
            env = dict(os.environ, PYTHONPATH=str(ROOT), GOVKIT_CONFIG=str(config))
            subprocess.run([sys.executable, "-c", "from govkit.cli import main; main(['db', 'upgrade'])"], env=env,
                           cwd=workdir, check=True, capture_output=True)
            for run in range(1, args.runs + 1):
                for label, code in (sides if run % 2 else sides[::-1]):
                    for case in ("restart", "new screens"):
                        if case == "new screens":
                            delete_permissions(url)
                        result = timed(code, config, workdir, args.workers)
                        results.setdefault((label, case), []).append(result)
                        wall, each, errors = result
                        print(f"  run {run} {label:<13} {case:<11} {wall:6.2f} s for all, each "
                              f"{min(each):.2f}–{max(each):.2f} s, {errors} error lines  "
                              f"load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        cluster.stop()
    for case in ("restart", "new screens"):
        medians = {label: statistics.median(r[0] for r in results[(label, case)]) for label, _ in sides}
        errors = {label: [r[2] for r in results[(label, case)]] for label, _ in sides}
        line = ", ".join(f"{label} {medians[label]:.2f} s (errors {errors[label]})" for label, _ in sides)
        ratio = (f"; baseline / this = ×{medians['baseline'] / medians['this checkout']:.2f}"
                 if args.baseline else "")
        print(f"{case}: median wall of {args.runs} runs: {line}{ratio}")
    print(f"end load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
