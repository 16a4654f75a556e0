"""Separation of duties (职责分离): a step marked ``not_by`` refuses the actor of the named earlier steps."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.cases.workflow import Actor, check_separation
from govkit.errors import PermissionDenied
from govkit.hierarchy.scope import Scope
from govkit.testing.fixtures import create_user
from tests.cases.conftest import TOWNSHIP, register


def _person(user_id: int, *roles: str, department_id: int | None = None) -> Actor:
    granted = frozenset(roles)
    return Actor(user_id, f"用户{user_id}", granted, Scope.for_division(TOWNSHIP, user_id, granted), department_id)


def _in_review(workflow, world, db, clock):
    clock.day = date(2026, 3, 2)
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    workflow.perform(db.session, case, "forward", world.clerk)
    workflow.perform(db.session, case, "sign_for", world.dispatch)
    workflow.perform(db.session, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(db.session, case, "start_review", world.handler)
    return case


# 申请延期 is the assigned department's 办理员, 批准延期 a 机关负责人 of the implementing organ (行政许可法第四十二条).
@pytest.mark.parametrize("roles", [("办理员", "机关负责人"), ("Admin",)])
def test_the_requester_of_an_extension_cannot_approve_it(app, workflow, world, db, clock, roles):
    case = _in_review(workflow, world, db, clock)
    first, second = (create_user(app, "机关负责人", TOWNSHIP).id for _ in range(2))
    both = _person(first, *roles, department_id=world.department.id)
    workflow.perform(db.session, case, "request_extension", both, days=3, reason="需实地核查")
    with pytest.raises(PermissionDenied, match="职责分离"):
        workflow.perform(db.session, case, "extend", both, reason="同意")
    assert "extend" not in [a.name for a in workflow.allowed_actions(db.session, case, both)]
    other = _person(second, "机关负责人")
    assert "extend" in [a.name for a in workflow.allowed_actions(db.session, case, other)]
    workflow.perform(db.session, case, "extend", other, reason="同意")
    assert [e.action for e in case.events][-2:] == ["request_extension", "extend"]


def test_check_separation_names_the_earlier_step_and_ignores_unknown_users():
    with pytest.raises(PermissionDenied, match="“批准”不能由“申请”的同一人办理"):
        check_separation("批准", 5, [("起草", 4), ("申请", 5)])
    check_separation("批准", 6, [("申请", 5)])
    check_separation("批准", None, [("申请", None)])  # system jobs bind nobody
