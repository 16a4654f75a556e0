"""Reads from a PostgreSQL streaming replica (issue 25, item 2; govkit.web.replica).

The unit tests check the routing decision: which requests may read from the replica, which statements of
such a request go there, and when the replica is skipped. The slow test starts a real primary and a hot
standby made with ``pg_basebackup -R`` on loopback and shows, with replay paused so that the replica's data
is visibly stale: public pages read from the replica; a staff member who just wrote reads their own write
from the primary; a lagging replica is skipped; a stopped replica is skipped and the pages still answer.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from govkit.db import READ_ROUTE, RoutingSession, db
from govkit.web import replica

COUNTY = "621002000000"


# -- the decision ---------------------------------------------------------------------------------------------


def _status(up: bool = True, lag: float = 0.0, replayed: int = 100) -> replica.ReplicaStatus:
    return replica.ReplicaStatus(up, lag, replayed)


@pytest.mark.parametrize("routed, status, wrote, expected", [
    (False, _status(), 0, (False, "not routed")),
    (True, None, 0, (False, "no replica")),
    (True, _status(), 0, (True, "replica")),
    (True, _status(), 100, (True, "replica")),  # the replica has replayed the session's last write
    (True, _status(), 101, (False, "own write not replayed")),
    (True, _status(up=False, lag=math.inf), 0, (False, "replica down")),
    (True, _status(lag=5.0), 0, (True, "replica")),  # at the limit
    (True, _status(lag=5.01), 0, (False, "replica lagging")),
])
def test_decide_reads_from_the_replica_only_when_routed_fresh_and_past_the_sessions_write(routed, status, wrote,
                                                                                         expected):
    assert replica.decide(routed=routed, status=status, wrote_lsn=wrote, max_lag=5.0) == expected


def test_lsn_text_compares_as_wal_positions():
    assert replica.lsn("0/3000148") == 0x3000148
    assert replica.lsn("16/B374D848") > replica.lsn("15/FFFFFFFF") > replica.lsn("0/0") == 0
    assert replica.lsn(None) == replica.lsn("nonsense") == 0


def test_only_plain_selects_of_non_auth_tables_go_to_the_replica():
    from flask_appbuilder.security.sqla.models import User  # deferred: keeps the imports of this file light

    from govkit.hierarchy.models import Division, Staff
    from govkit.publicity.models import Disclosure

    engine = sa.create_engine("sqlite://")
    router = replica.ReplicaRouter(engine, engine, max_lag=5, interval=1)
    to_replica = [sa.select(Disclosure), sa.select(sa.func.count()).select_from(Disclosure),
                  sa.select(Disclosure).join(Division, Division.id == Disclosure.division_id),
                  sa.text("SELECT count(*) FROM gk_case")]
    to_primary = [None, sa.select(User), sa.select(Disclosure).join(User, User.id == Disclosure.created_by_id),
                  sa.select(Disclosure).where(Disclosure.created_by_id.in_(sa.select(Staff.user_id))),
                  sa.select(Disclosure).with_for_update(), sa.update(Disclosure).values(title="x"),
                  sa.delete(Disclosure), sa.insert(Disclosure), sa.text("UPDATE gk_case SET version = 1"),
                  sa.text("SELECT * FROM gk_session_epoch"), sa.text("SELECT id FROM gk_case FOR UPDATE")]
    assert [router.bind_for(None, clause) for clause in to_replica] == [engine] * len(to_replica)
    assert [router.bind_for(None, clause) for clause in to_primary] == [None] * len(to_primary)
    assert router.bind_for(sa.inspect(User), sa.select(User.id)) is None


def test_routed_endpoints_are_the_portal_dashboards_reports_and_exports_and_only_for_get(app):
    routed = lambda bp, endpoint, method="GET": replica.routed_endpoint(app, bp, endpoint, method)  # noqa: E731
    assert routed("public", "public.disclosure_list") and routed("public", "public.index", "HEAD")
    assert routed("public_consult", "public_consult.index")
    assert routed("SupervisionView", "SupervisionView.cards") and routed("MonitorView", "MonitorView.report")
    assert routed("AnnualReportView", "AnnualReportView.csv")
    assert routed("DisclosureView", "DisclosureView.export_csv")  # every scoped list's CSV export
    assert not routed("public", "public.progress", "POST")  # a form sent: the primary
    assert not routed("DisclosureView", "DisclosureView.list")  # staff lists: the primary
    assert not routed("CaseView", "CaseView.show") and not routed(None, "static")


def test_without_a_replica_nothing_changes(app, client, caplog):
    assert replica.binds({"DATABASE_REPLICA_URL": None}, "postgresql+psycopg://x/y") == {}
    assert replica.router_of(app) is None and "replica" not in app.config["SQLALCHEMY_BINDS"]
    assert client.get("/public/disclosures").status_code == 200
    with caplog.at_level(logging.WARNING, logger="govkit.web.replica"):
        assert replica.binds({"DATABASE_REPLICA_URL": "postgresql+psycopg://r/y"}, "sqlite:///x.db") == {}
    assert "只用于 PostgreSQL" in caplog.text


def test_the_routing_session_asks_the_request_route_and_never_for_a_flush(app):
    from flask import g  # deferred: keeps the imports of this file light

    other = sa.create_engine("sqlite://")
    asked = []
    session = db.session()
    assert isinstance(session, RoutingSession)
    setattr(g, READ_ROUTE, lambda mapper, clause: asked.append(clause) or other)
    try:
        assert session.get_bind(clause=sa.select(1)) is other and len(asked) == 1
        session._flushing = True
        assert session.get_bind(clause=sa.select(1)) is not other and len(asked) == 1
    finally:
        session._flushing = False
        g.pop(READ_ROUTE)
    assert session.get_bind(clause=sa.select(1)) is not other


def test_a_page_whose_replica_dies_mid_answer_is_answered_again_from_the_primary(app, caplog):
    from flask import g  # deferred: keeps the imports of this file light
    from flask import request as flask_request  # deferred: as above

    from govkit.state import get_state  # deferred: as above

    engine = sa.create_engine("sqlite://")
    router = get_state(app).cache["replica"] = replica.ReplicaRouter(engine, engine, max_lag=5, interval=1)
    app.register_error_handler(sa.exc.OperationalError, replica._replica_lost)
    answers = []

    def page():
        answers.append(g.get(READ_ROUTE) is not None)
        if answers[-1] or "always" in flask_request.args:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return "主库作答"

    app.add_url_rule("/test-replica-page", "test_replica_page", page)
    app.before_request(lambda: setattr(g, READ_ROUTE, router.bind_for) if flask_request.endpoint == "test_replica_page"
                       and "unrouted" not in flask_request.args else None)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="govkit.web.replica"):
        response = client.get("/test-replica-page")
    assert response.status_code == 200 and response.get_data(as_text=True) == "主库作答" and answers == [True, False]
    assert router.last.up is False and "只读副本不可用" in caplog.text
    # an error of a page that did not read from the replica is the ordinary Chinese error page
    failed = client.get("/test-replica-page?unrouted=1&always=1")
    assert failed.status_code == 500 and "Traceback" not in failed.get_data(as_text=True)


# -- a real streaming replica on loopback ---------------------------------------------------------------------


def _seed(app) -> dict[str, int]:
    from govkit.publicity.models import Disclosure, DisclosureCategory  # deferred: as above
    from govkit.testing.fixtures import create_user, ensure_division  # deferred: as above

    with app.app_context():
        county = ensure_division(db.session, COUNTY, "某某县")
        category = DisclosureCategory(code="R1", name="通知公告")
        db.session.add(category)
        db.session.flush()
        common = {"category_id": category.id, "division_id": county.id, "division_code": COUNTY,
                  "responsible_unit": "县政府办公室", "content": "正文"}
        first = Disclosure(title="公告甲（原文）", state="已发布", published_at=datetime.now(timezone.utc), **common)
        second = Disclosure(title="公告乙（待发布）", state="已审核", **common)
        db.session.add_all([first, second])
        db.session.commit()
        ids = {"first": first.id, "second": second.id}
        create_user(app, "公开审核", COUNTY, username="reviewer")
    return ids


def _replayed_everything(primary: sa.Engine, standby: sa.Engine, seconds: float = 30) -> None:
    with primary.connect() as conn:
        position = conn.execute(sa.text("SELECT CAST(pg_current_wal_insert_lsn() AS text)")).scalar_one()
    deadline = time.monotonic() + seconds
    replayed = sa.text("SELECT pg_last_wal_replay_lsn() >= CAST(:p AS pg_lsn)")
    with standby.connect() as conn:
        while not conn.execute(replayed, {"p": position}).scalar():
            assert time.monotonic() < deadline, "the replica did not replay the primary's WAL"
            time.sleep(0.05)


def test_streaming_replica_serves_public_pages_staff_read_their_writes_and_a_stopped_replica_is_skipped(
        tmp_path, caplog, postgres_cluster, govkit_databases):
    from govkit.app import create_app  # deferred: as above
    from govkit.auth.roles import sync_roles  # deferred: as above
    from govkit.testing.permissions import ensure_permissions  # deferred: as above
    from govkit.testing.services import PostgresReplica  # deferred: as above

    started = time.perf_counter()
    url = govkit_databases.copy("postgres", "schema")
    database = sa.make_url(url).database
    standby_cluster = PostgresReplica(postgres_cluster)  # its port now; pg_basebackup once the data is there
    engines: list[sa.Engine] = []
    try:
        app = create_app({"DATABASE_URL": url, "DATABASE_REPLICA_URL": standby_cluster.url(database),
                          "REPLICA_MAX_LAG_SECONDS": 60, "REPLICA_CHECK_SECONDS": 0,
                          "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "replica-test", "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "COUNTY_CODE": COUNTY, "PUBLIC_BASE_URL": "http://localhost",
                          "FAB_UPDATE_PERMS": False}, load_entrypoints=False)
        with app.app_context():
            engines += db.engines.values()
            ensure_permissions(app.appbuilder)
            sync_roles(app.appbuilder)
        ids = _seed(app)
        standby_cluster.start()  # pg_basebackup -R from the primary, then a hot standby on its own port
        primary = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        standby = sa.create_engine(standby_cluster.url(database), isolation_level="AUTOCOMMIT")
        engines += [primary, standby]
        router = replica.router_of(app)
        anonymous, staff = app.test_client(), app.test_client()
        assert staff.post("/login/", data={"username": "reviewer", "password": "pw-123456"}).status_code == 302
        _replayed_everything(primary, standby)  # the login's commit included
        print(f"\napp and standby (pg_basebackup of the suite's PostgreSQL) ready in "
              f"{time.perf_counter() - started:.1f} s; "
              f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")

        public = lambda client: client.get("/public/disclosures").get_data(as_text=True)  # noqa: E731
        assert "公告甲（原文）" in public(anonymous)

        # -- an idle primary whose insert position sits past a page header (a new WAL segment, nothing written
        # since) is not "ahead" of a replica that has replayed everything: measured against the flush position
        with primary.connect() as conn:
            conn.execute(sa.text("SELECT pg_switch_wal()"))
            insert, flushed = (replica.lsn(p) for p in conn.execute(sa.text(
                "SELECT CAST(pg_current_wal_insert_lsn() AS text), CAST(pg_current_wal_flush_lsn() AS text)")).one())
        deadline = time.monotonic() + 30
        while (status := router.probe()).replayed < flushed:
            assert time.monotonic() < deadline, "the replica did not replay the WAL switch"
            time.sleep(0.05)
        print(f"idle primary after a WAL switch: insert position {insert - flushed} bytes past the flushed one; "
              f"replica measured up={status.up}, lag {status.lag} s")
        assert insert > flushed and status.up and status.lag == 0.0

        # -- (a) replay paused, then a change on the primary: the public pages still show the replica's data
        with standby.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
        with primary.connect() as conn:
            # PostgreSQL's default (the suite's server runs with synchronous_commit=off): the commit returns once
            # its WAL is flushed, which is what the replica can have — and what the lag is measured against
            conn.execute(sa.text("SET synchronous_commit = on"))
            conn.execute(sa.text("UPDATE gk_disclosure SET title = '公告甲（修订）' WHERE id = :id"),
                         {"id": ids["first"]})
        listing, detail = public(anonymous), anonymous.get(f"/public/disclosures/{ids['first']}")
        assert "公告甲（原文）" in listing and "公告甲（修订）" not in listing
        assert detail.status_code == 200 and "公告甲（原文）" in detail.get_data(as_text=True)
        assert "公告甲（原文）" in public(staff)  # staff whose last write the replica has replayed: the replica too
        lag = router.status().lag
        print(f"(a) replay paused, title changed on the primary: public pages show the replica's '公告甲（原文）' "
              f"(measured lag {lag:.1f} s)")
        assert 0 < lag < 60

        # -- (b) the reviewer publishes an entry: their next pages read the primary, the public's the replica
        published = staff.post(f"/admin/disclosures/handle/{ids['second']}/act", data={"action": "publish"})
        assert published.status_code == 302
        mine, theirs = public(staff), public(anonymous)
        assert "公告乙（待发布）" in mine and "公告甲（修订）" in mine
        assert "公告乙（待发布）" not in theirs and "公告甲（原文）" in theirs
        assert staff.get("/admin/disclosures/export/").status_code == 200  # a routed export, from the primary
        print("(b) after publishing, the reviewer's public list shows the new entry (primary); the public's does "
              "not (replica)")

        # -- a replica lagging beyond REPLICA_MAX_LAG_SECONDS is skipped, and used again within it
        caplog.set_level(logging.INFO, logger="govkit.web.replica")
        router.max_lag = 0.2
        time.sleep(0.3)
        assert "公告乙（待发布）" in public(anonymous) and "改从主库读取" in caplog.text
        router.max_lag = 60
        assert "公告乙（待发布）" not in public(anonymous)

        # -- (c) the replica stops: pages answer 200 from the primary, and the worker says so once
        caplog.clear()
        standby.dispose()
        standby_cluster.halt()
        pages = [anonymous.get(path) for path in ("/public/disclosures", f"/public/disclosures/{ids['first']}",
                                                  "/public/disclosures.atom")]
        assert [page.status_code for page in pages] == [200, 200, 200]
        assert "公告乙（待发布）" in pages[0].get_data(as_text=True)
        assert "公告甲（修订）" in pages[1].get_data(as_text=True)
        assert caplog.text.count("只读副本不可用") == 1, caplog.text
        print(f"(c) standby stopped: public pages 200 from the primary; logged: "
              f"{caplog.records[-1].getMessage()[:80]}; whole test {time.perf_counter() - started:.1f} s")
    finally:
        for engine in engines:
            engine.dispose()
        standby_cluster.stop()
    govkit_databases.drop(url)
