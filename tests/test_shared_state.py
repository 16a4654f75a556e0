"""Shared state across app nodes (govkit.web.shared) over a real redis-server on loopback.

Two apps in one process stand for two nodes where their state is per app (rate-limit
storage, the calendar cache); the auth caches are per process, so logout and lockout across
nodes are shown with two server processes in tests/test_cluster.py.
"""
from __future__ import annotations

import logging
from datetime import date

from govkit.cases.models import CalendarDay
from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.testing.services import free_port
from govkit.web.shared import LocalState, RedisState, node_sync

LOOKUP = {"no": "NOPE", "f": "1234"}
#: A Wednesday that no published calendar makes a holiday.
DAY = date(2026, 12, 9)


def _lookups(*apps, rounds: int) -> list[int]:
    clients = [app.test_client() for app in apps]
    return [client.post("/public/progress", data=LOOKUP).status_code for _ in range(rounds) for client in clients]


def test_rate_limit_counts_across_nodes_only_with_redis(make_app, redis_url):
    one, two = (make_app(PROGRESS_RATE_LIMIT="3 per minute", REDIS_URL=redis_url) for _ in range(2))
    assert _lookups(one, two, rounds=2) == [200, 200, 200, 429]  # one budget for the address
    # Without Redis each node counts alone: the same traffic passes twice the limit.
    alone = [make_app(PROGRESS_RATE_LIMIT="3 per minute") for _ in range(2)]
    assert _lookups(*alone, rounds=2) == [200, 200, 200, 200]


def test_calendar_entry_on_one_node_is_used_by_the_other(make_app, redis_url):
    one, two = (make_app(REDIS_URL=redis_url, SHARED_STATE_CHECK_SECONDS=0) for _ in range(2))
    alone = make_app()  # no Redis: keeps its cached calendar for CALENDAR_CACHE_SECONDS
    for app in (two, alone):
        with app.app_context():
            assert calendar_for(db.session, app).is_working_day(DAY)
            app.test_client().get("/public/")  # a first request: the node has seen the versions
    with one.app_context():
        db.session.add(CalendarDay(day=DAY, is_working=False, name="临时放假"))
        db.session.commit()
    two.test_client().get("/public/")  # the next request of the other node syncs
    alone.test_client().get("/public/")
    with two.app_context():
        assert not calendar_for(db.session, two).is_working_day(DAY)
    with alone.app_context():
        assert calendar_for(db.session, alone).is_working_day(DAY)


def test_a_rolled_back_change_is_published_with_the_next_commit_only(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url, SHARED_STATE_CHECK_SECONDS=0)
    backend = node_sync(app).backend
    assert isinstance(backend, RedisState)
    before = backend.versions()["calendar"]
    with app.app_context():
        db.session.add(CalendarDay(day=DAY, is_working=False, name="临时放假"))
        db.session.flush()
        db.session.rollback()
        assert backend.versions()["calendar"] == before
        db.session.add(CalendarDay(day=DAY, is_working=False, name="临时放假"))
        db.session.commit()
    assert backend.versions()["calendar"] == before + 1


def test_without_redis_url_one_node_as_before(make_app):
    assert isinstance(node_sync(make_app()).backend, LocalState)


def test_redis_down_never_fails_a_request(make_app, caplog):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", SHARED_STATE_CHECK_SECONDS=0,
                   PROGRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="govkit.web.shared"):
        assert client.get("/public/progress").status_code == 200
        with app.app_context():
            db.session.add(CalendarDay(day=DAY, is_working=False, name="临时放假"))
            db.session.commit()  # publishing fails quietly: the row is committed
            assert db.session.query(CalendarDay).filter_by(day=DAY).count() == 1
        # The limiter falls back to counting in this process.
        assert [client.post("/public/progress", data=LOOKUP).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "共享状态（Redis）" in caplog.text and "本节点暂按缓存时限失效" in caplog.text
