"""The workflow engine: the full lifecycle, checks (scope, state, role), intake rules."""
from __future__ import annotations

from datetime import date

import pytest
import wtforms
from wtforms import validators

from govkit import hookimpl
from govkit.cases.models import CaseEvent, OutboxMessage
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from tests.cases.conftest import ID_NUMBER, TOWNSHIP, VILLAGE, actor, build_world, register

pytestmark = pytest.mark.both_backends


def test_full_lifecycle_records_one_event_and_outbox_row_per_step(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 3, 2)
    case = register(workflow, s, world)
    assert case.number == f"{VILLAGE}202603020001"
    assert len(case.progress_token) >= 20 and case.progress_token.replace("-", "").replace("_", "").isalnum()
    workflow.perform(s, case, "accept", world.clerk)
    assert (case.accepted_date, case.due_date, case.due_provisional) == (date(2026, 3, 2), date(2026, 3, 16), False)
    workflow.perform(s, case, "forward", world.clerk)
    assert case.current_division_code == TOWNSHIP
    workflow.perform(s, case, "sign_for", world.dispatch)
    workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(s, case, "start_review", world.handler)
    workflow.perform(s, case, "approve", world.handler, result_number="临救〔2026〕1号")
    workflow.perform(s, case, "complete", world.handler)
    workflow.perform(s, case, "deliver", world.agent, method="代办员送达", receiver="张三")
    actions = [e.action for e in case.events]
    assert actions == ["register", "accept", "forward", "sign_for", "assign", "start_review", "approve",
                       "complete", "deliver"]
    assert case.state == "delivered" and case.result_number == "临救〔2026〕1号"
    assert s.query(OutboxMessage).count() == len(actions)
    event = s.query(CaseEvent).filter_by(action="sign_for").one()
    assert ((event.role, event.division_code, event.from_state, event.to_state)
            == ("指挥中心", TOWNSHIP, "forwarded", "signed"))


def test_second_case_of_the_day_gets_the_next_number(workflow, world, db):
    first = register(workflow, db.session, world)
    second = register(workflow, db.session, world)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_invalid_transition_names_state_and_allowed_actions(workflow, world, db):
    case = register(workflow, db.session, world)
    with pytest.raises(InvalidTransition) as info:
        workflow.perform(db.session, case, "approve", world.handler, result_number="x")
    message = str(info.value)
    assert "已登记" in message and "受理" in message and "一次性告知补正" in message and "撤回" in message


def test_out_of_scope_actor_gets_out_of_scope_and_wrong_role_permission_denied(workflow, world, db):
    case = register(workflow, db.session, world)
    with pytest.raises(OutOfScope):
        workflow.perform(db.session, case, "accept", world.other_clerk)
    with pytest.raises(PermissionDenied):
        workflow.perform(db.session, case, "accept", world.agent)
    assert case.state == "registered"
    assert {a.name for a in workflow.allowed_actions(db.session, case, world.clerk)} == {
        "accept", "refuse", "request_supplement", "withdraw"}
    assert workflow.allowed_actions(db.session, case, world.other_clerk) == []


def test_accept_refuses_missing_required_material(workflow, world, db):
    material = world.implementation.materials[1]
    case = register(workflow, db.session, world, materials_received=[world.implementation.materials[0].id])
    with pytest.raises(ValidationError, match="困难情况说明"):
        workflow.perform(db.session, case, "accept", world.clerk)
    workflow.perform(db.session, case, "accept", world.clerk, materials_received=[material.id])
    assert case.state == "accepted"


def test_refusal_records_reason_and_appeal_rights(workflow, world, db):
    case = register(workflow, db.session, world)
    event = workflow.perform(db.session, case, "refuse", world.clerk, reason="不属于本事项受理范围")
    assert case.state == "refused" and case.refusal_reason == "不属于本事项受理范围"
    assert "行政复议" in event.data["appeal_rights"] and "行政诉讼" in event.data["appeal_rights"]
    assert workflow.allowed_actions(db.session, case, world.clerk) == []


def test_supplement_is_one_time_and_pauses_until_resubmission(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 3, 2)
    case = register(workflow, s, world)
    missing = world.implementation.materials[1]
    event = workflow.perform(s, case, "request_supplement", world.clerk, missing=[missing.id, "村委会证明"])
    assert event.data["missing"] == ["困难情况说明", "村委会证明"]
    assert case.state == "supplement" and case.paused_since == date(2026, 3, 2) and not case.deemed_accepted
    clock.day = date(2026, 3, 4)
    workflow.perform(s, case, "resubmit", world.agent)
    assert (case.paused_since is None
            and [(p.start, p.end) for p in case.pauses] == [(date(2026, 3, 3), date(2026, 3, 4))])
    with pytest.raises(InvalidTransition, match="一次性告知"):
        workflow.perform(s, case, "request_supplement", world.clerk, missing=[missing.id])
    workflow.perform(s, case, "accept", world.clerk)
    # Notice within 5 working days: the clock starts at acceptance (2026-03-04), 10 days → 03-18.
    assert (case.accepted_date, case.due_date) == (date(2026, 3, 4), date(2026, 3, 18))


