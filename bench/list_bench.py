"""List, queue and dashboard benchmark at 10k / 100k / 1M cases on PostgreSQL (issue 23, goals 1, 2 and 5).

    .venv/bin/python bench/list_bench.py --sizes 10000,100000,1000000 --rounds 3 --requests 20 --data /tmp/lb

For each size: a database in one PostgreSQL cluster (``--data DIR`` keeps the cluster and its databases, so
the 1M database is built once and reused by later runs), the lifecycle bench's county (1 township, 200
villages, one item) and cases generated in SQL (``generate_series``: 90 % delivered, 10 % open, due dates over
two years, so about a tenth of the rows are overdue) with their history (2–3 events a case in the month
partitions of gk_case_event), then ANALYZE. One govkit app serves, in-process through
Flask's test client (no HTTP server — server time only), govkit's pages and a **plain FAB ModelView over the
same model** (``/plaincaseview/list/``, FAB's SQLAInterface, exact COUNT, lazy loads) registered in the same
app, for a county supervisor (监察) and a village clerk (受理员). Per page it prints: the median of
``--rounds`` rounds (each the median of ``--requests`` requests, after two warm-up requests) in ms, the SQL
statements of one request, the ratio to the plain FAB page and to the page's raw query run alone (the same
statement govkit's code builds, through a bare connection), the load average, and at the end the growth
from the smallest to the largest size and ``EXPLAIN`` of the list filters. The menu badge counts are timed
uncached (what every page paid before) and cached (what a page pays now).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lifecycle_bench import COUNTY, PASSWORD, TOWNSHIP, create_schema, seed  # noqa: E402
from bench.machine import machine_reference  # noqa: E402

SUPERVISOR = "county"


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- database ------------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in ``data`` (created once; kept when ``keep``), fsync off like the test clusters."""

    def __init__(self, data: Path | None) -> None:
        from govkit.testing.services import PostgresCluster, free_port

        self.pg = PostgresCluster()
        self.keep = data is not None
        if data is not None:
            shutil.rmtree(self.pg.dir, ignore_errors=True)
            self.pg.dir = data.resolve()
            self.pg.data = self.pg.dir / "data"
        self.pg.port = free_port()

    def start(self, durable: bool = False) -> None:
        """Start the server; ``durable``: PostgreSQL's default fsync and synchronous_commit (the lifecycle bench)."""
        pg = self.pg
        pg.dir.mkdir(parents=True, exist_ok=True)
        if pg._as_root:
            shutil.chown(pg.dir, "postgres")
        if not (pg.data / "PG_VERSION").exists():
            pg._run(pg.initdb, "-D", str(pg.data), "-U", pg.user, "--auth=trust", "-E", "UTF8", "--locale=C")
        pg._run(pg.pg_ctl, "-D", str(pg.data), "-w", "-l", str(pg.dir / "log"), "-o",
                f"-p {pg.port} -k {pg.dir} -c listen_addresses=127.0.0.1 -c max_connections=100 "
                + ("" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off ")
                + "-c shared_buffers=256MB -c max_wal_size=2GB", "start")

    def database(self, name: str) -> tuple[str, bool]:
        """(url, already built) of database ``name``."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.pg.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            built = False
            if exists:
                url_engine = sa.create_engine(self.pg.url(name))
                with url_engine.connect() as db_conn:
                    built = bool(db_conn.scalar(sa.text(
                        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'bench_built'")))
                url_engine.dispose()
            if not built:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.pg.url(name), built

    def stop(self) -> None:
        pg = self.pg
        try:
            pg._run(pg.pg_ctl, "-D", str(pg.data), "-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass
        if not self.keep:
            shutil.rmtree(pg.dir, ignore_errors=True)


def _defaults() -> tuple[str, str]:
    """``, col, …`` and ``, value, …`` for the NOT NULL columns with a scalar Python default not set in fill()."""
    import sqlalchemy as sa

    from govkit.cases.models import Case

    given = {"number", "progress_token", "state", "version", "implementation_id", "accepting_division_id",
             "accepting_division_code", "current_division_id", "current_division_code", "implementing_division_code",
             "current_department_id", "applicant_name", "applicant_id_type", "applicant_id_number",
             "applicant_phone", "proxy_authorised", "form_data", "registered_at", "received_date", "accepted_date",
             "due_date", "due_provisional", "legal_due_provisional", "extension_days", "time_limit_days",
             "deemed_accepted", "completed_date", "decision", "intake_due_provisional", "supplement_due_provisional"}
    names, values = [], []
    for column in Case.__table__.columns:
        if column.primary_key or column.nullable or column.name in given or column.server_default is not None:
            continue
        default = None
        if column.default is not None:
            default = column.default.arg if column.default.is_scalar else column.default.arg(None)
        if isinstance(default, (list, dict)):
            default = json.dumps(default)
        if default is None:
            raise SystemExit(f"list bench: no value for gk_case.{column.name}")
        names.append(column.name)
        values.append(str(sa.literal(default).compile(compile_kwargs={"literal_binds": True})))
    return "".join(", " + n for n in names), "".join(", " + v for v in values)


#: The history of a generated case (gk_case_event, partitioned by month on PostgreSQL): registered and accepted on
#: its day, delivered on its completion day; about 2.9 events a case, spread over the two years the cases cover.
HISTORY = """
    INSERT INTO gk_case_event (case_id, action, from_state, to_state, actor_name, division_code, at, data)
    SELECT c.id, s.action, s.from_state, s.to_state, '系统', c.accepting_division_code, s.at, '{}'
    FROM gk_case c CROSS JOIN LATERAL (VALUES
        ('register', NULL, 'registered', c.registered_at),
        ('accept', 'registered', 'accepted', c.registered_at + interval '2 hours'),
        ('deliver', 'completed', 'delivered', c.completed_date + interval '10 hours'))
        AS s(action, from_state, to_state, at)
    WHERE s.action <> 'deliver' OR c.completed_date IS NOT NULL"""


def _secondary_indexes(conn, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the indexes of ``tables`` that back no constraint (dropped while filling)."""
    import sqlalchemy as sa

    return [tuple(row) for row in conn.execute(sa.text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = ANY (CAST(:t AS regclass[])) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AND NOT c.relispartition"),
        {"t": list(tables)})]


def fill(url: str, n: int, ids: dict) -> float:
    """``n`` generated cases in one INSERT … SELECT FROM generate_series (as bench/lifecycle_bench.py's rows),
    and their history (:data:`HISTORY`) in the month partitions of gk_case_event.

    Built like a bulk load: foreign-key checks off for the loading session (``session_replication_role``), the
    secondary indexes dropped and built once at the end, the months' partitions created first."""
    import sqlalchemy as sa

    from govkit.partitions import ensure_partitions

    started = time.perf_counter()
    engine = sa.create_engine(url)
    villages = sorted(ids["villages"].items())
    extra_names, extra_values = _defaults()
    with engine.begin() as conn:
        ensure_partitions(conn, since=date.today() - timedelta(days=800))
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
        indexes = _secondary_indexes(conn, ("gk_case", "gk_case_event"))
        for name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        conn.execute(sa.text("CREATE TEMP TABLE v (k int PRIMARY KEY, code text, id int)"))
        conn.execute(sa.text("INSERT INTO v VALUES " + ",".join(
            f"({k}, '{code}', {vid})" for k, (code, vid) in enumerate(villages))))
        conn.execute(sa.text(f"""
            INSERT INTO gk_case (number, progress_token, state, version, implementation_id,
                accepting_division_id, accepting_division_code, current_division_id, current_division_code,
                implementing_division_code, current_department_id, applicant_name, applicant_id_type,
                applicant_id_number, applicant_phone, proxy_authorised, form_data, registered_at, received_date,
                accepted_date, due_date, due_provisional, legal_due_provisional, extension_days, time_limit_days,
                deemed_accepted, completed_date, decision, intake_due_provisional, supplement_due_provisional
                {extra_names})
            SELECT 'B' || lpad(g.i::text, 11, '0'), 'bench' || lpad(g.i::text, 12, '0'),
                   CASE WHEN g.done THEN 'delivered' ELSE (ARRAY['accepted','forwarded','signed','assigned',
                        'in_review'])[1 + g.i % 5] END, 1, {ids['implementation']},
                   v.id, v.code,
                   CASE WHEN g.done OR g.i % 5 >= 2 THEN {ids['township']} ELSE v.id END,
                   CASE WHEN g.done OR g.i % 5 >= 2 THEN '{TOWNSHIP}' ELSE v.code END, '{TOWNSHIP}',
                   CASE WHEN g.done OR g.i % 5 >= 2 THEN {ids['department']} END,
                   '测试', '居民身份证', '11010519491231002X', '13800001234', false, '{{}}',
                   g.day::timestamp, g.day, g.day, g.day + 14, false, false, 0, 10, false,
                   CASE WHEN g.done THEN g.day + 1 + (g.i * 7) % 19 END,
                   CASE WHEN g.done THEN 'approved' END, false, false {extra_values}
            FROM (SELECT i, (i * 2654435761::bigint) % 100 < 90 AS done,
                         CURRENT_DATE - (1 + (i * 40503::bigint) % 730)::int AS day
                  FROM generate_series(1, {n}) AS i) AS g
            JOIN v ON v.k = g.i % {len(villages)}"""))
        log(f"{n:,}: cases in {time.perf_counter() - started:.0f} s; their history ({load()})")
        conn.execute(sa.text(HISTORY))
        log(f"{n:,}: history in {time.perf_counter() - started:.0f} s; indexes ({load()})")
        for _, definition in indexes:
            conn.execute(sa.text(definition.replace(" ON ONLY ", " ON ")))  # a partitioned index: every partition
        conn.execute(sa.text("CREATE TABLE bench_built (size int)"))
        conn.execute(sa.text("INSERT INTO bench_built VALUES (:n)"), {"n": n})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


# -- app -------------------------------------------------------------------------------------


def make_app(config: dict):
    """The govkit app plus a plain FAB ModelView over Case (no scope, FAB's own list machinery)."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.filters import FilterEqual
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from govkit.app import create_app
    from govkit.cases.models import Case

    class PlainCaseView(ModelView):
        datamodel = SQLAInterface(Case)
        route_base = "/plaincaseview"
        base_permissions = ["can_list"]
        base_order = ("id", "desc")
        list_columns = ["number", "applicant_name", "implementation", "state", "current_division_code",
                        "due_date", "due_provisional"]
        search_columns = ["state"]

    class PlainDueView(PlainCaseView):
        """The 临期/超期 queue's rows as plain FAB lists them: open cases by due date (unscoped, uncarded), 50 a page
        as the queue shows them."""
        route_base = "/plaindueview"
        base_filters = [["completed_date", FilterEqual, None]]
        base_order = ("due_date", "asc")

    class PlainIntakeView(PlainCaseView):
        """The 待受理 queue's rows as plain FAB lists them: registered cases, newest first (unscoped)."""
        route_base = "/plainintakeview"
        base_filters = [["state", FilterEqual, "registered"]]

    app = create_app(config, load_entrypoints=False)
    with app.app_context():
        sm = app.appbuilder.sm
        for view in (PlainCaseView, PlainDueView, PlainIntakeView):
            app.appbuilder.add_view_no_menu(view)
            # govkit's apps do not sync FAB permissions on add_view (FAB_UPDATE_PERMS off): create this one here.
            sm.add_permissions_view(["can_list"], view.__name__)
            for role in ("监察", "受理员"):
                sm.add_permission_role(sm.find_role(role), sm.find_permission_view_menu("can_list", view.__name__))
    return app


def users(app, ids: dict) -> None:
    """A county supervisor (监察) next to the seed's village clerk ``desk``."""
    from govkit.db import db
    from govkit.hierarchy.models import Division, Staff

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=SUPERVISOR) is None:
            county = db.session.query(Division).filter_by(code=COUNTY).one()
            user = sm.add_user(SUPERVISOR, "县", "监察", "county@example.invalid", [sm.find_role("监察")],
                               password=PASSWORD)
            db.session.add(Staff(user_id=user.id, division_id=county.id, duty="监察", name="县监察"))
            db.session.commit()


