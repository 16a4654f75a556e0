"""§45 special procedures (行政许可法第四十五条): the time is excluded from the clock and a procedure
running past the time the applicant was told shows on the watch (特别程序超时).

Worked example: accepted Mon 2026-03-02; 专家评审 (5 working days) starts Tue 03-03, told to end 03-10.
"""
from __future__ import annotations

import pytest

from datetime import date

from govkit.cases.deadlines import deadline_status, statuses_sql
from govkit.desk.queues import queue_page
from govkit.hierarchy.scope import Scope
from govkit.supervision.services import cards
from tests.cases.conftest import register


def _suspended(workflow, s, world, clock):
    case = register(workflow, s, world)
    for step, who, fields in [("accept", world.clerk, {}), ("forward", world.clerk, {}),
                              ("sign_for", world.dispatch, {}),
                              ("assign", world.dispatch, {"department_id": world.department.id}),
                              ("start_review", world.handler, {})]:
        workflow.perform(s, case, step, who, **fields)
    clock.day = date(2026, 3, 3)
    event = workflow.perform(s, case, "suspend", world.handler,
                             procedure_id=world.implementation.special_procedures[0].id)
    return case, event


def _watch(workflow, s, world, case, day):
    """The card in Python and SQL, the handler's 临期/超期 queue and the supervisors' card list on ``day``."""
    calendar = workflow.calendar(s)
    python = deadline_status(case, calendar, workflow.settings, day).card
    sql = statuses_sql(s, [case.id], day, workflow.settings)[case.id][1]
    queued = [c.id for c, _, _ in queue_page(s, world.handler, "due", day, workflow.settings)]
    watched = [r.case_id for r in cards(s, Scope.unrestricted(), settings=workflow.settings, today=day)]
    return python, sql, case.id in queued, case.id in watched


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_a_special_procedure_past_its_stated_time_is_flagged(workflow, world, db, clock):
    s = db.session
    case, event = _suspended(workflow, s, world, clock)
    assert event.data["allowance_due"] == "2026-03-10" and case.special_due == date(2026, 3, 10)
    assert _watch(workflow, s, world, case, date(2026, 3, 10)) == ("paused", "paused", False, False)
    assert _watch(workflow, s, world, case, date(2026, 3, 11)) == ("overrun", "overrun", True, True)
    clock.day = date(2026, 3, 12)
    workflow.perform(s, case, "resume", world.handler)
    assert case.special_due is None
    # Resumed: the flag is gone and the card is the clock's again.
    assert _watch(workflow, s, world, case, date(2026, 3, 12))[0] in ("green", "yellow")
