"""Supervisor screens: yellow/red cards, completion rates, ratings and complaints — scoped."""
from datetime import date, timedelta

import pytest

from govkit.auth.models import RuntimeSetting
from govkit.auth.runtime_settings import apply_overrides
from govkit.cases.calendar import WorkingCalendar
from govkit.hierarchy.scope import Scope
from govkit.publicity import complaints, ratings
from govkit.supervision import services
from tests.publicity.world import APPLICANT, make_case, make_world

pytestmark = pytest.mark.both_backends

SETTINGS = {"YELLOW_CARD_RATIO": 0.8, "YELLOW_CARD_DAYS": 2}


def _open_cases(db, world):
    cal, today = WorkingCalendar(), date.today()
    red = make_case(db.session, world, number="RED-1", state="in_review", accepted=today - timedelta(days=40),
                    due=today - timedelta(days=3), time_limit=15)
    yellow_due = cal.add_working_days(today, 1).due
    yellow = make_case(db.session, world, number="YELLOW-1", state="in_review", accepted=today - timedelta(days=20),
                       due=yellow_due, time_limit=15)
    green = make_case(db.session, world, number="GREEN-1", state="in_review", accepted=today,
                      due=cal.add_working_days(today, 15).due, time_limit=15)
    elsewhere = make_case(db.session, world, number="ELSEWHERE-1", state="in_review", division=world.other_town,
                          accepted=today - timedelta(days=40), due=today - timedelta(days=3))
    return red, yellow, green, elsewhere


def test_cards_service_orders_red_first_and_respects_scope(app, db):
    world = make_world(db.session)
    _open_cases(db, world)
    scope = Scope.for_division(world.town.code, roles=frozenset({"监察"}))
    rows = services.cards(db.session, scope, settings=SETTINGS, today=date.today())
    assert [(r.number, r.card) for r in rows] == [("RED-1", "red"), ("YELLOW-1", "yellow")]
    county = services.cards(db.session, Scope.for_division(world.county.code), settings=SETTINGS, today=date.today())
    assert {r.number for r in county} == {"RED-1", "YELLOW-1", "ELSEWHERE-1"}


def test_cards_page_for_supervisor_only(app, client, db, login_as):
    world = make_world(db.session)
    _open_cases(db, world)
    db.session.commit()
    login_as("受理员", world.town.code)
    assert client.get("/supervision/cards").status_code in (302, 403)
    from flask import g

    g.pop("_login_user", None), g.pop("_govkit_scope", None)  # the app fixture shares g between clients
    supervisor = app.test_client()
    login_as("监察", world.town.code, test_client=supervisor)
    html = supervisor.get("/supervision/cards").get_data(as_text=True)
    assert "RED-1" in html and "YELLOW-1" in html and "GREEN-1" not in html and "ELSEWHERE-1" not in html
    assert "红牌" in html and APPLICANT["name"] not in html and APPLICANT["phone"] not in html
    assert "cdn" not in html.lower() or "cdn" not in html.split("gk-bar")[0].lower()


def test_completion_rates_per_division_department_item(app, client, db, login_as):
    world = make_world(db.session)
    today = date.today()
    # Four completed cases in the town: 2 early, 1 on the due day, 1 late → on time 75 %, early 50 %.
    for n, (due, done) in enumerate(((10, 5), (10, 8), (10, 10), (10, 12))):
        make_case(db.session, world, number=f"DONE-{n}", state="completed", accepted=today - timedelta(days=30),
                  due=today - timedelta(days=30 - due), completed=today - timedelta(days=30 - done))
    make_case(db.session, world, number="DONE-X", state="completed", division=world.other_town,
              due=today - timedelta(days=5), completed=today - timedelta(days=1))
    scope = Scope.for_division(world.town.code)
    by_division = services.rates(db.session, scope, "division")
    assert [(r.label, r.completed, r.on_time, r.early) for r in by_division] == [("城关镇", 4, 3, 2)]
    assert by_division[0].on_time_rate == 0.75 and by_division[0].early_rate == 0.5
    assert services.rates(db.session, scope, "department")[0].label == "民政办"
    assert services.rates(db.session, scope, "item")[0].label == "最低生活保障金给付"
    db.session.commit()
    login_as("监察", world.town.code)
    html = client.get("/supervision/rates?by=division&days=0").get_data(as_text=True)
    assert "75.0%" in html and "50.0%" in html and "河西乡" not in html
    # 75 % is under the floor (ON_TIME_RATE_FLOOR 0.8): a red bar; with the floor at 70 % it is amber
    # (under ON_TIME_RATE_TARGET 0.95), and a unit at or above the target is drawn plain.
    assert 'class="bad" style="width: 75.0%"' in html
    db.session.add(RuntimeSetting(name="ON_TIME_RATE_FLOOR", value="0.7"))
    db.session.commit()
    apply_overrides(app, db.session, force=True)
    html = client.get("/supervision/rates?by=division&days=0").get_data(as_text=True)
    assert 'class="warn" style="width: 75.0%"' in html and 'class="bad"' not in html


def test_ratings_and_complaints_dashboards(app, client, db, login_as):
    world = make_world(db.session)
    cal = WorkingCalendar()
    good = make_case(db.session, world, number="R-1", state="delivered")
    bad = make_case(db.session, world, number="R-2", state="delivered")
    far = make_case(db.session, world, number="R-3", state="delivered", division=world.other_town)
    ratings.submit_rating(db.session, good, level="非常满意", calendar=cal, rectification_days=10)
    ratings.submit_rating(db.session, bad, level="非常不满意", comment="<script>alert(9)</script>太慢",
                          calendar=cal, rectification_days=3, today=date.today() - timedelta(days=30))
    ratings.submit_rating(db.session, far, level="不满意", calendar=cal, rectification_days=10)
    complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code, subject="a", content="b")
    db.session.commit()
    summary = services.rating_summary(db.session, Scope.for_division(world.town.code))
    assert (summary.total, summary.negative, summary.satisfaction) == (2, 1, 0.5)
    rect = services.rectification_summary(db.session, Scope.for_division(world.town.code), date.today())
    assert (rect.open, rect.overdue, rect.callbacks_pending) == (1, 1, 1)
    login_as("监察", world.town.code)
    html = client.get("/supervision/ratings").get_data(as_text=True)
    assert "50.0%" in html and "&lt;script&gt;alert(9)" in html and "<script>alert(9)" not in html
    assert "河西乡" not in html
    listing = client.get("/admin/ratings/list/").get_data(as_text=True)
    assert "&lt;script&gt;" in listing and "<script>alert(9)" not in listing
    assert client.get("/supervision/complaints").get_data(as_text=True).count("<b>1</b>") == 1
