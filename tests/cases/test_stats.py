"""On-time and early completion rates."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.cases.stats import completion_rates
from govkit.hierarchy.scope import Scope
from tests.cases.conftest import OTHER_VILLAGE, VILLAGE, register

pytestmark = pytest.mark.both_backends


def _finish(workflow, s, world, case, on):
    workflow.perform(s, case, "accept", world.clerk)
    workflow.perform(s, case, "forward", world.clerk)
    workflow.perform(s, case, "sign_for", world.dispatch)
    workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(s, case, "start_review", world.handler)
    workflow.clock.day = on
    workflow.perform(s, case, "approve", world.handler, result_number="R")
    workflow.perform(s, case, "complete", world.handler)


def test_completion_rates_by_division_item_and_department(workflow, world, db, clock):
    s = db.session
    outcomes = [date(2026, 3, 5), date(2026, 3, 16), date(2026, 3, 20)]  # early, on the due day, late
    for day in outcomes:
        clock.day = date(2026, 3, 2)  # due 2026-03-16
        case = register(workflow, s, world)
        _finish(workflow, s, world, case, day)
    clock.day = date(2026, 3, 2)
    register(workflow, s, world)  # not completed: not counted
    (row,) = completion_rates(s, "division")
    assert (row.key, row.completed, row.on_time, row.early) == (VILLAGE, 3, 2, 1)
    assert round(row.on_time_rate, 3) == 0.667 and round(row.early_rate, 3) == 0.333
    assert [(r.key, r.completed) for r in completion_rates(s, "item")] == [(world.item.id, 3)]
    assert [(r.key, r.on_time) for r in completion_rates(s, "department")] == [(world.department.id, 2)]
    assert completion_rates(s, "division", scope=Scope.for_division(OTHER_VILLAGE)) == []
