"""Optimistic locking with real concurrent sessions on PostgreSQL: exactly one transition wins."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, CaseEvent, OutboxMessage
from govkit.errors import ConcurrentModification
from tests.cases.conftest import register


def _race(engine, workflow, case_id, moves):
    """Each thread opens its own connection, loads the case, waits for the other, then acts."""
    barrier = threading.Barrier(len(moves))
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def run(action, actor, fields):
        with Session(engine) as session:
            case = session.get(Case, case_id)
            case.implementation.item  # noqa: B018 - load what the action needs before racing
            list(case.pauses), list(case.materials)
            barrier.wait(timeout=30)
            try:
                workflow.perform(session, case, action, actor, **fields)
                outcome = ("won", action)
            except ConcurrentModification as exc:
                outcome = ("lost", str(exc))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=move) for move in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.backends("postgres")
@pytest.mark.parametrize("second", ["forward", "withdraw"])
def test_two_simultaneous_transitions_exactly_one_wins(workflow, world, db, second):
    s = db.session
    engine = db.engine
    for _ in range(3):
        case = register(workflow, s, world)
        workflow.perform(s, case, "accept", world.clerk)
        case_id, version = case.id, case.version
        moves = [("forward", world.clerk, {}), (second, world.agent if second == "withdraw" else world.clerk,
                                              {"reason": "申请人申请撤回"} if second == "withdraw" else {})]
        results = _race(engine, workflow, case_id, moves)
        outcomes = sorted(r[0] for r in results)
        assert outcomes == ["lost", "won"], results
        assert [r[1] for r in results if r[0] == "lost"] == ["办件已被他人修改，请刷新后重试。"]
        winner = next(r[1] for r in results if r[0] == "won")
        s.expire_all()
        fresh = s.get(Case, case_id)
        assert fresh.version == version + 1
        assert fresh.state == {"forward": "forwarded", "withdraw": "withdrawn"}[winner]
        events = s.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
        assert events == ["register", "accept", winner]
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.payload["case_number"].as_string() == fresh.number))
        assert outbox == 3


@pytest.mark.backends("postgres")
def test_concurrent_registrations_get_distinct_numbers(app, workflow, world, db):
    engine = db.engine
    numbers: list[str] = []
    barrier = threading.Barrier(4)

    def run():
        # The item-form hook of the built-in forms plugin reads the app config.
        with app.app_context(), Session(engine) as session:
            barrier.wait(timeout=30)
            for _ in range(5):
                case = workflow.register_case(session, world.implementation.id, actor=world.clerk,
                                              applicant_name="王五", applicant_id_number="11010519491231002X")
                numbers.append(case.number)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, 21))
