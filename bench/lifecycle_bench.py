"""Case lifecycle benchmark: full lifecycles through the HTTP API on a pre-filled database.

    .venv/bin/python bench/lifecycle_bench.py --backend both --prefill 1000000 --lifecycles 600 --clients 8

For each backend (SQLite file / a throwaway PostgreSQL cluster with default durability —
fsync and synchronous_commit on):

1. create the schema and seed a county (1 township, 200 villages, a published item);
2. pre-fill ``--prefill`` generated cases with bulk Core inserts (COPY on PostgreSQL),
   spread over the villages and the last two years, then ANALYZE — or, with ``--data DIR`` on
   PostgreSQL, reuse (or build once, in SQL, with the cases' history in the month partitions of
   gk_case_event) the database ``list_<prefill>`` of bench/list_bench.py's kept cluster;
3. serve the app with gunicorn or granian (``--workers`` processes × ``--threads`` threads);
4. drive ``--lifecycles`` lifecycles register → accept → forward → sign_for → assign →
   start_review → approve → complete → deliver from ``--clients`` concurrent keep-alive HTTP clients
   (a village desk user and a township user, JWT auth);
5. print lifecycles/s and p50/p95 latency per request type, the CPU seconds spent per
   lifecycle by the server workers, the PostgreSQL backends and the client, how busy the
   machine's CPUs were during the run, and a **baseline measured in the same run**: the same clients reading
   ``GET /api/v1/case/<id>/actions`` (authentication, scope, one case query, no write) —
   the ratio shows how much a transition costs over the framework's floor;
6. check the run in the database: the table held the pre-filled cases, and every lifecycle
   the clients saw succeed added one delivered case with its eight events in step order and
   one outbox message per event. Otherwise it prints NOT VERIFIED and exits 1.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's gunicorn and granian
sys.path.insert(0, str(ROOT))

from bench.machine import machine_reference  # noqa: E402

COUNTY, TOWNSHIP = "621002000000", "621002100000"
VILLAGES = [f"621002100{n:03d}" for n in range(201, 401)]
DESK_VILLAGE = VILLAGES[0]
PASSWORD = "bench-pw-123"
STEPS = ("register", "accept", "forward", "sign_for", "assign", "start_review", "approve", "complete", "deliver")
ID_NUMBER = "11010519491231002X"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def process_cpu(pids: list[int]) -> float:
    """utime + stime (seconds) of ``pids`` from /proc (0 for vanished ones)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


def cpu_busy() -> tuple[float, float, float]:
    """(busy, total, steal) CPU jiffies of the whole machine from /proc/stat.

    ``steal`` is time the hypervisor gave this VM's CPUs to someone else: on a shared
    host it makes the same work take more wall time (and more CPU time per lifecycle).
    """
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields) - idle, sum(fields), steal


def tree_pids(root: int) -> list[int]:
    """``root`` and its descendants (gunicorn master + workers, postgres + backends)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def postgres_root(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# -- databases ---------------------------------------------------------------------------


class DurablePostgres:
    """initdb + pg_ctl in a temp dir with PostgreSQL's default durability settings."""

    def __init__(self) -> None:
        from govkit.testing.services import PostgresCluster

        self.cluster = PostgresCluster()

    def start(self) -> str:
        c = self.cluster
        if c._as_root:
            shutil.chown(c.dir, "postgres")
        c._run(c.initdb, "-D", str(c.data), "-U", c.user, "--auth=trust", "-E", "UTF8", "--locale=C")
        c._run(c.pg_ctl, "-D", str(c.data), "-w", "-l", str(c.dir / "log"), "-o",
               f"-p {c.port} -k {c.dir} -c listen_addresses=127.0.0.1 -c max_connections=100 "
               "-c shared_buffers=256MB -c max_wal_size=2GB", "start")
        return c.create_database("bench")

    def stop(self) -> None:
        self.cluster.stop()


def create_schema(url: str) -> None:
    """govkit's schema as ``govkit db upgrade`` makes it (on PostgreSQL the history tables partitioned by month)."""
    from govkit.testing.databases import create_schema as create

    create(url)