def login(app, username: str):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code in (200, 302), response.status_code
    return client


PAGES = {
    SUPERVISOR: [
        ("/cases/list/", "/plaincaseview/list/", "case_list"),
        ("/cases/list/?_flt_0_state=accepted", "/plaincaseview/list/?_flt_0_state=accepted", "case_list_state"),
        ("/cases/list/?after_CaseAdminView={deep}", "/plaincaseview/list/?page_PlainCaseView={deep_page}",
         "case_list_deep"),
        ("/desk/queue/due", "/plaindueview/list/?psize_PlainDueView=50", "queue_due"),
        ("/supervision/cards", None, "cards"),
        ("/supervision/rates?days=90", None, "rates90"),
        ("/supervision/rates?days=0", None, "rates_all"),
        ("/supervision/ratings", None, None),
        ("/", None, "badges"),
    ],
    "desk": [
        ("/cases/list/", "/plaincaseview/list/", "case_list"),
        ("/cases/list/?after_CaseAdminView={deep}", "/plaincaseview/list/?page_PlainCaseView={deep_page}",
         "case_list_deep"),
        ("/desk/queue/intake", "/plainintakeview/list/?psize_PlainIntakeView=50", "queue_intake"),
        ("/desk/queue/due", "/plaindueview/list/?psize_PlainDueView=50", "queue_due"),
        ("/", None, "badges"),
    ],
}


