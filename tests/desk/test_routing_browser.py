"""Routing without dead ends, in headless Chromium (行政许可法 aside, DESIGN §2.3 "who may act where").

* a township 指挥中心 assigns a case to a township department (便民服务中心); the form preselects the
  item's department and lists only its handlers; that department's handler finds the case in 待审查,
  starts the review and decides;
* at the county, 分派 preselects the item's department (民政局, though 人社局 sorts first) and lists
  only 民政局's handlers.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.cases.runtime import workflow_for
from govkit.cases.workflow import Actor
from govkit.catalog.models import Implementation
from govkit.hierarchy.models import Department, Division
from govkit.testing.fixtures import create_user

from .conftest import COUNTY, TOWNSHIP, VILLAGE, valid_id
from .test_browser import browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _signed_case(app, db, implementation, **form_data) -> Case:
    """A case accepted at the village and signed for where it is decided (the steps before 分派)."""
    workflow, system = workflow_for(app), Actor.system()
    case = workflow.register_case(db.session, implementation, actor=system, applicant_name="李桂兰",
                                  applicant_id_number=valid_id(), applicant_phone="13912345678",
                                  accepting_division_code=VILLAGE, form_data=form_data)
    workflow.perform(db.session, case, "accept", system)
    while case.current_division_code != case.implementing_division_code:
        workflow.perform(db.session, case, "forward", system)
        workflow.perform(db.session, case, "sign_for", system)
    return case


def _page(browser, live_server, username):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-123456")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    return context, page


def _ok(page):
    flash = page.locator(".flash").first
    assert "danger" not in (flash.get_attribute("class") or ""), flash.inner_text()


def _options(page, name):
    return page.eval_on_selector_all(f"select[name={name}] option", "els => els.map(e => e.textContent)")


def test_township_dispatch_assigns_and_the_department_handler_decides_from_the_queue(
        app, world, live_server, browser, db):  # noqa: F811
    township = db.session.scalar(select(Division).where(Division.code == TOWNSHIP))
    centre = Department(division_id=township.id, name="便民服务中心")
    other = Department(division_id=township.id, name="农业服务中心")
    db.session.add_all([centre, other])
    db.session.flush()
    relief = db.session.scalar(select(Implementation).where(Implementation.name == "临时救助申请"))
    relief.department_id = centre.id
    db.session.commit()
    dispatch = create_user(app, "指挥中心", TOWNSHIP).username
    handler = create_user(app, "办理员", TOWNSHIP, department=centre.id)
    create_user(app, "办理员", TOWNSHIP, department=other.id)
    case = _signed_case(app, db, relief)

    context, page = _page(browser, live_server, dispatch)
    page.goto(live_server + "/desk/queue/assign")
    page.click("td.acts >> text=分派")
    assert page.input_value("select[name=department_id]") == str(centre.id)
    assert _options(page, "handler_id") == ["（不选）", f"{handler.username}（便民服务中心）"]
    page.click("button.primary")
    _ok(page)
    context.close()

    context, page = _page(browser, live_server, handler.username)
    page.goto(live_server + "/desk/queue/review")
    assert case.number in page.content()
    page.click("td.acts >> text=开始审查")
    _ok(page)
    page.goto(live_server + f"/desk/case/{case.id}")
    page.click('.actions >> text="给付"')  # a 行政给付 item's decision is worded 给付 (govkit/catalog/wording.py)
    page.fill("input[name=result_number]", "临救〔2026〕7号")
    page.click("button.primary")
    _ok(page)
    context.close()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.current_department_id, case.result_number) == ("approved", centre.id, "临救〔2026〕7号")


def test_county_assignment_preselects_the_items_department(app, world, live_server, browser, db):  # noqa: F811
    civil = db.session.scalar(select(Department).where(Department.name == "民政局"))
    labour = db.session.scalar(select(Department).where(Department.name == "人社局"))
    dispatch = create_user(app, "指挥中心", COUNTY).username
    handler = create_user(app, "办理员", COUNTY, department=civil.id).username
    create_user(app, "办理员", COUNTY, department=labour.id)
    _signed_case(app, db, db.session.get(Implementation, world.implementation_id), household_size="3",
                 monthly_income="900", hardship="疾病")

    context, page = _page(browser, live_server, dispatch)
    page.goto(live_server + "/desk/queue/assign")
    page.click("td.acts >> text=分派")
    assert page.input_value("select[name=department_id]") == str(civil.id)
    assert _options(page, "department_id")[0] == "民政局"
    assert _options(page, "handler_id") == ["（不选）", f"{handler}（民政局）"]
    context.close()