def seed(config: dict) -> dict:
    """County, villages, department, item, two desk users; returns ids the prefill needs."""
    from govkit.app import create_app
    from govkit.auth.roles import sync_roles
    from govkit.catalog.models import Implementation, Material, ServiceItem
    from govkit.db import db
    from govkit.hierarchy.models import Department, Division, Staff

    app = create_app(config, load_entrypoints=False)
    with app.app_context():
        sync_roles(app.appbuilder)
        s = db.session
        county = Division(code=COUNTY, name="示范县", level=3)
        s.add(county)
        s.flush()
        township = Division(code=TOWNSHIP, name="示范镇", level=4, parent_id=county.id)
        s.add(township)
        s.flush()
        villages = [Division(code=c, name=f"第{i}村", level=5, parent_id=township.id) for i, c in enumerate(VILLAGES)]
        s.add_all(villages)
        department = Department(division_id=township.id, name="民政办")
        item = ServiceItem(basic_code="000105001000", name="最低生活保障", item_type="05")
        s.add_all([department, item])
        s.flush()
        implementation = Implementation(item_id=item.id, division_id=township.id, department_id=department.id,
                                        code="BENCH000105001000", name="最低生活保障", status="已发布",
                                        promised_days=10, legal_days=20)
        implementation.materials = [Material(name="身份证", position=1), Material(name="户口簿", position=2)]
        s.add(implementation)
        s.commit()
        sm = app.appbuilder.sm
        desk = sm.add_user("desk", "村", "受理员", "desk@example.invalid",
                           [sm.find_role("受理员"), sm.find_role("代办员")], password=PASSWORD)
        town = sm.add_user("town", "镇", "办理员", "town@example.invalid",
                           [sm.find_role("指挥中心"), sm.find_role("办理员"), sm.find_role("受理员")],
                           password=PASSWORD)
        s.add_all([Staff(user_id=desk.id, division_id=villages[0].id, duty="受理员", name="村受理员"),
                   Staff(user_id=town.id, division_id=township.id, department_id=department.id, duty="办理员",
                         name="镇办理员")])
        s.commit()
        ids = {"implementation": implementation.id, "department": department.id,
               "villages": {v.code: v.id for v in villages}, "township": township.id}
        db.session.remove()
    return ids


def column_defaults(given) -> dict:
    """The scalar Python defaults of gk_case's NOT NULL columns not in ``given`` (columns the model gained later)."""
    from govkit.cases.models import Case

    defaults = {}
    for column in Case.__table__.columns:
        if column.primary_key or column.nullable or column.name in given or column.server_default is not None:
            continue
        if column.default is not None:
            defaults[column.name] = column.default.arg if column.default.is_scalar else column.default.arg(None)
    return defaults