def deep_id(n: int) -> int:
    """The case a deep list page seeks past: the middle of the table (FAB reaches it with OFFSET n / 2)."""
    return n // 2


def raw_queries(app, username: str, deep: int):
    """``{name: callable(session)}``: each page's data query alone (the statement govkit's code builds)."""
    from sqlalchemy import select

    from govkit.cases.cards import card_counts
    from govkit.cases.models import Case
    from govkit.cases.runtime import workflow_for
    from govkit.cases.stats import completion_rates
    from govkit.desk.queues import queue_counts, queue_page
    from govkit.web.actor import actor_of_user

    with app.app_context():
        actor = actor_of_user(app.appbuilder.sm.find_user(username=username))
    wf = workflow_for(app)
    today, settings = wf.today(), wf.settings
    scope = actor.scope

    def case_list(s, state=None, after=None):
        # the page and, as one more column, the bounded count (one statement, as govkit's list_page runs it)
        total = bench_count(scope, state).scalar_subquery()
        s.execute(bench_page(select(Case), scope, state, after).add_columns(total)).all()


    return actor, {
        "case_list": lambda s: case_list(s),
        "case_list_state": lambda s: case_list(s, "accepted"),
        "case_list_deep": lambda s: case_list(s, after=deep),
        "queue_due": lambda s: queue_page(s, actor, "due", today, settings, limit=51),
        "queue_intake": lambda s: queue_page(s, actor, "intake", today, settings, limit=51),
        "cards": lambda s: card_counts(s, scope, today, settings),
        "rates90": lambda s: completion_rates(s, "implementing_division", scope=scope,
                                              since=today - timedelta(days=90)),
        "rates_all": lambda s: completion_rates(s, "implementing_division", scope=scope),
        "badges": lambda s: queue_counts(s, actor, today, settings),
    }


