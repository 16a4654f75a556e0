"""Two app nodes as one cluster, all on loopback and started by the test (issue 25, item 6).

Two gunicorn servers (separate processes, separate caches, one worker each) share a
PostgreSQL database with a streaming replica (``DATABASE_REPLICA_URL``, made with ``pg_basebackup -R``:
the public portal reads from it), a Redis (``REDIS_URL``: rate limits, cache invalidation) and a RabbitMQ
node that one outbox relay (``govkit outbox relay --amqp``) publishes to. Every node caches
for minutes (``AUTH_CACHE_SECONDS``, ``CALENDAR_CACHE_SECONDS``): only the shared state can make
a change on one node count on the other within ``SHARED_STATE_CHECK_SECONDS``. The clients go
round robin over the nodes, as a load balancer would. The test shows:

* a rate limit of the public portal enforced across both nodes;
* a login lockout earned on one node refusing the account on the other, and a logout on one
  node ending the user's token on the other;
* a calendar entry (a closure day) made on one node used by the other for the next deadline;
* a lifecycle load over both nodes while one node is killed (SIGKILL) and restarted: every
  lifecycle done once or cleanly failed, every case's events one chain without repeats, and
  every event delivered to RabbitMQ exactly once per key;
* during that load the replica is killed and restarted while a reader keeps opening public pages on
  both nodes: every page answers 200 (from the primary while the replica is down), and the nodes read
  from the replica again once it is back;
* the job queue: a scheduler per node (``govkit jobs scheduler``) enqueues a periodic job once per period for
  the cluster, and one worker (``govkit jobs worker``), killed (SIGKILL) and restarted during the load, runs
  every enqueued job once — none lost, none twice;
* the inbound consumer (``govkit inbound consume``) takes a registration the provincial platform publishes
  to RabbitMQ twice during the load (its own retry): one case, visible through both nodes.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pika
import redis
import requests
import sqlalchemy as sa

from bench import lifecycle_bench as lb
from govkit.testing.services import PostgresReplica
from tests.cases.test_outbox_amqp import take_all

SYNC_SECONDS = 0.2
LIFECYCLES = 24
QUEUE = "province.cases"
INBOUND = "province.inbound"
JOB_PERIOD = 2  # seconds: deem_accepted enqueued once per 2 s period for the cluster


def _seed(config: dict, url: str) -> dict:
    """The bench's county, item and desk users; an administrator and a clerk copied from ``desk`` in SQL
    (same password), which saves starting a second app."""
    ids = lb.seed({**config, "WTF_CSRF_ENABLED": False})
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for username, role in (("admin", "Admin"), ("clerk", "代办员")):
            conn.execute(sa.text(
                "INSERT INTO ab_user (id, first_name, last_name, username, password, active, email, created_on,"
                " changed_on) SELECT (SELECT max(id) + 1 FROM ab_user), first_name, last_name, :u, password, true, :e,"
                " created_on, changed_on"
                " FROM ab_user WHERE username = 'desk'"), {"u": username, "e": f"{username}@example.invalid"})
            conn.execute(sa.text(
                "INSERT INTO ab_user_role (id, user_id, role_id)"
                " SELECT (SELECT max(id) + 1 FROM ab_user_role), u.id, r.id FROM ab_user u, ab_role r"
                " WHERE u.username = :u AND r.name = :r"), {"u": username, "r": role})
    engine.dispose()
    return ids


class Node:
    """One gunicorn app node on its own port."""

    def __init__(self, name: str, env: dict, tmp: Path) -> None:
        self.name, self.port = name, lb.free_port()
        self.env = {**env, "GOVKIT_INSTANCE_PATH": str(tmp / name)}
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Node":
        self.proc = lb.serve(self.env, self.port, workers=1, threads=4, server="gunicorn")
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def _api_login(node: Node, password: str = lb.PASSWORD, username: str = "desk") -> requests.Response:
    return requests.post(node.base + "/api/v1/security/login", timeout=30, json={
        "username": username, "password": password, "provider": "db", "refresh": False})


class RoundRobin:
    """Client-side load balancing: each call goes to the next node; a refused connection (the
    node is down, the request never arrived) is sent to the other node. Any other failure
    (a node killed while answering) ends the lifecycle: the client cannot know what happened."""

    def __init__(self, nodes: list[Node], tokens: dict[str, str]) -> None:
        self.nodes, self.tokens, self.turn = nodes, tokens, 0
        self.served: Counter = Counter()
        self.lock = threading.Lock()

    def call(self, user: str, method: str, path: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            self.turn += 1
            order = self.nodes[self.turn % 2:] + self.nodes[:self.turn % 2]
        for node in order:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
            try:
                conn.connect()
            except ConnectionRefusedError:
                continue
            try:  # sent once: no retry of a request that may have been carried out
                conn.request(method, path, body=json.dumps(body).encode(), headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {self.tokens[user]}"})
                response = conn.getresponse()
                status, payload = response.status, json.loads(response.read() or b"{}")
            finally:
                conn.close()
            with self.lock:
                self.served[node.name] += 1
            return status, payload
        raise ConnectionRefusedError("no node answers")


def _lifecycle(balancer: RoundRobin, ids: dict) -> tuple[str, int | None]:
    """("done", id) when every step answered 200; ("failed", id or None) when a step failed."""
    try:
        status, body = balancer.call("desk", "POST", "/api/v1/case/", {
            "implementation_id": ids["implementation"], "applicant_name": "王五",
            "applicant_id_number": lb.ID_NUMBER, "applicant_phone": "13900001111"})
        if status != 201:
            return "failed", None
        pk, version = body["result"]["id"], body["result"]["version"]
        plan = [("desk", "accept", {}), ("desk", "forward", {}), ("town", "sign_for", {}),
                ("town", "assign", {"department_id": ids["department"]}), ("town", "start_review", {}),
                ("town", "approve", {"result_number": f"R{pk}"}), ("town", "complete", {}),
                ("desk", "deliver", {"method": "代办员送达", "receiver": "王五"})]
        for user, action, fields in plan:
            status, body = balancer.call(user, "POST", f"/api/v1/case/{pk}/transition/{action}",
                                         {**fields, "version": version})
            if status != 200:
                return "failed", pk
            version = body["result"]["version"]
        return "done", pk
    except (OSError, http.client.HTTPException, ValueError):  # ValueError: a body that is not JSON
        return "failed", None


def _govkit(args: list[str], env: dict, instance: Path) -> subprocess.Popen:
    """A ``govkit`` command as its own process (a scheduler, a worker, the inbound consumer)."""
    return subprocess.Popen([str(lb.BIN / "govkit"), *args], env={**os.environ, **env,
                                                                 "GOVKIT_INSTANCE_PATH": str(instance)},
                            cwd=instance.parent, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> str:
    """SIGTERM, wait, the output (SIGKILL after 30 s); "" when it was stopped before."""
    if proc.stdout is None or proc.stdout.closed:
        return ""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=30)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()[0].decode(errors="replace")


def _publish_twice(url: str, message: dict) -> None:
    """The provincial platform publishes one registration, then again (its own retry; another message id)."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(INBOUND, durable=True)
    for message_id in ("prov-1", "prov-1-retry"):
        channel.basic_publish("", INBOUND, json.dumps(message, ensure_ascii=False).encode(),
                              pika.BasicProperties(message_id=message_id, delivery_mode=2))
    connection.close()


