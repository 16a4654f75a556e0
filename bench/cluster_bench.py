"""What the cluster's shared parts cost (issue 25): Redis sync per request, and the outbox relay to RabbitMQ.

Starts PostgreSQL, Redis and RabbitMQ on loopback (govkit.testing.services), then measures, each
``--runs`` times (median printed, with every run and the load average):

* **shared state**: the time of one version check (what a node does before a request, at most
  every ``SHARED_STATE_CHECK_SECONDS``) against a PostgreSQL ``SELECT 1`` round trip (baseline);
* **relay**: outbox rows/s from PostgreSQL: printed to /dev/null (baseline: the drain itself),
  published to RabbitMQ with confirms by one relay, and by three relays in parallel (SKIP LOCKED);
* **replica lag** (a streaming replica made with ``pg_basebackup -R``): while ``--writers`` threads commit
  case-event-sized rows as fast as they can for ``--seconds``, a probe measures what the app nodes measure
  (:meth:`govkit.web.replica.ReplicaRouter.probe`: 0 when the replica has replayed the primary's WAL position,
  else the age of its last replayed transaction) and the WAL bytes the replica is behind, every 50 ms;
  baseline: the same probe with no writes;
* **read offload**: public pages (``/public/disclosures``) per second served by one gunicorn node whose
  public reads go to the replica (``DATABASE_REPLICA_URL``) against the same node reading from the primary
  (baseline), with the share of the database's transactions each server answered.

``.venv/bin/python -m bench.cluster_bench [--rows 3000] [--requests 5000] [--runs 3] [--only replica]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import tempfile

import sqlalchemy as sa
from sqlalchemy.orm import Session


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def sync_microseconds(pg_url: str, redis_url: str, calls: int) -> tuple[float, float]:
    """(µs per Redis version check, µs per PostgreSQL ``SELECT 1``): what a node adds before a request,
    next to the cheapest round trip every request already makes."""
    from govkit.web.shared import NodeSync, RedisState

    sync = NodeSync(RedisState(redis_url), interval=0)
    sync.seen = sync.backend.versions()
    app = None  # no topic moves during the run, so nothing is dropped
    started = time.perf_counter()
    for _ in range(calls):
        sync.sync(app)
    redis_us = (time.perf_counter() - started) / calls * 1e6
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        started = time.perf_counter()
        for _ in range(calls):
            conn.execute(sa.text("SELECT 1")).scalar()
        pg_us = (time.perf_counter() - started) / calls * 1e6
    engine.dispose()
    return redis_us, pg_us


def relay_rate(url: str, rows: int, sender_factory, relays: int) -> float:
    from govkit.cases.models import OutboxMessage
    from govkit.cases.outbox import relay

    engine = sa.create_engine(url, pool_size=relays + 1)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM gk_outbox"))
    with Session(engine) as session:
        session.add_all(OutboxMessage(topic="case.accept", key=uuid.uuid4().hex, payload={"n": n, "case": "X" * 40})
                        for n in range(rows))
        session.commit()

    def pending() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM gk_outbox WHERE sent_at IS NULL")).scalar()

    def run() -> None:
        sender = sender_factory()
        with Session(engine) as session:
            relay(session, sender, batch_size=100, interval=0.01, stopped=lambda: pending() == 0)
        getattr(sender, "close", lambda: None)()

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(relays)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    engine.dispose()
    return rows / took


def replica_lag(primary_url: str, replica_url: str, seconds: float, writers: int) -> dict[str, float]:
    """Lag figures while ``writers`` threads commit rows (10 per transaction) for ``seconds`` (0 writers: idle)."""
    from govkit.web.replica import ReplicaRouter, lsn

    primary, replica = sa.create_engine(primary_url, pool_size=writers + 2), sa.create_engine(replica_url)
    router = ReplicaRouter(primary, replica, max_lag=5.0, interval=0.0)
    stop, written = threading.Event(), [0] * max(writers, 1)
    payload = '{"case": "' + "X" * 300 + '"}'  # about the size of a case event's outbox row

    def write(n: int) -> None:
        with primary.connect() as conn:
            while not stop.is_set():
                conn.execute(sa.text("INSERT INTO gk_outbox (topic, key, payload, attempts, created_at) VALUES "
                                     + ", ".join(f"('case.accept', :k{i}, CAST(:p AS json), 0, now())"
                                                 for i in range(10))),
                             {"p": payload, **{f"k{i}": uuid.uuid4().hex for i in range(10)}})
                conn.commit()
                written[n] += 10

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    lags, behind = [], []
    with primary.connect() as conn:
        wal_start = lsn(conn.execute(sa.text("SELECT CAST(pg_current_wal_lsn() AS text)")).scalar())
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        status = router.probe()
        with primary.connect() as conn:
            wal = lsn(conn.execute(sa.text("SELECT CAST(pg_current_wal_lsn() AS text)")).scalar())
        lags.append(status.lag * 1000 if status.up else float("inf"))
        behind.append(max(wal - status.replayed, 0))
        time.sleep(0.05)
    took = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    with primary.connect() as conn:
        wal_end = lsn(conn.execute(sa.text("SELECT CAST(pg_current_wal_lsn() AS text)")).scalar())
    primary.dispose()
    replica.dispose()
    lags.sort()
    return {"rows_s": sum(written[:writers]) / took, "wal_mb_s": (wal_end - wal_start) / took / 1e6,
            "lag_median_ms": statistics.median(lags), "lag_p95_ms": lags[int(len(lags) * 0.95) - 1],
            "lag_max_ms": lags[-1], "behind_median_kb": statistics.median(behind) / 1024,
            "behind_max_kb": max(behind) / 1024, "samples": len(lags)}


def _transactions(url: str, database: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :d"),
                             {"d": database}).scalar()
    engine.dispose()
    return count


def page_rate(port: int, seconds: float, clients: int) -> float:
    """Public pages/s from ``clients`` threads for ``seconds`` (every answer must be 200)."""
    import requests

    def client(_: int) -> int:
        session, pages = requests.Session(), 0
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            response = session.get(f"http://127.0.0.1:{port}/public/disclosures", timeout=30)
            assert response.status_code == 200, response.status_code
            pages += 1
        return pages

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        pages = sum(pool.map(client, range(clients)))
    return pages / (time.perf_counter() - started)


def read_offload(url: str, replica_url: str, database: str, runs: int, seconds: float, clients: int
                 ) -> dict[str, list[float]]:
    """Pages/s from one gunicorn node (2 workers × 4 threads) reading the public pages from the replica and
    from the primary, and the replica's share of the transactions during the replica runs."""
    from bench import lifecycle_bench as lb

    workdir = Path(tempfile.mkdtemp(prefix="govkit-cluster-bench-"))
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench-secret" * 4,
              "COUNTY_CODE": lb.COUNTY, "REPLICA_CHECK_SECONDS": 1.0}
    lb.seed({**config, "WTF_CSRF_ENABLED": False})
    results: dict[str, list[float]] = {"replica": [], "primary": [], "replica_share": []}
    for routed in ("replica", "primary"):
        env = {f"GOVKIT_{k}": str(v) for k, v in config.items()}
        if routed == "replica":
            env["GOVKIT_DATABASE_REPLICA_URL"] = replica_url
        port = lb.free_port()
        proc = lb.serve(env, port, workers=2, threads=4)
        try:
            page_rate(port, 2.0, clients)  # warm up: workers loaded, replica measured
            for _ in range(runs):
                before = _transactions(url, database), _transactions(replica_url, database)
                results[routed].append(page_rate(port, seconds, clients))
                after = _transactions(url, database), _transactions(replica_url, database)
                if routed == "replica":
                    on_primary, on_replica = after[0] - before[0], after[1] - before[1]
                    results["replica_share"].append(on_replica / max(on_primary + on_replica, 1))
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(30)
    return results