def bench_page(query, scope, state=None, after=None):
    """The case list's page (25 rows, or 26 past ``after``) as govkit's list builds it: for one division's scope
    (a village) the first rows of each division column's branch from its ``(code, id)`` index, merged; for a
    wider scope the OR, walked along the primary key (:func:`govkit.web.scoped.list_page`)."""
    from sqlalchemy import select, union_all

    from govkit.cases.cards import case_scope_clause
    from govkit.cases.models import Case

    rows = 26 if after else 25
    narrowed = [Case.state == state] if state else []
    if after:
        narrowed.append(Case.id < after)
    if scope.is_one_division:
        tops = [select(Case.id.label("k")).where(branch, *narrowed).order_by(Case.id.desc()).limit(rows).subquery()
                for branch in case_scope_clause(scope).clauses]
        query = query.where(Case.id.in_(union_all(*(select(top.c.k) for top in tops))))
    else:
        query = query.where(case_scope_clause(scope), *narrowed)
    return query.order_by(Case.id.desc()).limit(rows)


def bench_count(scope, state=None):
    """The case list's bounded count (LIST_COUNT_CAP + 1 rows) as govkit's list builds it: branch by branch over
    the scope's three division columns (:func:`govkit.web.scoped.branch_count`)."""
    from sqlalchemy import select

    from govkit.cases.cards import case_scope_clause
    from govkit.cases.models import Case
    from govkit.web.scoped import LIST_COUNT_CAP, branch_count

    query = select(Case).where(Case.state == state) if state else select(Case)
    branches = [] if scope.is_unrestricted else list(case_scope_clause(scope).clauses)
    return branch_count(query, Case.id, branches, LIST_COUNT_CAP)