def ids_of(url: str) -> dict:
    """The ids :func:`seed` returned, read from a kept database."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        divisions = dict(conn.execute(sa.text("SELECT code, id FROM gk_division")).all())
        implementation, department = conn.execute(sa.text(
            "SELECT id, department_id FROM gk_implementation WHERE code = 'BENCH000105001000'")).one()
    engine.dispose()
    return {"implementation": implementation, "department": department, "township": divisions[TOWNSHIP],
            "villages": {code: divisions[code] for code in VILLAGES}}


def case_rows(n: int, ids: dict, seed_value: int = 7):
    """Generate ``n`` finished-or-running cases over two years (no commit of data files)."""
    rng = random.Random(seed_value)
    extra = None
    codes = list(ids["villages"])
    today = date.today()
    per_day: dict[tuple[str, date], int] = {}
    now = datetime.now(timezone.utc)
    for i in range(n):
        code = codes[i % len(codes)]
        day = today - timedelta(days=1 + rng.randrange(730))
        seq = per_day.get((code, day), 0) + 1
        per_day[(code, day)] = seq
        accepted = day
        due = accepted + timedelta(days=14)
        done = rng.random() < 0.9
        state = "delivered" if done else rng.choice(["accepted", "forwarded", "signed", "assigned", "in_review"])
        at_town = done or state in ("signed", "assigned", "in_review")
        row = {
            "number": f"{code}{day:%Y%m%d}{seq:04d}", "progress_token": f"bench{i:012d}", "state": state,
            "version": 1, "implementation_id": ids["implementation"],
            "accepting_division_id": ids["villages"][code], "accepting_division_code": code,
            "current_division_id": ids["township"] if at_town else ids["villages"][code],
            "current_division_code": TOWNSHIP if at_town else code, "implementing_division_code": TOWNSHIP,
            "current_department_id": ids["department"] if at_town else None,
            "applicant_name": "测试", "applicant_id_type": "居民身份证", "applicant_id_number": ID_NUMBER,
            "applicant_phone": "13800001234", "proxy_authorised": False, "form_data": "{}",
            "registered_at": now - timedelta(days=(today - day).days), "received_date": day,
            "accepted_date": accepted, "due_date": due, "due_provisional": False, "legal_due_provisional": False,
            "extension_days": 0, "time_limit_days": 10, "deemed_accepted": False,
            "completed_date": accepted + timedelta(days=rng.randrange(1, 20)) if done else None,
            "decision": "approved" if done else None,
        }
        extra = column_defaults(row) if extra is None else extra
        yield {**row, **extra}


def prefill(url: str, n: int, ids: dict) -> float:
    import sqlalchemy as sa

    from govkit.cases.models import Case

    started = time.perf_counter()
    engine = sa.create_engine(url)
    table = Case.__table__
    batch = 20000
    rows = case_rows(n, ids)
    if engine.dialect.name == "postgresql":
        columns = None
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            while True:
                chunk = [r for _, r in zip(range(batch), rows)]
                if not chunk:
                    break
                columns = columns or list(chunk[0])
                buffer = io.StringIO()
                for r in chunk:
                    buffer.write("\t".join("\\N" if r[c] is None else json.dumps(r[c]) if isinstance(r[c], (list, dict))
                                            else str(r[c]) for c in columns) + "\n")
                copy_sql = f"COPY gk_case ({', '.join(columns)}) FROM STDIN"
                if hasattr(cursor, "copy_expert"):  # psycopg2
                    buffer.seek(0)
                    cursor.copy_expert(copy_sql, buffer)
                else:  # psycopg 3
                    with cursor.copy(copy_sql) as copy:
                        copy.write(buffer.getvalue())
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    else:
        # Bulk load only: no fsync, indexes built once at the end. The server
        # later runs with the app's settings (WAL, synchronous=FULL).
        indexes = [i for i in table.indexes]
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            for index in indexes:
                index.drop(conn)
            conn.commit()
            while True:
                chunk = [r for _, r in zip(range(batch), rows)]
                if not chunk:
                    break
                for r in chunk:
                    r["form_data"] = {}
                conn.execute(table.insert(), chunk)
                conn.commit()
            for index in indexes:
                index.create(conn)
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    engine.dispose()
    return time.perf_counter() - started


# -- serving -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wsgi_app():
    """gunicorn entry: ``bench.lifecycle_bench:wsgi_app()`` with GOVKIT_* environment (``BENCH_PROFILE_DIR``: a
    cProfile of each worker's requests, written to ``<dir>/worker-<pid>.prof`` every 100 requests)."""
    from govkit.app import create_app

    app = create_app(load_entrypoints=False)
    folder = os.environ.get("BENCH_PROFILE_DIR")
    if folder:
        import cProfile  # deferred: only with --profile

        profile, served, inner = cProfile.Profile(), [0], app.wsgi_app

        def profiled(environ, start_response):
            profile.enable()
            try:
                return inner(environ, start_response)
            finally:
                profile.disable()
                served[0] += 1
                if served[0] % 100 == 0:
                    profile.dump_stats(os.path.join(folder, f"worker-{os.getpid()}.prof"))

        app.wsgi_app = profiled
    return app


def serve(env: dict, port: int, workers: int, threads: int, worker_class: str = "gthread",
          server: str = "gunicorn") -> subprocess.Popen:
    if server == "granian":
        cmd = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--blocking-threads", str(threads), "--working-dir", str(ROOT),
               "--log-level", "warning", "--factory", "bench.lifecycle_bench:wsgi_app"]
    else:
        cmd = [str(BIN / "gunicorn"), "--chdir", str(ROOT), "-b", f"127.0.0.1:{port}",
               "-w", str(workers), "--threads", str(threads), "-k", worker_class, "--log-level", "warning",
               "--keep-alive", "30", "bench.lifecycle_bench:wsgi_app()"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health-not-found")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{server} did not start")