def replica_figures(pg, args) -> None:
    from govkit.testing.databases import create_schema
    from govkit.testing.services import PostgresReplica

    url = pg.create_database("replica_bench")
    create_schema(url)
    standby = PostgresReplica(pg).start()
    replica_url = standby.url("replica_bench")
    try:
        print(f"\nreplica (PostgreSQL {'fsync=off, synchronous_commit=off'} on loopback, the same 2 cores), "
              f"load average {load()}")
        idle = [replica_lag(url, replica_url, args.seconds, 0) for _ in range(args.runs)]
        busy = [replica_lag(url, replica_url, args.seconds, args.writers) for _ in range(args.runs)]

        def med(runs: list[dict], key: str) -> float:
            return statistics.median(run[key] for run in runs)

        print(f"  idle (baseline): lag median {med(idle, 'lag_median_ms'):.1f} ms, "
              f"p95 {med(idle, 'lag_p95_ms'):.1f} ms; behind median {med(idle, 'behind_median_kb'):.1f} KiB")
        print(f"  {args.writers} writers, {med(busy, 'rows_s'):.0f} rows/s committed (10 per transaction), "
              f"WAL {med(busy, 'wal_mb_s'):.2f} MB/s: lag median {med(busy, 'lag_median_ms'):.1f} ms, p95 "
              f"{med(busy, 'lag_p95_ms'):.1f} ms, max {med(busy, 'lag_max_ms'):.1f} ms; behind median "
              f"{med(busy, 'behind_median_kb'):.1f} KiB, max {med(busy, 'behind_max_kb'):.1f} KiB "
              f"(median of {args.runs}; runs lag p95 {[round(r['lag_p95_ms'], 1) for r in busy]} ms, "
              f"rows/s {[round(r['rows_s']) for r in busy]})")
        print(f"  load average after the write runs: {load()}")
        offload = read_offload(url, replica_url, "replica_bench", args.runs, args.seconds, args.clients)
        replica, primary = statistics.median(offload["replica"]), statistics.median(offload["primary"])
        print(f"  public pages/s, 1 gunicorn node 2×4, {args.clients} clients, {args.seconds:g} s, median of "
              f"{args.runs}: reads from the replica {replica:.1f} (runs {[round(r, 1) for r in offload['replica']]}), "
              f"from the primary (baseline) {primary:.1f} (runs {[round(r, 1) for r in offload['primary']]}), "
              f"×{replica / primary:.2f}; replica's share of the transactions "
              f"{statistics.median(offload['replica_share']):.0%}")
    finally:
        standby.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=5000, help="version checks per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one replica lag / page run")
    parser.add_argument("--writers", type=int, default=4, help="writer threads of the replica lag runs")
    parser.add_argument("--clients", type=int, default=8, help="page clients of the read offload runs")
    parser.add_argument("--only", choices=("replica",), help="measure only the replica figures")
    args = parser.parse_args()

    from govkit.cases.outbox import AmqpSender, print_sender
    from govkit.testing.databases import create_schema
    from govkit.testing.services import start_postgres, start_rabbitmq, start_redis

    if args.only == "replica":
        pg = start_postgres()
        try:
            print(f"load average at start: {load()}")
            replica_figures(pg, args)
            print(f"\nload average at the end: {load()}")
        finally:
            pg.stop()
        return
    pg, redis, rabbit = start_postgres(), start_redis(), start_rabbitmq()
    try:
        url = pg.create_database("cluster_bench")
        create_schema(url)
        print(f"load average at start: {load()}")
        checks = [sync_microseconds(url, redis.url, args.requests) for _ in range(args.runs)]
        redis_us, pg_us = (statistics.median(c[i] for c in checks) for i in (0, 1))
        print(f"\nshared state: one version check (Redis MGET of every topic) before a request, {args.requests} "
              f"checks, median of {args.runs}: {redis_us:.0f} µs; baseline PostgreSQL SELECT 1: {pg_us:.0f} µs "
              f"(×{redis_us / pg_us:.2f}); runs {[(round(r), round(p)) for r, p in checks]}")

        devnull = open(os.devnull, "w")
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        senders = {"drain to /dev/null (baseline)": (lambda: print_sender(devnull), 1),
                   "RabbitMQ, confirms, 1 relay": (lambda: AmqpSender(rabbit.url, "bench.outbox", queue), 1),
                   "RabbitMQ, confirms, 3 relays": (lambda: AmqpSender(rabbit.url, "bench.outbox", queue), 3)}
        rates = {name: [] for name in senders}
        for _ in range(args.runs):
            for name, (factory, relays) in senders.items():
                rates[name].append(relay_rate(url, args.rows, factory, relays))
        base = statistics.median(rates["drain to /dev/null (baseline)"])
        print(f"\nrelay: outbox rows/s from PostgreSQL, {args.rows} rows, batches of 100, median of {args.runs}")
        for name, runs in rates.items():
            median = statistics.median(runs)
            print(f"  {name:34s} {median:8.0f} rows/s  ×{median / base:.2f}  runs {[round(r) for r in runs]}")
        replica_figures(pg, args)
        print(f"\nload average at the end: {load()}")
    finally:
        rabbit.stop()
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