def _replica_reads(url: str) -> int:
    """How often the replica has read the public list's table since it (re)started (its statistics start afresh
    when a killed server restarts)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM "
                                        "pg_stat_user_tables WHERE relname = 'gk_disclosure'")).scalar() or 0
    finally:
        engine.dispose()


def test_two_nodes_share_limits_sessions_calendar_and_deliver_every_event_once(
        tmp_path, govkit_databases, postgres_cluster, redis_url, rabbitmq_server):
    started = time.perf_counter()
    url = govkit_databases.copy("postgres", "schema")
    standby = PostgresReplica(postgres_cluster)  # its port now; pg_basebackup -R once the database is seeded
    standby_url = standby.url(sa.make_url(url).database)
    env = {"GOVKIT_DATABASE_URL": url, "GOVKIT_SECRET_KEY": "cluster-" * 6, "GOVKIT_COUNTY_CODE": lb.COUNTY,
           "GOVKIT_PUBLIC_BASE_URL": "http://127.0.0.1", "GOVKIT_REDIS_URL": redis_url,
           "GOVKIT_SHARED_STATE_CHECK_SECONDS": str(SYNC_SECONDS), "GOVKIT_AUTH_CACHE_SECONDS": "600",
           "GOVKIT_CALENDAR_CACHE_SECONDS": "600", "GOVKIT_PROGRESS_RATE_LIMIT": "4 per minute",
           "GOVKIT_LOGIN_MAX_FAILURES": "3", "GOVKIT_AMQP_URL": rabbitmq_server.url, "GOVKIT_AMQP_QUEUE": QUEUE,
           "GOVKIT_OUTBOX_RELAY_SECONDS": "0.2", "GOVKIT_DATABASE_REPLICA_URL": standby_url,
           "GOVKIT_REPLICA_CHECK_SECONDS": str(SYNC_SECONDS), "GOVKIT_AMQP_INBOUND_QUEUE": INBOUND,
           "GOVKIT_JOBS_SCHEDULE": json.dumps({"deem_accepted": JOB_PERIOD, "escalate": "off", "remind": "off",
                                               "monthly_report": "off", "outbox_relay": "off"}),
           "GOVKIT_JOBS_SCHEDULER_TICK_SECONDS": "0.2", "GOVKIT_JOBS_WORKER_HEARTBEAT_SECONDS": "2"}
    ids = _seed({key.removeprefix("GOVKIT_"): value for key, value in env.items()} | {"INSTANCE_PATH": str(tmp_path)},
                url)
    seeded = time.perf_counter() - started
    with ThreadPoolExecutor(3) as pool:
        replica_started = pool.submit(standby.start)
        a, b = pool.map(lambda name: Node(name, env, tmp_path).start(), ["a", "b"])
    relay = _govkit(["outbox", "relay", "--amqp", "--batch", "50"], env, tmp_path / "relay")
    schedulers = [_govkit(["jobs", "scheduler"], env, tmp_path / name) for name in ("a", "b")]  # one per node
    workers = [_govkit(["jobs", "worker"], env, tmp_path / "worker")]
    consumer = _govkit(["inbound", "consume"], env, tmp_path / "inbound")
    jobs = redis.Redis.from_url(redis_url)
    engine = sa.create_engine(url)
    try:
        replica_started.result()  # raises here (nodes and relay stopped below) if pg_basebackup failed
        print(f"\ncluster on loopback (PostgreSQL + replica, Redis, RabbitMQ, 2 gunicorn nodes, 1 relay, "
              f"2 job schedulers, 1 job worker, 1 inbound consumer): "
              f"database seeded in "
              f"{seeded:.1f} s, nodes serving at {time.perf_counter() - started:.1f} s; load average "
              f"{' '.join(open('/proc/loadavg').read().split()[:3])}")

        # -- a rate limit across both nodes: 4 lookups per minute per address, wherever they land
        browser = requests.Session()
        token = _csrf(browser.get(a.base + "/public/progress", timeout=30).text)
        codes = [browser.post(node.base + "/public/progress", timeout=30,
                              data={"no": "NOPE", "f": "1234", "csrf_token": token}).status_code
                 for node in (a, b, a, b, a, b)]
        print(f"rate limit 4/min, lookups alternating a,b,a,b,a,b: {codes}")
        assert codes == [200, 200, 200, 200, 429, 429]

        # -- a lockout earned on node a refuses the account on node b
        assert _api_login(b, username="clerk").status_code == 200
        failures = [_api_login(a, "wrong-password", username="clerk").status_code for _ in range(3)]
        locked = _api_login(b, username="clerk")
        print(f"login lockout: 3 wrong passwords on a {failures}, then the right one on b → {locked.status_code}")
        assert failures == [401, 401, 401] and locked.status_code != 200

        # -- a logout on node a ends the user's token on node b (which cached the epoch for 600 s)
        desk_token = _api_login(a).json()["access_token"]
        list_cases = lambda node: requests.get(node.base + "/api/v1/case/", timeout=30,  # noqa: E731
                                               headers={"Authorization": f"Bearer {desk_token}"}).status_code
        assert list_cases(b) == 200
        browser = requests.Session()
        login_page = browser.get(a.base + "/login/", timeout=30).text
        browser.post(a.base + "/login/", timeout=30, allow_redirects=False,
                     data={"username": "desk", "password": lb.PASSWORD, "csrf_token": _csrf(login_page)})
        home = browser.get(a.base + "/", timeout=30).text
        out = browser.post(a.base + "/logout/", data={"csrf_token": _csrf(home)}, timeout=30, allow_redirects=False)
        assert out.status_code == 302
        time.sleep(SYNC_SECONDS * 2)
        after = list_cases(b)
        print(f"logout on a: desk's token on b 200 before, {after} after")
        assert after == 401

        # -- a closure day entered on node a moves the next deadline computed on node b
        tokens = {"desk": _api_login(a).json()["access_token"],
                  "town": _api_login(a, username="town").json()["access_token"]}
        on_b = RoundRobin([b], tokens)

        def accepted_due() -> date:
            _, body = on_b.call("desk", "POST", "/api/v1/case/", {
                "implementation_id": ids["implementation"], "applicant_name": "赵六",
                "applicant_id_number": lb.ID_NUMBER})
            status, body = on_b.call("desk", "POST", f"/api/v1/case/{body['result']['id']}/transition/accept",
                                     {"version": body["result"]["version"]})
            assert status == 200, body
            return date.fromisoformat(body["result"]["due_date"])

        first_due = accepted_due()  # node b now holds the calendar in its cache
        admin = requests.Session()
        page = admin.get(a.base + "/login/", timeout=30).text
        admin.post(a.base + "/login/", timeout=30,
                   data={"username": "admin", "password": lb.PASSWORD, "csrf_token": _csrf(page)})
        form = admin.get(a.base + "/calendar/days/add", timeout=30).text
        added = admin.post(a.base + "/calendar/days/add", timeout=30, data={
            "day": first_due.isoformat(), "is_working": "False", "name": "防汛停止办公", "csrf_token": _csrf(form)})
        assert added.status_code == 200 and "日历调整已保存" in added.text
        time.sleep(SYNC_SECONDS * 2)
        second_due = accepted_due()
        print(f"closure day {first_due} entered on a: a deadline accepted on b moves {first_due} → {second_due}")
        assert second_due > first_due and second_due - first_due <= timedelta(days=4)

        # -- the job queue is up before the load: a scheduler has enqueued a job and the worker has run it
        deadline = time.monotonic() + 120
        while not jobs.hget("govkit:jobs:runs", "deem_accepted") and time.monotonic() < deadline:
            time.sleep(0.1)
        jobs_up = time.monotonic()

        # -- a lifecycle load over both nodes; node a is killed and restarted in the middle
        balancer = RoundRobin([a, b], tokens)
        outcomes: list[tuple[str, int | None]] = []
        lock = threading.Lock()
        todo = iter(range(LIFECYCLES))

        def client() -> None:
            while next(todo, None) is not None:
                outcome = _lifecycle(balancer, ids)
                with lock:
                    outcomes.append(outcome)

        # -- and a reader of public pages on both nodes, while the replica is killed and restarted
        pages: list[tuple[float, int]] = []  # (time into the load, status) of every answered page
        reading = threading.Event()

        def reader() -> None:
            turn = 0
            while not reading.is_set():
                turn += 1
                try:
                    status = requests.get((a, b)[turn % 2].base + "/public/disclosures", timeout=30).status_code
                except (requests.ConnectionError, requests.Timeout):  # node a down, killed mid-answer or booting
                    time.sleep(0.05)
                    continue
                pages.append((time.perf_counter() - load_started, status))
                time.sleep(0.05)

        load_started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads + [page_reader := threading.Thread(target=reader, daemon=True)]:
            thread.start()
        deadline = time.monotonic() + 60
        while len(outcomes) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the platform publishes a registration twice; the job worker is killed (SIGKILL) and started again
        _publish_twice(rabbitmq_server.url, {
            "kind": "registration", "key": "prov-cluster-000001", "item_code": "000105001000",
            "receiving_division_code": lb.VILLAGES[0], "received_at": "2026-12-05T09:30:00+08:00",
            "applicant": {"name": "孙七", "id_number": lb.ID_NUMBER}})
        worker_crash: dict[str, float] = {}

        def kill_worker() -> None:  # SIGKILL while it holds a job (taken, not yet acknowledged), if within 2 periods
            until = time.monotonic() + 5 * JOB_PERIOD
            while time.monotonic() < until and not (held := jobs.eval(  # Dramatiq's sets of the workers' taken jobs
                    "local n = 0 for _, w in ipairs(redis.call('zrange', KEYS[1], 0, -1)) do"
                    " n = n + redis.call('scard', ARGV[1] .. w .. '.govkit') end return n",
                    1, "govkit-jobs:__heartbeats__", "govkit-jobs:__acks__.")):
                time.sleep(0.002)
            os.killpg(workers[0].pid, signal.SIGKILL)
            worker_crash.update(at=time.perf_counter() - load_started, held=held)
            workers.append(_govkit(["jobs", "worker"], env, tmp_path / "worker"))

        (worker_crasher := threading.Thread(target=kill_worker)).start()
        a.kill()
        killed_at = time.perf_counter() - load_started
        crash: dict[str, float] = {}

        def replica_crash() -> None:  # while node a restarts: the replica stops as a crash would, for 1 s and
            # until a public page was answered meanwhile (a reader's request to node a, still booting, can hold
            # the reader for the whole second: on a quick machine no page fell into a fixed 1 s window)
            standby.halt()
            crash["down"] = time.perf_counter() - load_started
            time.sleep(1.0)
            until = time.monotonic() + 30
            while time.monotonic() < until and not any(at >= crash["down"] for at, _ in list(pages)):
                time.sleep(0.05)
            standby.serve()
            crash["back"] = time.perf_counter() - load_started

        (crasher := threading.Thread(target=replica_crash)).start()
        a.start()
        restarted_at = time.perf_counter() - load_started
        crasher.join(60)
        replica_down, replica_back = crash["down"], crash["back"]
        for thread in threads + [worker_crasher]:
            thread.join(120)
        load_seconds = time.perf_counter() - load_started
        deadline = time.monotonic() + 15  # a node tries a replica it found down again within 5 s
        while not (scans := _replica_reads(standby_url)) and time.monotonic() < deadline:
            time.sleep(0.2)
        reading.set()
        page_reader.join(60)
        done = [pk for what, pk in outcomes if what == "done"]
        print(f"load: {len(outcomes)} lifecycles by 6 clients in {load_seconds:.1f} s, node a killed at "
              f"{killed_at:.1f} s and serving again at {restarted_at:.1f} s; {len(done)} done, "
              f"{len(outcomes) - len(done)} cleanly failed; requests served {dict(balancer.served)}")
        assert len(outcomes) == LIFECYCLES and len(done) >= LIFECYCLES // 2 and len(set(done)) == len(done)

        # -- public pages: all answered, also while the replica was down; the replica used again after its restart
        while_down = [status for at, status in pages if replica_down <= at <= replica_back]
        print(f"replica killed at {replica_down:.1f} s, serving again at {replica_back:.1f} s: {len(pages)} public "
              f"pages {dict(Counter(status for _, status in pages))}, {len(while_down)} while it was down; "
              f"{scans} reads of gk_disclosure on the replica after its restart")
        assert {status for _, status in pages} == {200} and while_down and scans > 0

        # -- the job queue: each period enqueued once by the two schedulers, each job run once by the worker. The
        # schedulers run for at least three more periods after the first job ran, however fast the load went (on a
        # quick machine the load and the replica's restart took 3 s, and only 2 periods had been enqueued)
        time.sleep(max(0.0, jobs_up + 3 * JOB_PERIOD + 0.5 - time.monotonic()))
        for scheduler in schedulers:
            scheduler.send_signal(signal.SIGTERM)
        periods = [re.findall(r"已放入队列：deem_accepted.*周期 (\d+)", _stop(s)) for s in schedulers]
        claimed = [int(p) for found in periods for p in found]
        # the killed worker's jobs come back 2 s after its last heartbeat, once the new worker has started; 30 s
        # was once too short on a CI machine at load 2.5 (a run missing; if it happens again, the workers' output
        # is in the assertion's message)
        waiting = time.monotonic()
        deadline = waiting + 90
        while time.monotonic() < deadline:
            runs = int(jobs.hget("govkit:jobs:runs", "deem_accepted") or 0)
            if runs >= len(claimed):
                break
            time.sleep(0.2)
        failures = int(jobs.hget("govkit:jobs:failures", "deem_accepted") or 0)
        print(f"jobs: 2 schedulers enqueued deem_accepted for {len(claimed)} periods of {JOB_PERIOD} s "
              f"(a {len(periods[0])}, b {len(periods[1])}, {len(claimed) - len(set(claimed))} periods twice); "
              f"worker killed at {worker_crash['at']:.1f} s holding {worker_crash['held']:.0f} job(s), started again; "
              f"{runs} runs, {failures} failed, {len(claimed) - runs} lost "
              f"({time.monotonic() - waiting:.1f} s waited after the schedulers stopped)")
        assert len(claimed) >= 3 and len(set(claimed)) == len(claimed) and runs == len(claimed) and not failures, (
            f"last run {jobs.hget('govkit:jobs:last', 'deem_accepted')!r}; queued {jobs.llen('govkit-jobs:govkit')}; "
            "the workers printed:\n" + "\n---\n".join(_stop(w)[-3000:] for w in workers))
        assert worker_crash["held"] >= 1  # killed while it had taken a job: that job ran once, on the new worker

        # -- the inbound registration: one case, visible through both nodes
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                inbound = conn.execute(sa.text("SELECT case_id, status, error FROM gk_inbound_message")).all()
            if inbound:
                break
            time.sleep(0.2)
        with engine.connect() as conn:
            applicants = conn.execute(sa.text("SELECT count(*) FROM gk_case WHERE applicant_name = '孙七'")).scalar()
        [(inbound_case, inbound_status, error)] = inbound
        seen = {node.name: requests.get(f"{node.base}/api/v1/case/{inbound_case}", timeout=30,
                                        headers={"Authorization": f"Bearer {tokens['desk']}"}) for node in (a, b)}
        numbers = {name: r.json()["result"]["number"] for name, r in seen.items() if r.status_code == 200}
        print(f"inbound: a registration published twice → {applicants} case ({inbound_status}), "
              f"{len(inbound)} record; through the nodes {({n: r.status_code for n, r in seen.items()})}")
        assert applicants == 1 and inbound_status == "已处理", error
        assert len(numbers) == 2 and len(set(numbers.values())) == 1

        # -- the database: every case one chain of events without repeats; done ones complete
        with engine.connect() as conn:
            cases = conn.execute(sa.text("SELECT id, version FROM gk_case")).all()
            chains: dict[int, list[str]] = {}
            for case_id, action in conn.execute(sa.text("SELECT case_id, action FROM gk_case_event ORDER BY id")):
                chains.setdefault(case_id, []).append(action)
        for case_id, version in cases:
            chain = [step for step in chains[case_id] if step != "deadline_recomputed"]
            assert chain == list(lb.STEPS[:len(chain)]), (case_id, chains[case_id])
            assert version == len(chains[case_id]), (case_id, version, chains[case_id])  # +1 per event
        assert all(chains[pk] == list(lb.STEPS) for pk in done)

        # -- RabbitMQ: once the relay has drained the outbox, every key exactly once
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(sa.text("SELECT count(*) FROM gk_outbox WHERE sent_at IS NULL")).scalar()
            if pending == 0:
                break
            time.sleep(0.2)
        with engine.connect() as conn:
            keys = Counter(conn.execute(sa.text("SELECT key FROM gk_outbox")).scalars())
            events = conn.execute(sa.text("SELECT count(*) FROM gk_case_event")).scalar()
        delivered = Counter(message_id for message_id, _ in take_all(rabbitmq_server.url, QUEUE))
        print(f"outbox → RabbitMQ: {events} events, {len(keys)} outbox keys, {sum(delivered.values())} messages "
              f"delivered, {sum(n > 1 for n in delivered.values())} keys twice, pending {pending}")
        assert pending == 0 and sum(keys.values()) == events and delivered == keys
    finally:
        for node in (a, b):
            node.kill(signal.SIGTERM)
        for proc in (*schedulers, *workers, consumer):
            _stop(proc)
        output = _stop(relay)
        jobs.close()
        engine.dispose()
        standby.stop()
        print(f"relay: {output.strip().splitlines()[-1:] or output}; whole test {time.perf_counter() - started:.1f} s")
    assert relay.returncode == 0, output
    govkit_databases.drop(url)
    sys.stdout.flush()