# -- clients ----------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection with a JWT, recording latencies."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, float]:
        data = json.dumps(body or {}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        took = time.perf_counter() - started
        try:
            return response.status, json.loads(payload or b"{}"), took
        except ValueError:
            return response.status, {"raw": payload[:300].decode(errors="replace")}, took


def login(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/security/login", body=json.dumps(
        {"username": username, "password": PASSWORD, "provider": "db", "refresh": False}),
        headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"login {username}: {response.status} {body}")
    return body["access_token"]


def lifecycle(desk: Client, town: Client, ids: dict, timings: dict[str, list[float]], errors: list) -> int | None:
    """One case from registration to delivery; its id, or None after recording the failed step."""
    status, body, took = desk.call("POST", "/api/v1/case/", {
        "implementation_id": ids["implementation"], "applicant_name": "王五", "applicant_id_number": ID_NUMBER,
        "applicant_phone": "13900001111"})
    timings["register"].append(took)
    if status != 201:
        errors.append(("register", status, body))
        return None
    pk, version = body["result"]["id"], body["result"]["version"]
    plan = [(desk, "accept", {}), (desk, "forward", {}), (town, "sign_for", {}),
            (town, "assign", {"department_id": ids["department"]}), (town, "start_review", {}),
            (town, "approve", {"result_number": f"R{pk}"}),
            (town, "complete", {}), (desk, "deliver", {"method": "代办员送达", "receiver": "王五"})]
    for client, action, fields in plan:
        status, body, took = client.call("POST", f"/api/v1/case/{pk}/transition/{action}",
                                         {**fields, "version": version})
        timings[action].append(took)
        if status != 200:
            errors.append((action, status, body))
            return None
        version = body["result"]["version"]
    return pk