def timed(fn, requests: int, rounds: int) -> tuple[float, list[float]]:
    """Median over ``rounds`` of the median ms of ``requests`` calls (after two warm-up calls)."""
    fn(), fn()
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(times))
    return statistics.median(medians), medians


def count_statements(app, fn) -> int:
    from sqlalchemy import event

    from govkit.db import db

    seen = []

    def note(*args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def add_missing_indexes(url: str) -> None:
    """A kept database: add the case table's indexes the models gained since it was built (then ANALYZE)."""
    import sqlalchemy as sa

    from govkit.cases.models import Case

    index_engine = sa.create_engine(url)
    for index in Case.__table__.indexes:
        index.create(index_engine, checkfirst=True)
    with index_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE gk_case"))
    index_engine.dispose()


def explain(url: str, actor, deep: int) -> list[str]:
    """EXPLAIN ANALYZE of the list's bounded count and first page, of the state filter and of a deep page (seek)."""
    import sqlalchemy as sa
    from sqlalchemy import select

    from govkit.cases.models import Case

    engine = sa.create_engine(url)
    lines = []
    queries = {
        "bounded count (LIST_COUNT_CAP + 1 rows, branch by branch)": bench_count(actor.scope),
        "first page": bench_page(select(Case.id), actor.scope),
        "state filter, first page": bench_page(select(Case.id), actor.scope, "accepted"),
        f"deep page: seek past case {deep:,} (no OFFSET)": bench_page(select(Case.id), actor.scope, after=deep),
    }
    with engine.connect() as conn:
        for label, query in queries.items():
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = conn.execute(sa.text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)).scalars()
            lines.append(f"  -- {label}")
            lines.extend("     " + row for row in plan)
    engine.dispose()
    return lines


