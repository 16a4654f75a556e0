"""好差评: rating through the progress page, one per case, 差评 → rectification, callback, appeal."""
import re
from datetime import date

import pytest

from govkit.cases.calendar import WorkingCalendar
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.publicity import ratings
from govkit.publicity.models import Callback, Rating, Rectification
from tests.publicity.world import APPLICANT, make_case, make_world

pytestmark = pytest.mark.both_backends

TICKET = re.compile(r'name="ticket" type="hidden" value="([^"]+)"')


def _lookup(client, case):
    html = client.post("/public/progress",
                       data={"no": case.number, "f": APPLICANT["phone"][-4:]}).get_data(as_text=True)
    match = TICKET.search(html)
    return html, match.group(1) if match else None


def test_rate_a_completed_case_once_through_the_progress_page(app, client, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="delivered")
    db.session.commit()
    html, ticket = _lookup(client, case)
    assert "服务评价" in html and ticket and "办事效率" in html
    response = client.post("/public/progress/rate", data={"ticket": ticket, "level": "满意", "dim_0": "非常满意",
                                                          "comment": "办得快"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "感谢您的评价" in page and APPLICANT["name"] not in page
    rating = db.session.query(Rating).one()
    assert ((rating.level, rating.score, rating.dimensions, rating.division_code)
            == ("满意", 4, {"办事效率": 5}, world.town.code))
    assert db.session.query(Rectification).count() == 0
    # A second rating with the same (still valid) ticket is refused; the page says so.
    again = client.post("/public/progress/rate", data={"ticket": ticket, "level": "非常不满意"}).get_data(as_text=True)
    assert "只能评价一次" in again
    assert db.session.query(Rating).count() == 1
    html, ticket = _lookup(client, case)
    assert ticket is None and "本办件已评价" in html


def test_forged_or_missing_ticket_cannot_rate(app, client, db):
    world = make_world(db.session)
    make_case(db.session, world, state="completed")
    db.session.commit()
    page = client.post("/public/progress/rate", data={"ticket": "1.forged", "level": "满意"}).get_data(as_text=True)
    assert "评价页面已过期" in page and db.session.query(Rating).count() == 0


def test_unfinished_case_cannot_be_rated(app, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="in_review")
    with pytest.raises(ValidationError, match="办结后"):
        ratings.submit_rating(db.session, case, level="满意", calendar=WorkingCalendar(), rectification_days=10)


def test_bad_rating_opens_rectification_with_working_day_deadline_and_callback(app, client, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="completed")
    db.session.commit()
    _, ticket = _lookup(client, case)
    client.post("/public/progress/rate", data={"ticket": ticket, "level": "非常不满意",
                                               "comment": "<script>alert(1)</script>态度差"})
    task = db.session.query(Rectification).one()
    expected = WorkingCalendar().add_working_days(date.today(), app.config.get("RECTIFICATION_DAYS", 10))
    assert task.due_date == expected.due and task.state == "待整改"
    assert task.division_code == world.town.code and task.department_id == world.department.id
    assert db.session.query(Callback).one().state == "待回访"


def test_rectification_unit_appeal_and_supervisor_decision(app, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="completed")
    rating = ratings.submit_rating(db.session, case, level="不满意", calendar=WorkingCalendar(),
                                   rectification_days=5, today=date(2026, 9, 28))
    task = db.session.query(Rectification).one()
    # 2026-09-28 (Mon) + 5 working days skips the National Day holiday (Oct 1–8 2026 are off).
    assert task.due_date > date(2026, 10, 2)
    unit = Scope.for_division(world.town.code, user_id=1, roles=frozenset({"办理员"}))
    outsider = Scope.for_division(world.other_town.code, user_id=2, roles=frozenset({"办理员"}))
    supervisor = Scope.for_division(world.county.code, user_id=3, roles=frozenset({"监察"}))
    from govkit.errors import OutOfScope

    with pytest.raises(OutOfScope):
        ratings.appeal(db.session, outsider, task, reason="恶意差评")
    with pytest.raises(PermissionDenied):
        ratings.decide_appeal(db.session, unit, task, upheld=True, comment="x", actor="办理员")
    ratings.appeal(db.session, unit, task, reason="申请人对政策规定不满，非服务问题")
    assert task.state == "申诉中"
    ratings.decide_appeal(db.session, supervisor, task, upheld=False, comment="应加强解释", actor="监察员")
    assert task.state == "待整改" and task.appeal_decision == "申诉驳回"
    with pytest.raises(InvalidTransition):
        ratings.appeal(db.session, unit, task, reason="再次申诉")
    ratings.complete(db.session, unit, task, measures="组织窗口人员学习政策解释口径", actor="王五")
    assert task.state == "已整改"
    callback = task.callbacks[0]
    ratings.record_callback(db.session, unit, callback, channel="电话", result="满意", note="已解释", actor="王五")
    assert callback.state == "已回访"
    assert rating.is_negative


def test_rating_and_rectification_screens_are_scoped(app, client, db, login_as):
    world = make_world(db.session)
    cal = WorkingCalendar()
    mine = make_case(db.session, world, state="completed")
    theirs = make_case(db.session, world, state="completed", division=world.other_town)
    ratings.submit_rating(db.session, mine, level="不满意", comment="本镇差评", calendar=cal, rectification_days=10)
    ratings.submit_rating(db.session, theirs, level="非常不满意", comment="外乡差评", calendar=cal,
                          rectification_days=10)
    db.session.commit()
    my_task = db.session.query(Rectification).filter_by(division_code=world.town.code).one()
    their_task = db.session.query(Rectification).filter_by(division_code=world.other_town.code).one()
    login_as("办理员", world.town.code)
    listing = client.get("/admin/rectifications/list/").get_data(as_text=True)
    assert "不满意" in listing and world.other_town.code not in listing
    assert "外乡差评" not in client.get("/admin/ratings/list/").get_data(as_text=True)
    assert client.get(f"/admin/rectifications/handle/{their_task.id}").status_code == 404
    assert client.get(f"/admin/rectifications/show/{their_task.id}").status_code in (302, 404)
    client.post(f"/admin/rectifications/handle/{their_task.id}/act", data={"action": "complete", "text": "越权"})
    page = client.get(f"/admin/rectifications/handle/{my_task.id}").get_data(as_text=True)
    assert "本镇差评" in page and "提交整改结果" in page
    client.post(f"/admin/rectifications/handle/{my_task.id}/act", data={"action": "complete", "text": "已整改"})
    db.session.expire_all()
    assert db.session.get(Rectification, my_task.id).state == "已整改"
    assert db.session.get(Rectification, their_task.id).state == "待整改"


def test_supervisor_decides_appeals_but_is_not_offered_the_units_actions(app, client, db, login_as):
    world = make_world(db.session)
    case = make_case(db.session, world, state="completed")
    ratings.submit_rating(db.session, case, level="不满意", comment="窗口态度差", calendar=WorkingCalendar(),
                          rectification_days=10)
    db.session.commit()
    task = db.session.query(Rectification).one()
    login_as("监察", world.county.code)
    page = client.get(f"/admin/rectifications/handle/{task.id}").get_data(as_text=True)
    assert "窗口态度差" in page
    assert "提交整改结果" not in page and 'value="appeal"' not in page
    assert world.town.name in page  # the unit by its name, not its code