def drive(port: int, ids: dict, lifecycles: int, clients: int, cpu_probe, snapshot) -> dict:
    desk_token, town_token = login(port, "desk"), login(port, "town")
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list = []
    finished: list[tuple[float, int]] = []  # (perf_counter at delivery, case id)
    lock = threading.Lock()
    counter = iter(range(lifecycles))

    def worker() -> None:
        desk, town = Client(port, desk_token), Client(port, town_token)
        local = {step: [] for step in STEPS}
        ended: list[tuple[float, int]] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            pk = lifecycle(desk, town, ids, local, errors)
            if pk is not None:
                ended.append((time.perf_counter(), pk))
        with lock:
            for step in STEPS:
                timings[step].extend(local[step])
            finished.extend(ended)

    # Warm up every worker process (imports, caches, compiled statements) before timing:
    # the same concurrency as the run, so every worker serves some warm-up requests.
    def warm_up() -> None:
        warm = {step: [] for step in STEPS}
        desk, town = Client(port, desk_token), Client(port, town_token)
        for _ in range(3):
            lifecycle(desk, town, ids, warm, errors)

    in_parallel(clients, warm_up)
    if errors:
        raise RuntimeError(f"warm-up failed: {errors[:3]}")
    before = snapshot()
    yardstick_before = machine_reference()
    server_cpu0, db_cpu0, client_cpu0 = cpu_probe()
    busy0 = cpu_busy()
    started = time.perf_counter()
    in_parallel(clients, worker)
    elapsed = time.perf_counter() - started
    server_cpu1, db_cpu1, client_cpu1 = cpu_probe()
    busy1 = cpu_busy()
    total = max(busy1[1] - busy0[1], 1)
    busy = (busy1[0] - busy0[0]) / total  # share of all CPUs busy during the run
    steal = (busy1[2] - busy0[2]) / total
    after = snapshot()
    yardstick = (yardstick_before, machine_reference())
    # Throughput in four equal slices of the run: a falling rate would show growing work.
    quarters = [0] * 4
    for at, _ in finished:
        quarters[min(3, int((at - started) / elapsed * 4))] += 1

    # Baseline in the same run: the same clients reading a case's allowed actions.
    status, body, _ = Client(port, desk_token).call("POST", "/api/v1/case/", {
        "implementation_id": ids["implementation"], "applicant_name": "基线", "applicant_id_number": ID_NUMBER})
    if status != 201:
        raise RuntimeError(f"baseline case: {status} {body}")
    read_path = f"/api/v1/case/{body['result']['id']}/actions"
    reads = lifecycles * len(STEPS) // 2
    read_counter = iter(range(reads))
    read_times: list[float] = []

    def reader() -> None:
        client, local = Client(port, desk_token), []
        while True:
            with lock:
                n = next(read_counter, None)
            if n is None:
                break
            status, payload, took = client.call("GET", read_path)
            if status != 200:
                errors.append(("baseline read", status, payload))
                return
            local.append(took)
        with lock:
            read_times.extend(local)

    server_b0, db_b0, client_b0 = cpu_probe()
    read_started = time.perf_counter()
    in_parallel(clients, reader)
    read_elapsed = time.perf_counter() - read_started
    server_b1, db_b1, client_b1 = cpu_probe()
    return {"elapsed": elapsed, "completed": len(finished), "timings": timings, "quarters": quarters,
            "yardstick": yardstick, "cases": sorted(pk for _, pk in finished), "before": before, "after": after,
            "errors": errors, "busy": busy, "steal": steal,
            "cpu": {"server": server_cpu1 - server_cpu0, "db": db_cpu1 - db_cpu0, "client": client_cpu1 - client_cpu0},
            "baseline": {"requests": len(read_times), "elapsed": read_elapsed, "timings": read_times,
                         "cpu": {"server": server_b1 - server_b0, "db": db_b1 - db_b0,
                                 "client": client_b1 - client_b0}}}


def snapshot(engine) -> dict[str, int]:
    """Row counts of cases, events and outbox messages (read before and after the timed run)."""
    with engine.connect() as conn:
        return {table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                for table in ("gk_case", "gk_case_event", "gk_outbox")}


def verify(engine, prefilled: int, result: dict) -> list[str]:
    """What the database says about the timed run; a list of problems (empty when all is well).

    The figures count only if the table really held the pre-filled cases and every lifecycle
    the clients saw succeed is in the database: delivered, with one event per step in step
    order and one outbox message per event.
    """
    import sqlalchemy as sa

    problems = []
    before, after, cases = result["before"], result["after"], result["cases"]
    n = len(cases)
    if before["gk_case"] < prefilled:
        problems.append(f"the case table held {before['gk_case']:,} rows, not the {prefilled:,} pre-filled")
    if after["gk_case"] - before["gk_case"] != n:
        problems.append(f"{after['gk_case'] - before['gk_case']} cases were added for {n} lifecycles")
    events = after["gk_case_event"] - before["gk_case_event"]
    if events != n * len(STEPS):
        problems.append(f"{events} events were written for {n} lifecycles of {len(STEPS)} steps")
    if after["gk_outbox"] - before["gk_outbox"] != events:
        problems.append(f"{after['gk_outbox'] - before['gk_outbox']} outbox messages for {events} events")
    if not cases:
        return problems + ["no lifecycle completed"]
    span = {"lo": cases[0], "hi": cases[-1]}
    with engine.connect() as conn:
        delivered = conn.execute(sa.text(
            "SELECT count(*) FROM gk_case WHERE id BETWEEN :lo AND :hi AND state = 'delivered'"), span).scalar_one()
        chains: dict[int, list[str]] = {}
        for case_id, action in conn.execute(sa.text(
                "SELECT case_id, action FROM gk_case_event WHERE case_id BETWEEN :lo AND :hi ORDER BY id"), span):
            chains.setdefault(case_id, []).append(action)
    if delivered != n:
        problems.append(f"{delivered} of {n} cases of the run are in state delivered")
    wrong = [pk for pk in cases if tuple(chains.get(pk, ())) != STEPS]
    if wrong:
        problems.append(f"{len(wrong)} cases have another event chain than {' → '.join(STEPS)}, e.g. "
                        f"#{wrong[0]}: {chains.get(wrong[0])}")
    return problems


