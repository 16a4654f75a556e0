"""§42 extensions (行政许可法第四十二条): bounded per implementation, approved by a 机关负责人 who did not ask.

Worked example: a 行政许可 item (legal 20, promised 10 working days) accepted Mon 2026-03-02.
"""
from __future__ import annotations

from datetime import date

import pytest

from govkit.cases.workflow import Actor
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from tests.cases.conftest import TOWNSHIP, actor, build_world, register


@pytest.fixture
def permit(db):
    return build_world(db.session, item_type="01", item_code="000123456042")


def _in_review(workflow, s, world):
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    workflow.perform(s, case, "forward", world.clerk)
    workflow.perform(s, case, "sign_for", world.dispatch)
    workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(s, case, "start_review", world.handler)
    return case


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_one_extension_of_at_most_ten_days_and_the_statutory_date_never_moves_past_it(workflow, permit, db, clock):
    s = db.session
    case = _in_review(workflow, s, permit)
    # Promised: 03-16 (10 working days); statutory: 03-30 (20).
    assert (case.due_date, case.legal_due_date) == (date(2026, 3, 16), date(2026, 3, 30))
    with pytest.raises(ValidationError, match="1 到 10 个工作日"):
        workflow.perform(s, case, "request_extension", permit.handler, days=11, reason="需实地核查")
    workflow.perform(s, case, "request_extension", permit.handler, days=10, reason="需实地核查")
    with pytest.raises(PermissionDenied, match="机关负责人"):
        workflow.perform(s, case, "extend", permit.dispatch, reason="同意")  # 指挥中心 may not approve
    event = workflow.perform(s, case, "extend", permit.head, reason="同意延长十日")
    # Promised + 10: 03-30; statutory 20 + 10 = 30 working days (清明 04-04…04-06 off): 04-14.
    assert (case.due_date, case.legal_due_date) == (date(2026, 3, 30), date(2026, 4, 14))
    assert event.data["legal_due_date"] == "2026-04-14" and event.data["approved_by"] == permit.head.name
    with pytest.raises(InvalidTransition, match="最多可延期 1 次，已延期 1 次"):
        workflow.perform(s, case, "request_extension", permit.handler, days=5, reason="再延")
    # Even a case whose extension days were raised by hand keeps the statutory date within the bound.
    case.extension_days = 70
    workflow.recompute_deadline(s, case)
    assert case.legal_due_date == date(2026, 4, 14)


def test_an_implementation_may_forbid_extensions(workflow, permit, db):
    s = db.session
    permit.implementation.max_extensions = 0
    s.commit()
    case = _in_review(workflow, s, permit)
    assert "request_extension" not in {a.name for a in workflow.allowed_actions(s, case, permit.handler)}
    with pytest.raises(InvalidTransition, match="不允许延期"):
        workflow.perform(s, case, "request_extension", permit.handler, days=1, reason="x")


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_the_requester_cannot_approve_their_own_extension(workflow, permit, db):
    s = db.session
    case = _in_review(workflow, s, permit)
    both = frozenset({"办理员", "机关负责人"})
    handler_and_head = Actor(permit.handler.user_id, permit.handler.name, both,
                             Scope.for_division(TOWNSHIP, permit.handler.user_id, both), permit.department.id)
    workflow.perform(s, case, "request_extension", handler_and_head, days=5, reason="需专家意见")
    with pytest.raises(PermissionDenied, match="“批准延期”不能由“申请延期”的同一人办理（职责分离）"):
        workflow.perform(s, case, "extend", handler_and_head, reason="同意")
    assert case.extension_days == 0 and case.legal_due_date == date(2026, 3, 30)
    workflow.perform(s, case, "extend", actor("机关负责人", TOWNSHIP, "另一负责人"), reason="同意")
    assert case.extension_days == 5


def test_only_a_head_of_the_implementing_organ_approves(workflow, permit, db):
    s = db.session
    case = _in_review(workflow, s, permit)
    workflow.perform(s, case, "request_extension", permit.handler, days=5, reason="需专家意见")
    county_head = actor("机关负责人", "621002000000")
    with pytest.raises(PermissionDenied, match="实施机关"):
        workflow.perform(s, case, "extend", county_head, reason="同意")