def run_size(cluster: Cluster, n: int, args) -> dict:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from govkit.desk.web import count_cache  # noqa: F401  (the badge cache the pages use)

    url, built = cluster.database(f"list_{n}")
    workdir = Path(args.work) / f"list_{n}"
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench-secret",
              "COUNTY_CODE": COUNTY, "WTF_CSRF_ENABLED": False}
    if not built:
        log(f"{n:,}: schema and county")
        create_schema(url)
        ids = seed(config)
        log(f"{n:,}: generating {n:,} cases in SQL")
        seconds = fill(url, n, ids)
        log(f"{n:,}: filled in {seconds:.0f} s ({load()})")
    if built:
        add_missing_indexes(url)
    app = make_app(config)
    users(app, {})
    results = {}
    engine = sa.create_engine(url)
    for username, pages in PAGES.items():
        actor, raws = raw_queries(app, username, deep_id(n))
        client = login(app, username)
        for shape, fab_path, raw_name in pages:
            path = shape.format(deep=deep_id(n))
            fab_path = fab_path and fab_path.format(deep_page=(n - deep_id(n)) // 25)
            def get(p=path):
                response = client.get(p)
                assert response.status_code == 200, (p, response.status_code)

            ms, rounds = timed(get, args.requests, args.rounds)
            statements = count_statements(app, get)
            fab_ms = fab_statements = None
            if fab_path:
                def get_fab(p=fab_path):
                    response = client.get(p)
                    assert response.status_code == 200, (p, response.status_code)
                fab_ms, _ = timed(get_fab, args.requests, args.rounds)
                fab_statements = count_statements(app, get_fab)
            raw_ms = None
            if raw_name:
                with Session(engine) as session:
                    raw_ms, _ = timed(lambda: raws[raw_name](session), args.requests, args.rounds)
            results[(username, shape)] = dict(ms=ms, rounds=rounds, statements=statements, fab_ms=fab_ms,
                                             fab_statements=fab_statements, raw_ms=raw_ms, load=load())
            fab = f"FAB {fab_ms:7.1f} ms ({fab_statements} st) ×{fab_ms / ms:5.1f} faster" if fab_ms else ""
            raw = f"raw {raw_ms:7.1f} ms, page/raw {ms / raw_ms:5.2f}" if raw_ms else ""
            print(f"  {n:>9,} {username:<7} {path:<38} {ms:7.1f} ms {statements:>2} st  {fab:<36} {raw:<30} "
                  f"rounds {'/'.join(f'{r:.0f}' for r in rounds)}  {load()}", flush=True)
        if username == SUPERVISOR or username == "desk":
            # The badge counts: uncached (every page paid this before) and from the per-scope cache (now).
            from govkit.cases.cards import CountCache
            from govkit.cases.runtime import workflow_for
            from govkit.desk.queues import queue_counts

            wf = workflow_for(app)
            with Session(engine) as session:
                cold, _ = timed(lambda: queue_counts(session, actor, wf.today(), wf.settings), args.requests,
                                args.rounds)
                cache = CountCache(20)
                warm, _ = timed(lambda: queue_counts(session, actor, wf.today(), wf.settings, cache),
                                args.requests, args.rounds)
            results[(username, "badges")] = dict(cold=cold, warm=warm)
            print(f"  {n:>9,} {username:<7} menu badges: uncached {cold:.1f} ms, cached {warm:.3f} ms  {load()}")
        if args.explain:
            print(f"  EXPLAIN ({n:,} cases, {username}):")
            print("\n".join(explain(url, actor, deep_id(n))))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--data", type=Path, default=None, help="keep the cluster here and reuse its databases")
    parser.add_argument("--work", default="/tmp/govkit-list-bench")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"list bench {date.today()} — yardstick {machine_reference():.3f} s — {load()}; in-process test client, "
          f"median of {args.rounds} rounds × {args.requests} requests; ×N = how many times faster than plain FAB")
    cluster = Cluster(args.data)
    cluster.start()
    try:
        results = {n: run_size(cluster, n, args) for n in sizes}
    finally:
        cluster.stop()
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        print(f"\ngrowth {first:,} → {last:,} cases (govkit page ms, ratio; plain FAB ratio):")
        for key, result in results[last].items():
            if "ms" not in result or key not in results[first]:
                continue
            before = results[first][key]
            fab = (f", FAB ×{result['fab_ms'] / before['fab_ms']:.1f}" if result.get("fab_ms") else "")
            print(f"  {key[0]:<7} {key[1]:<38} {before['ms']:7.1f} → {result['ms']:7.1f} ms  "
                  f"×{result['ms'] / before['ms']:.2f}{fab}")
    print(f"end {load()} — yardstick {machine_reference():.3f} s")


if __name__ == "__main__":
    main()