def in_parallel(clients: int, fn) -> None:
    """Run ``fn`` in ``clients`` threads at once; re-raise the first failure."""
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(fn) for _ in range(clients)]:
            f.result()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def server_label(args) -> str:
    if args.server == "granian":
        return f"granian wsgi {args.workers} workers × {args.threads} threads"
    return f"gunicorn {args.worker_class} {args.workers}×{args.threads}"


def report(backend: str, prefilled: int, prefill_seconds: float, result: dict, args) -> None:
    label = f"{backend} ({args.pg_driver})" if backend == "postgres" else backend
    print(f"\n== {label}: {prefilled:,} pre-filled cases (filled in {prefill_seconds:.0f} s), "
          f"{args.clients} clients, {server_label(args)} ==")
    rate = result["completed"] / result["elapsed"]
    print(f"lifecycles: {result['completed']} in {result['elapsed']:.1f} s → {rate:.1f} lifecycles/s "
          f"({rate * len(STEPS):.0f} requests/s); errors: {len(result['errors'])}")
    slice_rates = " / ".join(f"{q / (result['elapsed'] / 4):.1f}" for q in result["quarters"])
    print(f"lifecycles/s in each quarter of the run: {slice_rates}")
    print(f"{'request':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for step in STEPS:
        values = result["timings"][step]
        print(f"{step:<10} {len(values):>6} {percentile(values, .5) * 1000:>8.1f} "
              f"{percentile(values, .95) * 1000:>8.1f} "
              f"{(statistics.fmean(values) if values else float('nan')) * 1000:>8.1f}")
    cpu = result["cpu"]
    n = max(result["completed"], 1)
    per_request = {k: v / (n * len(STEPS)) * 1000 for k, v in cpu.items()}
    print(f"CPU per lifecycle: server workers {cpu['server'] / n * 1000:.0f} ms, "
          f"database {cpu['db'] / n * 1000:.0f} ms, "
          f"bench client {cpu['client'] / n * 1000:.0f} ms (per request: server {per_request['server']:.1f} ms, "
          f"database {per_request['db']:.1f} ms); machine CPU busy {result['busy']:.0%} of {os.cpu_count()} CPUs "
          f"(stolen by the host: {result['steal']:.0%})")
    base = result["baseline"]
    if base["requests"]:
        base_rate = base["requests"] / base["elapsed"]
        base_cpu = base["cpu"]["server"] / base["requests"] * 1000
        print(f"baseline (same run, same clients): GET /case/<id>/actions {base_rate:.0f} requests/s, "
              f"p50 {percentile(base['timings'], .5) * 1000:.1f} ms, server CPU {base_cpu:.1f} ms/request")
        print(f"ratio: a lifecycle request costs {per_request['server'] / base_cpu:.1f}× "
              "the baseline read in server CPU; "
              f"lifecycle requests/s = {rate * len(STEPS) / base_rate:.2f}× the baseline read rate")
    print(f"machine yardstick sum(range(10**7)), best of 3 on an idle machine: {result['yardstick'][0]:.3f} s CPU "
          f"before the run, {result['yardstick'][1]:.3f} s after (figures scale with it)")
    for error in result["errors"][:5]:
        print("error:", error)


def run_backend(backend: str, args) -> bool:
    """Benchmark one backend; whether the database confirmed the run."""
    import sqlalchemy as sa

    workdir = Path(tempfile.mkdtemp(prefix=f"govkit-bench-{backend}-"))
    pg = None
    proc = None
    kept = None
    try:
        built = False
        if backend == "postgres" and args.data:
            # A kept cluster (bench/list_bench.py --data DIR builds the same databases): started here with
            # PostgreSQL's default durability; the database list_<N> is generated in SQL once, with its history.
            from bench.list_bench import Cluster

            kept = Cluster(args.data)
            kept.start(durable=True)
            url, built = kept.database(f"list_{args.prefill}")
            url = url.replace("postgresql+psycopg://", f"postgresql+{args.pg_driver}://")
        elif backend == "postgres":
            pg = DurablePostgres()
            url = pg.start().replace("postgresql+psycopg://", f"postgresql+{args.pg_driver}://")
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        config = {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench-secret",
                  "COUNTY_CODE": COUNTY, "WTF_CSRF_ENABLED": False}
        if built:
            from bench.list_bench import add_missing_indexes

            add_missing_indexes(url)
            ids, seconds = ids_of(url), 0.0
            log(f"{backend}: reusing the kept database at {url}")
        else:
            log(f"{backend}: schema at {url}")
            create_schema(url)
            ids = seed(config)
            log(f"{backend}: pre-filling {args.prefill:,} cases")
            if kept is not None:
                from bench.list_bench import fill

                seconds = fill(url, args.prefill, ids)
            else:
                seconds = prefill(url, args.prefill, ids)
            log(f"{backend}: pre-filled in {seconds:.0f} s")
        port = free_port()
        env = {f"GOVKIT_{k}": str(v) for k, v in config.items()}
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            env["BENCH_PROFILE_DIR"] = str(args.profile.resolve())
        proc = serve(env, port, args.workers, args.threads, args.worker_class, args.server)
        log(f"{backend}: serving on {port}; driving {args.lifecycles} lifecycles")
        pg_root = (postgres_root(pg.cluster.data) if pg is not None
                   else postgres_root(kept.pg.data) if kept is not None else None)

        def cpu_probe() -> tuple[float, float, float]:
            server = process_cpu(tree_pids(proc.pid))
            database = process_cpu(tree_pids(pg_root)) if pg_root else 0.0
            return server, database, time.process_time()

        reader = sa.create_engine(url)
        try:
            result = drive(port, ids, args.lifecycles, args.clients, cpu_probe, lambda: snapshot(reader))
            report(backend, args.prefill, seconds, result, args)
            problems = verify(reader, args.prefill, result)
        finally:
            reader.dispose()
        if problems:
            print("NOT VERIFIED — the figures above do not count:", *problems, sep="\n  ")
            return False
        print(f"verified in the database: {result['before']['gk_case']:,} cases before the run; the "
              f"{result['completed']} lifecycles added {result['completed']} delivered cases, each with the "
              f"{len(STEPS)} events in step order, and one outbox message per event")
        return True
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        if pg is not None:
            pg.stop()
        if kept is not None:
            kept.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--prefill", type=int, default=1_000_000)
    parser.add_argument("--lifecycles", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--server", default="gunicorn", choices=("gunicorn", "granian"),
                        help="WSGI server (granian: Rust HTTP server, --threads = blocking threads per worker)")
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"),
                        help="gunicorn worker class (sync: no keep-alive, one request per connection)")
    parser.add_argument("--pg-driver", default="psycopg", choices=("psycopg", "psycopg2"),
                        help="PostgreSQL driver of the served app (psycopg 3 is what postgresql:// selects)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (database) afterwards")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a cProfile of each server worker's requests into this folder (slows the run)")


    parser.add_argument("--data", type=Path, default=None,
                        help="PostgreSQL: keep the cluster here and reuse its database list_<prefill> "
                             "(generated in SQL with its history, as bench/list_bench.py --data builds it)")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    failed = [backend for backend in backends if not run_backend(backend, args)]
    if failed:
        sys.exit(f"not verified: {', '.join(failed)}")


if __name__ == "__main__":
    main()