def test_forward_skips_missing_levels_and_return_goes_one_level_down(workflow, db, clock):
    from govkit.testing.fixtures import ensure_division

    world = build_world(db.session, implementing="621002000000", item_code="000123456002")
    ensure_division(db.session, "621002000000")
    s = db.session
    county_dispatch = actor("指挥中心", "621002000000")
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    workflow.perform(s, case, "forward", world.clerk)
    assert case.current_division_code == TOWNSHIP
    workflow.perform(s, case, "sign_for", world.township_clerk)
    with pytest.raises(InvalidTransition, match="尚未到达实施机关"):
        workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(s, case, "forward", world.township_clerk)
    assert case.current_division_code == "621002000000"
    workflow.perform(s, case, "sign_for", county_dispatch)
    event = workflow.perform(s, case, "return", county_dispatch, reason="请补充村委会意见")
    assert (case.state, case.current_division_code) == ("returned", TOWNSHIP)
    assert event.data == {"from_division": "621002000000", "to_division": TOWNSHIP}
    workflow.perform(s, case, "forward", world.township_clerk)
    assert case.current_division_code == "621002000000"


def test_immediate_item_is_decided_at_the_desk_and_due_the_same_day(workflow, db, clock):
    world = build_world(db.session, kind="即办件", promised_days=0, implementing=VILLAGE, item_code="000123456003")
    s = db.session
    clock.day = date(2026, 3, 3)
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    assert case.due_date == date(2026, 3, 3)
    workflow.perform(s, case, "approve", world.clerk, result_number="即-1")
    workflow.perform(s, case, "complete", world.clerk)
    assert case.completed_date == case.due_date


def test_promised_item_cannot_be_decided_at_the_desk(workflow, world, db):
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    with pytest.raises(InvalidTransition):
        workflow.perform(db.session, case, "approve", world.clerk, result_number="x")


def test_withdraw_from_any_active_state_but_not_after_decision(workflow, world, db):
    s = db.session
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    workflow.perform(s, case, "forward", world.clerk)
    workflow.perform(s, case, "withdraw", world.agent, reason="申请人不再需要")
    assert case.state == "withdrawn"
    other = register(workflow, s, world)
    for step, who, fields in [("accept", world.clerk, {}), ("forward", world.clerk, {}),
                              ("sign_for", world.dispatch, {}),
                              ("assign", world.dispatch, {"department_id": world.department.id}),
                              ("start_review", world.handler, {}), ("deny", world.handler, {"reason": "不符合条件"})]:
        workflow.perform(s, other, step, who, **fields)
    with pytest.raises(InvalidTransition):
        workflow.perform(s, other, "withdraw", world.agent)


def test_missing_required_field_is_a_validation_error(workflow, world, db):
    case = register(workflow, db.session, world)
    with pytest.raises(ValidationError, match="原因"):
        workflow.perform(db.session, case, "refuse", world.clerk)


def test_registration_validates_id_number_and_proxy_rules(workflow, world, db):
    with pytest.raises(ValidationError):
        register(workflow, db.session, world, applicant_id_number="110105194912310021")
    with pytest.raises(ValidationError, match="授权委托书"):
        register(workflow, db.session, world, proxy_name="李四", proxy_authorised=False)
    world.implementation.proxy_allowed = False
    db.session.commit()
    with pytest.raises(ValidationError, match="不可代办"):
        register(workflow, db.session, world, proxy_name="李四", proxy_authorised=True)
    case = register(workflow, db.session, world, applicant_id_number=ID_NUMBER.lower())
    assert case.applicant_id_number == ID_NUMBER


class SubsidyForm(wtforms.Form):
    household_size = wtforms.IntegerField("家庭人口", [validators.InputRequired(), validators.NumberRange(1, 20)])
    reason = wtforms.StringField("申请理由", [validators.InputRequired()])


class FormPlugin:
    @hookimpl
    def item_application_form(self, item_code, implementation):
        return SubsidyForm if item_code == "000123456001" else None


def test_item_form_from_the_hook_validates_and_is_stored(register_plugin, db, clock):
    from govkit.state import get_state
    from govkit.cases.workflow import Workflow

    app = register_plugin(FormPlugin(), name="subsidy-form")
    with app.app_context():
        state = get_state(app)
        workflow = Workflow(settings=state.settings, pm=state.pm, clock=clock)
        world = build_world(db.session)
        with pytest.raises(ValidationError, match="家庭人口"):
            register(workflow, db.session, world, form_data={"household_size": 0, "reason": "病"})
        case = register(workflow, db.session, world, form_data={"household_size": "3", "reason": "因病致贫"})
        assert case.form_data == {"household_size": 3, "reason": "因病致贫"}
        db.session.remove()
