"""Who may act where: every workflow action × duty role × relation to the case, with exact outcomes.

One case per position is driven through the real workflow (accepted at a village, implemented by
its township, holding department 民政办). For each row of ``MATRIX`` (a state and an action) every
duty role is placed in every relation below and :meth:`Workflow.check` is asked; the set of
``(role, relation)`` allowed must be exactly the row's. Like tests/test_authorization_matrix.py does
for scope, a row added to the workflow without a row here fails :func:`test_every_action_has_rows`,
and :func:`test_the_matrix_detects_a_wrongly_allowed_action` proves the check fails when one action's
rule is loosened.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from govkit.cases.workflow import Workflow
from govkit.errors import GovkitError
from govkit.hierarchy.models import Department, Division
from govkit.testing.fixtures import ensure_division
from tests.cases.conftest import COUNTY, TOWNSHIP, VILLAGE, actor, build_world, register, submit_online

ROLES = ("受理员", "代办员", "办理员", "指挥中心", "机关负责人", "监察")
#: relation → (division code, whether a 办理员 there belongs to the case's department).
RELATIONS = {
    "holder": (TOWNSHIP, True),               # the unit holding the case (and the addressee of 上报), its 民政办
    "holder_other_dept": (TOWNSHIP, False),   # the holding unit, another department
    "receiving": (VILLAGE, False),            # the receiving point (受理单位), a descendant of the holder
    "descendant": ("621002100202", False),    # another village of the township
    "ancestor": (COUNTY, False),
    "sibling": ("621002200000", False),       # another township of the county
    "other_county": ("621021000000", False),
}
HOLDER = ("holder", "holder_other_dept")
WITHDRAWERS = ("受理员", "代办员", "指挥中心")


def every(roles, relations) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.product(roles, relations))


#: Positions named other than their state (the same state with a clock run out).
POSITION_STATE = {"registered_overdue": "registered", "supplement_lapsed": "supplement", "online_overdue": "online",
                  "online_supplement_lapsed": "online_supplement"}
NOBODY: frozenset[tuple[str, str]] = frozenset()
#: (case position, action) → exactly the (role, relation) pairs allowed.
MATRIX: dict[tuple[str, str], frozenset[tuple[str, str]]] = {
    ("registered", "accept"): every(["受理员"], ["receiving"]),
    ("registered", "refuse"): every(["受理员"], ["receiving"]),
    ("registered", "request_supplement"): every(["受理员"], ["receiving"]),
    ("registered", "withdraw"): every(WITHDRAWERS, ["receiving"]),
    ("registered", "deem_accepted"): NOBODY,             # the five working days of §32 have not run out
    # 视为受理 (行政许可法 §32): a system step (the daily job, or before any step on the case); offered by
    # hand only to the receiving point's 受理员, like 受理 itself (performer "receiving").
    ("registered_overdue", "deem_accepted"): every(["受理员"], ["receiving"]),
    ("registered_overdue", "accept"): NOBODY,            # too late: the case is accepted by law
    ("supplement", "withdraw_deemed"): NOBODY,           # the 补正 period has not run out
    # 视为撤回: an explicit step by the receiving point's 受理员 once the 补正 period ran out.
    ("supplement_lapsed", "withdraw_deemed"): every(["受理员"], ["receiving"]),
    ("accepted", "forward"): every(["受理员", "代办员", "办理员", "指挥中心"], ["receiving"]),
    ("accepted", "withdraw"): every(WITHDRAWERS, ["receiving"]),
    ("forwarded", "sign_for"): every(["受理员", "指挥中心", "办理员"], HOLDER),   # only the addressee
    ("forwarded", "withdraw"): every(WITHDRAWERS, ["receiving", *HOLDER]),
    ("signed", "assign"): every(["指挥中心"], HOLDER),
    ("signed", "forward"): NOBODY,                       # already at the implementing organ
    ("signed", "return"): every(["办理员", "指挥中心"], HOLDER),
    ("signed", "withdraw"): every(WITHDRAWERS, ["receiving", *HOLDER]),
    ("assigned", "start_review"): every(["办理员"], ["holder"]),
    ("assigned", "request_extension"): every(["办理员"], ["holder"]),
    ("assigned", "extend"): NOBODY,                      # nothing requested
    ("assigned", "return"): every(["办理员", "指挥中心"], HOLDER),
    ("assigned", "withdraw"): every(WITHDRAWERS, ["receiving", *HOLDER]),
    ("in_review", "approve"): every(["办理员"], ["holder"]),
    ("in_review", "deny"): every(["办理员"], ["holder"]),
    ("in_review", "suspend"): every(["办理员"], ["holder"]),
    ("in_review", "request_extension"): every(["办理员"], ["holder"]),
    ("in_review", "extend"): every(["机关负责人"], HOLDER),   # the implementing organ's head
    ("in_review", "return"): every(["办理员", "指挥中心"], HOLDER),
    ("in_review", "withdraw"): every(WITHDRAWERS, ["receiving", *HOLDER]),
    ("suspended", "resume"): every(["办理员"], ["holder"]),
    ("suspended", "extend"): NOBODY,
    ("suspended", "withdraw"): every(WITHDRAWERS, ["receiving", *HOLDER]),
    ("approved", "complete"): every(["办理员", "受理员"], HOLDER),
    ("completed", "deliver"): every(["代办员", "受理员", "办理员"], ["receiving", *HOLDER]),
    # 网上申报: registered at the implementing organ's receiving point (the township, here the holder);
    # pre-review (预审) is its 受理员's — accept, refuse or 一次性告知 online (行政许可法 §29, §32).
    ("online", "accept"): every(["受理员"], HOLDER),
    ("online", "refuse"): every(["受理员"], HOLDER),
    ("online", "request_supplement_online"): every(["受理员"], HOLDER),
    ("online", "request_supplement"): NOBODY,            # the counter's notice: an online case is told online
    ("online", "withdraw"): every(WITHDRAWERS, HOLDER),
    ("online", "deem_accepted"): NOBODY,                 # §32: five working days from submission not yet over
    ("online_overdue", "deem_accepted"): every(["受理员"], HOLDER),
    ("online_overdue", "accept"): NOBODY,
    ("online_supplement", "resubmit_online"): NOBODY,    # the applicant's own step: no staff role, not even 受理员
    ("online_supplement", "resubmit"): NOBODY,
    ("online_supplement", "refuse"): every(["受理员"], HOLDER),
    ("online_supplement", "withdraw"): every(WITHDRAWERS, HOLDER),
    ("online_supplement", "withdraw_deemed"): NOBODY,
    ("online_supplement_lapsed", "withdraw_deemed"): every(["受理员"], HOLDER),
    # 窗口核验 is for 网上申报+窗口核验 items only; this item is 全程网办 (the rule's own cases are in
    # tests/online/test_window_check.py).
    ("online", "verify_originals"): NOBODY,
}


def _positions(workflow, s, world) -> dict[str, object]:
    """One case in each position (committed), keyed by the state named in MATRIX."""
    steps = [("accept", world.clerk, {}), ("forward", world.clerk, {}), ("sign_for", world.dispatch, {}),
             ("assign", world.dispatch, {"department_id": world.department.id}),
             ("start_review", world.handler, {}),
             ("request_extension", world.handler, {"days": 3, "reason": "需核查"})]
    names = ["registered", "accepted", "forwarded", "signed", "assigned", "in_review"]
    cases = {}
    for count, name in enumerate(names):
        case = register(workflow, s, world)
        for step, who, fields in steps[:count + (1 if name == "in_review" else 0)]:
            workflow.perform(s, case, step, who, **fields)
        cases[name] = case
    suspended = register(workflow, s, world)
    for step, who, fields in steps[:5]:
        workflow.perform(s, suspended, step, who, **fields)
    workflow.perform(s, suspended, "suspend", world.handler,
                     procedure_id=world.implementation.special_procedures[0].id)
    cases["suspended"] = suspended
    approved = register(workflow, s, world)
    for step, who, fields in steps[:5]:
        workflow.perform(s, approved, step, who, **fields)
    workflow.perform(s, approved, "approve", world.handler, result_number="临救〔2026〕9号")
    cases["approved"] = approved
    completed = register(workflow, s, world)
    for step, who, fields in steps[:5]:
        workflow.perform(s, completed, step, who, **fields)
    workflow.perform(s, completed, "approve", world.handler, result_number="临救〔2026〕10号")
    workflow.perform(s, completed, "complete", world.handler)
    cases["completed"] = completed
    ident, hardship = (m.id for m in world.implementation.materials[:2])
    lacking = {ident: "received", hardship: "missing"}
    cases["supplement"] = register(workflow, s, world, material_states=lacking)
    workflow.perform(s, cases["supplement"], "request_supplement", world.clerk)
    online_lacking = {ident: "received", hardship: "missing"}
    cases["online"] = submit_online(workflow, s, world)
    cases["online_supplement"] = submit_online(workflow, s, world)
    workflow.perform(s, cases["online_supplement"], "request_supplement_online", world.township_clerk,
                     material_states=online_lacking)
    today = workflow.clock.day
    workflow.clock.day = today - timedelta(days=70)  # ten weeks ago: both the §32 and the 补正 clocks ran out
    try:
        cases["registered_overdue"] = register(workflow, s, world)
        cases["supplement_lapsed"] = register(workflow, s, world, material_states=lacking)
        workflow.perform(s, cases["supplement_lapsed"], "request_supplement", world.clerk)
        cases["online_overdue"] = submit_online(workflow, s, world)
        cases["online_supplement_lapsed"] = submit_online(workflow, s, world)
        workflow.perform(s, cases["online_supplement_lapsed"], "request_supplement_online", world.township_clerk,
                         material_states=online_lacking)
    finally:
        workflow.clock.day = today
    assert {n: c.state for n, c in cases.items()} == {n: POSITION_STATE.get(n, n) for n in cases}
    return cases


def _actors(s, world):
    other = Department(division_id=s.query(Division).filter_by(code=TOWNSHIP).one().id, name="便民服务中心")
    s.add(other)
    for code, _ in RELATIONS.values():
        ensure_division(s, code)
    s.commit()
    result = {}
    for role, (relation, (code, own_department)) in itertools.product(ROLES, RELATIONS.items()):
        department = world.department.id if own_department else (other.id if relation == "holder_other_dept" else None)
        result[role, relation] = actor(role, code, f"{role}·{relation}", department_id=department)
    return result


def mismatches(workflow: Workflow, s, cases, actors) -> list[str]:
    """Rows whose allowed (role, relation) pairs differ from MATRIX, described for the failure message."""
    problems = []
    for (state, name), expected in MATRIX.items():
        case, action = cases[state], workflow.action(name)
        allowed = set()
        for key, who in actors.items():
            try:
                workflow.check(s, case, action, who)
            except GovkitError:
                continue
            allowed.add(key)
        if allowed != expected:
            problems.append(f"{state}/{name}: wrongly allowed {sorted(allowed - expected)}, "
                            f"wrongly refused {sorted(expected - allowed)}")
    return problems


@pytest.fixture
def positioned(workflow, db):
    world = build_world(db.session)
    cases = _positions(workflow, db.session, world)
    return cases, _actors(db.session, world)


def test_every_action_role_relation_has_exactly_the_expected_outcome(workflow, positioned, db):
    cases, actors = positioned
    assert mismatches(workflow, db.session, cases, actors) == []


def test_the_matrix_detects_a_wrongly_allowed_action(workflow, positioned, db):
    cases, actors = positioned

    class Loose(Workflow):
        """The old rule for 签收: anyone whose scope covers the unit (the county was offered 签收)."""

        @staticmethod
        def performs(action, case, who):
            return action.name == "sign_for" or Workflow.performs(action, case, who)

    loose = Loose(settings=workflow.settings, pm=None, clock=workflow.clock, calendar_loader=workflow._calendar_loader)
    problems = mismatches(loose, db.session, cases, actors)
    assert len(problems) == 1 and problems[0].startswith("forwarded/sign_for: wrongly allowed")
    assert "('指挥中心', 'ancestor')" in problems[0]


def test_every_action_has_rows(workflow):
    covered = {name for _, name in MATRIX}
    # intake steps: tests/cases/test_workflow.py and tests/cases/test_online_workflow.py
    assert set(workflow.actions) - covered == {"register", "submit_online"}
