"""Property test: random action sequences by random actors on random days.

Whatever happens: no illegal state is reached, every failed action leaves the case as it
was, every event chain replays to the case's current state, deadlines never move earlier.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from govkit.cases import states
from govkit.cases.intake import intake_overdue
from govkit.cases.models import Case, CaseEvent
from govkit.errors import GovkitError
from tests.cases.conftest import applicant_actor, register, submit_online

pytestmark = pytest.mark.both_backends

ACTORS = ("clerk", "agent", "township_clerk", "dispatch", "handler", "head", "other_clerk", "admin", "applicant")


def _fields(name, world):
    first, second = (m.id for m in world.implementation.materials[:2])
    return {
        "accept": {"material_states": {first: "received", second: "received"}},
        "request_supplement_online": {"material_states": {first: "received", second: "missing"}},
        "refuse": {"reason": "不符合受理条件"},
        "request_supplement": {"missing": [world.implementation.materials[1].id]},
        "assign": {"department_id": world.department.id},
        "return": {"reason": "请补充"},
        "suspend": {"procedure_id": world.implementation.special_procedures[0].id},
        "request_extension": {"days": 2, "reason": "核查"},
        "extend": {"reason": "同意", "days": 1},
        "approve": {"result_number": "R-1"},
        "deny": {"reason": "不符合条件"},
        "deliver": {"method": "窗口领取", "receiver": "本人"},
        "withdraw": {"reason": "申请人书面申请撤回"},
    }.get(name, {})


def _invariants(case: Case) -> None:
    assert case.state in states.STATE_LABELS
    if case.state in states.CLOCK_STATES | {states.SUSPENDED, states.APPROVED, states.DENIED,
                                            states.COMPLETED, states.DELIVERED}:
        assert case.accepted_date is not None and case.due_date is not None
    if case.paused_since is not None:
        assert case.state in (states.SUPPLEMENT, states.SUSPENDED, states.ONLINE_SUPPLEMENT)
    if case.state in (states.ONLINE, states.REGISTERED):
        assert case.accepted_date is None and case.intake_due_date is not None
    if case.state in (states.APPROVED, states.COMPLETED, states.DELIVERED) and case.decision == "approved":
        assert case.result_number
    if case.state in (states.COMPLETED, states.DELIVERED):
        assert case.completed_date is not None and case.decision in ("approved", "denied")
    if case.state == states.DELIVERED:
        assert case.delivery_method and case.delivered_at is not None
    if case.state in (states.FORWARDED, states.SIGNED, states.ASSIGNED, states.IN_REVIEW):
        assert case.accepted_date is not None


steps = st.lists(
    st.tuples(st.sampled_from(sorted(a for a in (
        "accept", "refuse", "request_supplement", "resubmit", "forward", "sign_for", "assign", "start_review",
        "return", "suspend", "resume", "request_extension", "extend", "approve", "deny", "complete", "deliver",
        "withdraw", "request_supplement_online", "resubmit_online"))),
        st.sampled_from(ACTORS), st.integers(0, 4), st.integers(0, 99), st.integers(0, 3)),
    min_size=1, max_size=30,
)


def _walk(*pairs):
    return [(name, who, 1, 0, 0) for name, who in pairs]


FULL_WALK = _walk(("accept", "clerk"), ("forward", "clerk"), ("sign_for", "dispatch"), ("assign", "dispatch"),
                  ("start_review", "handler"), ("suspend", "handler"), ("resume", "handler"),
                  ("request_extension", "handler"), ("extend", "head"), ("approve", "handler"),
                  ("complete", "handler"), ("deliver", "agent"))
RETURN_WALK = _walk(("request_supplement", "clerk"), ("resubmit", "agent"), ("accept", "clerk"),
                    ("forward", "clerk"), ("sign_for", "dispatch"), ("return", "dispatch"), ("forward", "clerk"),
                    ("withdraw", "agent"))


# The §32 intake clock runs out while the case waits registered: the case is deemed accepted first,
# then a refused action (approve) leaves it accepted, and a later action starts from 已受理.
# An online application (网上申报): 一次性告知 online, the applicant's 网上补正, pre-review accepts at the
# implementing organ's receiving point, and the ordinary case follows there.
ONLINE_WALK = _walk(("request_supplement_online", "township_clerk"), ("resubmit_online", "applicant"),
                    ("accept", "township_clerk"), ("assign", "dispatch"), ("start_review", "handler"),
                    ("approve", "handler"), ("complete", "handler"), ("deliver", "agent"))
DEEMED_WALK = [("approve", "handler", 4, 0, 0), ("approve", "handler", 4, 0, 0), ("approve", "handler", 4, 0, 0),
               ("forward", "clerk", 0, 0, 0)]


@example(sequence=DEEMED_WALK, start=date(2026, 3, 2), online=False)
@example(sequence=DEEMED_WALK, start=date(2026, 3, 2), online=True)
@example(sequence=FULL_WALK, start=date(2026, 2, 10), online=False)
@example(sequence=RETURN_WALK, start=date(2026, 9, 24), online=False)
@example(sequence=ONLINE_WALK, start=date(2026, 4, 13), online=True)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(sequence=steps, start=st.dates(min_value=date(2025, 1, 1),
                                      max_value=date(2026, 12, 20)), online=st.booleans())
def test_random_sequences_keep_the_case_legal(workflow, world, db, clock, sequence, start, online):
    s = db.session
    clock.day = start
    world.applicant = applicant_actor()
    case = submit_online(workflow, s, world) if online else register(workflow, s, world)
    due_history = []
    performed = 0
    reached = set()
    for name, who, advance, choice, pick_allowed in sequence:
        clock.day += timedelta(days=advance)
        if pick_allowed:  # mostly walk legal paths so deep states are reached too
            candidates = [(a.name, w) for w in ACTORS for a in workflow.allowed_actions(s, case, getattr(world, w))]
            onward = [c for c in candidates if c[0] not in ("withdraw", "refuse")]
            candidates = onward if onward and choice >= 5 else candidates
            if candidates:
                name, who = candidates[choice % len(candidates)]
        before = (case.state, case.version, case.due_date)
        overdue = intake_overdue(case, workflow.today())
        deems = _deemed(s, case)
        action = workflow.actions[name]
        try:
            workflow.perform(s, case, name, getattr(world, who), **_fields(name, world))
        except GovkitError:
            s.expire_all()
            deemed = _deemed(s, case) - deems
            if deemed:  # 行政许可法 §32: the overdue case became accepted before the action was refused
                assert overdue and deemed == 1
                performed += 1
                assert (case.state, case.version) == (states.ACCEPTED, before[1] + 1) and case.due_date
            else:
                assert (case.state, case.version, case.due_date) == before
        else:
            performed += 1
            deemed = _deemed(s, case) - deems - (name == "deem_accepted")
            assert deemed == (1 if overdue and name != "deem_accepted" else 0)
            performed += deemed
            start_state = states.ACCEPTED if deemed else before[0]
            assert action.starts_from(start_state)
            assert case.state == (action.to_state or start_state)
        _invariants(case)
        reached.add(case.state)
        if case.due_date is not None:
            due_history.append(case.due_date)
    assert due_history == sorted(due_history), "a deadline moved earlier"
    events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert len(events) == performed + 1
    state = None
    for event in events:
        assert event.from_state == state
        assert event.action in ("register", "submit_online") or workflow.actions[event.action].starts_from(state)
        state = event.to_state
    assert state == case.state
    REACHED.update(reached)


REACHED: set[str] = set()


def _deemed(session, case) -> int:
    """How many 视为受理 system events ``case`` has (the workflow adds one before any action once due)."""
    return len(session.scalars(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "deem_accepted")).all())


def test_random_sequences_reached_deep_states():
    # Runs after the property test in file order: the walk must have covered the workflow.
    if REACHED:
        assert {"in_review", "suspended", "completed", "delivered", "supplement", "returned", "online",
                "online_supplement"} <= REACHED, REACHED
