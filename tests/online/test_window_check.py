"""窗口核验 (issue 22 item 2): an online application of an item declared 网上申报+窗口核验 is approved (and an
approval completed) only after the receiving point's 受理员 checked the originals at the counter
(``verify_originals``); who checked and when is recorded on the case and shown on the desk's case page.
行政许可法第三十一条 (the applicant answers for the truth of the materials), 第三十四条 (the organ verifies them)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.cases.models import Case, CaseEvent
from govkit.errors import InvalidTransition, PermissionDenied
from tests.desk.conftest import COUNTY, build_world, valid_id

WITH_COUNTER = "网上申报+窗口核验"


@pytest.fixture
def app(make_app, tmp_path):
    from tests.plugins import desk_form_plugin

    application = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], STORAGE_DIR=str(tmp_path / "storage"))
    with application.app_context():
        yield application
        from govkit.db import db as _db

        _db.session.remove()


def _staff(app, role, username, department=None):
    from govkit.db import db
    from govkit.testing.fixtures import create_user
    from govkit.web.actor import actor_of_user

    user = create_user(app, role, COUNTY, username=username, department=department)
    return user, actor_of_user(db.session.merge(user))


def _online_case(workflow, session, implementation, seq):
    from govkit.cases.intake_actions import APPLICANT
    from govkit.cases.workflow import Actor
    from govkit.hierarchy.scope import Scope

    roles = frozenset({APPLICANT})
    applicant = Actor(None, "申请人 周八", roles, Scope.for_division(COUNTY, None, roles))
    return workflow.register_online(session, implementation, actor=applicant, applicant_name="周八",
                                    applicant_id_number=valid_id(seq=seq), applicant_phone="13900000091",
                                    form_data={"household_size": "3", "hardship": "疾病"})


def test_approval_waits_for_the_originals_checked_at_the_counter(app, db):
    from govkit.cases.runtime import workflow_for
    from govkit.catalog.models import Implementation
    from govkit.hierarchy.models import Department

    world = build_world(db.session)
    implementation = db.session.get(Implementation, world.implementation_id)
    implementation.online_mode = WITH_COUNTER
    db.session.commit()
    department = db.session.get(Department, implementation.department_id)
    clerk_user, clerk = _staff(app, "受理员", "wc-clerk")
    _, dispatch = _staff(app, "指挥中心", "wc-dispatch")
    _, handler = _staff(app, "办理员", "wc-handler", department)
    workflow = workflow_for(app)
    case = _online_case(workflow, db.session, implementation, "091")
    states = {m: "received" for m in world.material_ids}
    workflow.perform(db.session, case, "accept", clerk, material_states=states)
    workflow.perform(db.session, case, "assign", dispatch, department_id=department.id)
    workflow.perform(db.session, case, "start_review", handler)

    client = app.test_client()
    assert client.post("/login/", data={"username": "wc-clerk", "password": "pw-123456"}).status_code in (200, 302)
    page = client.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "窗口核验" in page and "待核验" in page and "居民身份证、家庭收入证明" in page

    # The guard: no approval before the counter check; the message names the mode and the originals.
    with pytest.raises(InvalidTransition) as refused:
        workflow.perform(db.session, case, "approve", handler, result_number="低保证 2026-091")
    assert WITH_COUNTER in str(refused.value) and "居民身份证、家庭收入证明" in str(refused.value)
    db.session.rollback()
    assert db.session.get(Case, case.id).state == "in_review"
    # A denial needs no originals; the check itself is the receiving point's 受理员's.
    assert "deny" in {a.name for a in workflow.allowed_actions(db.session, case, handler)}
    with pytest.raises(PermissionDenied):
        workflow.perform(db.session, case, "verify_originals", handler)
    db.session.rollback()

    workflow.perform(db.session, case, "verify_originals", clerk)
    case = db.session.get(Case, case.id)
    assert case.state == "in_review" and case.originals_checked_by == clerk.name
    assert case.originals_checked_by_id == clerk_user.id and case.originals_checked_at is not None
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.action == "verify_originals")).one()
    assert event.actor_name == clerk.name and event.from_state == event.to_state == "in_review"
    with pytest.raises(InvalidTransition, match="无需重复核验"):
        workflow.perform(db.session, case, "verify_originals", clerk)
    db.session.rollback()
    page = client.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert f"已核验 · {clerk.name}" in page and "待核验" not in page and "窗口核验原件" in page  # the timeline

    workflow.perform(db.session, case, "approve", handler, result_number="低保证 2026-091")
    workflow.perform(db.session, case, "complete", handler)
    assert db.session.get(Case, case.id).state == "completed"


def test_no_counter_check_for_a_full_online_item_or_a_counter_case(app, db):
    from govkit.cases.actions import needs_counter_check
    from govkit.cases.runtime import workflow_for
    from govkit.catalog.models import Implementation

    world = build_world(db.session)
    implementation = db.session.get(Implementation, world.implementation_id)
    implementation.online_mode = "全程网办"
    db.session.commit()
    _, clerk = _staff(app, "受理员", "wc-clerk2")
    workflow = workflow_for(app)
    case = _online_case(workflow, db.session, implementation, "092")
    assert case.applied_online and not needs_counter_check(case)
    with pytest.raises(InvalidTransition, match="无需窗口核验原件"):
        workflow.perform(db.session, case, "verify_originals", clerk)
    db.session.rollback()
    implementation.online_mode = WITH_COUNTER
    db.session.commit()
    counter = workflow.register_case(db.session, implementation, actor=clerk, applicant_name="吴九",
                                applicant_id_number=valid_id(seq="093"),
                                form_data={"household_size": "2", "hardship": "残疾"})
    assert not counter.applied_online and not needs_counter_check(counter)  # originals were seen at the counter
    assert needs_counter_check(db.session.get(Case, case.id))
