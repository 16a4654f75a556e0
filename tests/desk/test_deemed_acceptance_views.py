"""视为受理 at the desk (行政许可法第三十二条): a case registered on Mon 2026-11-02 whose five working days
(until Mon 11-09) passed with neither acceptance, refusal nor a 补正 notice is accepted from the day of
receipt — the case page offers only 视为受理, the clerk's late 受理 is refused, and the page, the history
and the printed 受理通知书 say 视为受理 with 2026-11-02 as the acceptance date.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from govkit.cases.models import Case, CaseEvent
from tests.cases.conftest import FakeClock

from .conftest import VILLAGE
from .test_issuing import pdf_text
from .test_intake_views import intake_data

RECEIVED = date(2026, 11, 2)  # November 2026 has no holidays


@pytest.fixture
def clock(desk_app):
    from govkit.cases.runtime import workflow_for

    workflow = workflow_for(desk_app)
    original, workflow.clock = workflow.clock, FakeClock(RECEIVED)
    yield workflow.clock
    workflow.clock = original


def _register(desk_world, clerk, db) -> Case:
    response = clerk.post(f"/desk/intake/item/{desk_world.implementation_id}",
                          data=intake_data(desk_world, decision="register"))
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return db.session.scalar(select(Case).order_by(Case.id.desc()))


def _actions(page: str) -> set[str]:
    return set(re.findall(r"/act/(\w+)", page))


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_a_registered_case_past_its_intake_clock_is_deemed_accepted_from_receipt(desk_world, user_client, db, clock,
                                                                                tmp_path):
    clerk, _ = user_client("受理员", VILLAGE)
    case = _register(desk_world, clerk, db)
    assert (case.state, case.received_date, case.intake_due_date) == ("registered", RECEIVED, date(2026, 11, 9))
    page = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "受理审查期" in page and "2026年11月9日" in page and "逾期自收件之日起视为受理" in page
    assert {"accept", "refuse", "request_supplement"} <= _actions(page)  # the clerk still decides on 11-02

    clock.day = date(2026, 11, 12)  # past the five working days
    page = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "deem_accepted" in _actions(page) and not {"accept", "refuse", "request_supplement"} & _actions(page)
    # A late 受理 is refused: the law accepted the case already, and the system says so.
    response = clerk.post(f"/desk/case/{case.id}/act/accept", data={"version": case.version},
                          follow_redirects=True)
    assert "已受理" in response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.deemed_accepted, case.accepted_date) == ("accepted", True, RECEIVED)
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.action == "deem_accepted"))
    assert (event.actor_name, event.data["deemed_accepted_from"]) == ("系统", "2026-11-02")

    page = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "受理日期</dt><dd>2026年11月2日" in page.replace("\n", "") and "视为受理：逾期未告知补正" in page
    assert "视为受理" in page and "/print/acceptance_notice" in page
    notice = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    text = "".join(pdf_text(notice.data, tmp_path).split())
    assert "第三十二条" in text and "视为受理" in text and "2026年11月2日" in text


def test_the_deem_accepted_button_accepts_from_receipt(desk_world, user_client, db, clock):
    clerk, _ = user_client("受理员", VILLAGE)
    case = _register(desk_world, clerk, db)
    clock.day = date(2026, 11, 10)
    response = clerk.post(f"/desk/case/{case.id}/act/deem_accepted", data={"version": case.version})
    assert response.status_code == 302 and "print=acceptance_notice" in response.headers["Location"]
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.deemed_accepted, case.accepted_date) == ("accepted", True, RECEIVED)
