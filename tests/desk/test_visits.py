"""Home-visit appointments: request, schedule an agent, record the visit, link the case."""
from datetime import date

import pytest

from govkit.desk import visits
from govkit.desk.models import VisitStatus
from govkit.errors import InvalidTransition, OutOfScope, ValidationError
from govkit.hierarchy.scope import Scope

from .conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE, make_case

pytestmark = pytest.mark.both_backends

TODAY = date(2026, 3, 2)


def staff(app, db, duty, code, name):
    from govkit.testing.fixtures import create_user
    from govkit.hierarchy.models import Staff

    from sqlalchemy import select

    user = create_user(app, duty, code)
    row = db.session.scalar(select(Staff).where(Staff.user_id == user.id))
    row.name = name
    db.session.commit()
    return row


def test_visit_lifecycle(app, db, world):
    s = db.session
    clerk = Scope.for_division(VILLAGE)
    agent = staff(app, db, "代办员", VILLAGE, "王代办")
    staff(app, db, "代办员", OTHER_VILLAGE, "别村代办")
    town_agent = staff(app, db, "受理员", TOWNSHIP, "乡受理")
    visit = visits.request_visit(s, clerk, division_code=VILLAGE, applicant_name="李奶奶", address="东村三组 12 号",
                                 reason="高龄", user_id=None, applicant_phone="13800138000", today=TODAY)
    assert visit.status == VisitStatus.REQUESTED
    assert visits.masked_phone(visit) == "138****8000"
    # Agents of this village and of the divisions above it, within the scheduler's scope.
    assert [a.name for a in visits.agents_for(s, Scope.for_division(TOWNSHIP), VILLAGE)] == ["乡受理", "王代办"]
    assert [a.name for a in visits.agents_for(s, clerk, VILLAGE)] == ["王代办"]
    with pytest.raises(ValidationError, match="不是该村"):
        visits.schedule(s, clerk, visit, agent=town_agent, on=TODAY, slot="上午", today=TODAY)
    with pytest.raises(InvalidTransition, match="请先安排"):
        visits.record_visit(s, clerk, visit, outcome="x")
    visits.schedule(s, clerk, visit, agent=agent, on=date(2026, 3, 4), slot="上午", today=TODAY)
    assert (visit.status, visit.agent_name) == (VisitStatus.SCHEDULED, "王代办")
    case = make_case(s, world)
    visits.record_visit(s, clerk, visit, outcome="已上门采集材料并登记", case_id=case.id)
    assert (visit.status, visit.case_id) == (VisitStatus.DONE, case.id)
    with pytest.raises(InvalidTransition):
        visits.cancel(s, visit, reason="x")


def test_visit_scope_and_validation(db, world):
    s = db.session
    clerk = Scope.for_division(VILLAGE)
    with pytest.raises(OutOfScope):
        visits.request_visit(s, clerk, division_code=OTHER_VILLAGE, applicant_name="甲", address="x", reason="残疾",
                             user_id=None, today=TODAY)
    with pytest.raises(ValidationError, match="上门原因"):
        visits.request_visit(s, clerk, division_code=VILLAGE, applicant_name="甲", address="x", reason="想要",
                             user_id=None, today=TODAY)
    visit = visits.request_visit(s, clerk, division_code=VILLAGE, applicant_name="甲", address="x", reason="残疾",
                                 user_id=None, today=TODAY)
    with pytest.raises(OutOfScope):
        visits.get_visit(s, Scope.for_division(OTHER_VILLAGE), visit.id)
    other_case = make_case(s, world, village=OTHER_VILLAGE)
    with pytest.raises(OutOfScope):
        visits.link_case(s, clerk, visit, other_case.id)
    visits.cancel(s, visit, reason="申请人已自行到站办理")
    assert visits.list_visits(s, clerk, VisitStatus.CANCELLED) == [visit]
