"""What the cluster's shared parts cost (issue 25): Redis sync per request, and the outbox relay to RabbitMQ.

Starts PostgreSQL, Redis and RabbitMQ on loopback (govkit.testing.services), then measures, each
``--runs`` times (median printed, with every run and the load average):

* **shared state**: the time of one version check (what a node does before a request, at most
  every ``SHARED_STATE_CHECK_SECONDS``) against a PostgreSQL ``SELECT 1`` round trip (baseline);
* **relay**: outbox rows/s from PostgreSQL: printed to /dev/null (baseline: the drain itself),
  published to RabbitMQ with confirms by one relay, and by three relays in parallel (SKIP LOCKED).

``.venv/bin/python -m bench.cluster_bench [--rows 3000] [--requests 5000] [--runs 3]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=5000, help="version checks per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from govkit.cases.outbox import AmqpSender, print_sender
    from govkit.testing.databases import create_schema
    from govkit.testing.services import start_postgres, start_rabbitmq, start_redis

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
        print(f"\nload average at the end: {load()}")
    finally:
        rabbit.stop()
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
