"""Fixtures for case tests: a small county with one village, a catalog and a fake clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from types import SimpleNamespace

import pytest

from tests.organ_fixtures import add_organ

from govkit.cases.calendar_store import CachedCalendar
from govkit.cases.workflow import Actor, Workflow
from govkit.clock import LOCAL_TZ
from govkit.hierarchy.scope import Scope

COUNTY = "621002000000"
TOWNSHIP = "621002100000"
VILLAGE = "621002100201"
OTHER_VILLAGE = "621002200201"
ID_NUMBER = "11010519491231002X"


@dataclass
class FakeClock:
    """Callable clock for the Workflow; ``clock.day = date(...)`` moves it."""

    day: date = date(2026, 3, 2)

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(10, 0), tzinfo=LOCAL_TZ)


def actor(role: str, code: str, name: str | None = None, user_id: int | None = None,
          department_id: int | None = None) -> Actor:
    roles = frozenset({role})
    return Actor(user_id, name or f"{role}{code[-3:]}", roles, Scope.for_division(code, user_id, roles),
                 department_id)


def staff_actor(session, role: str, code: str, department=None, name: str | None = None) -> Actor:
    """An actor with a real account and Staff row (the 待审查 queue and 分派 look for Staff)."""
    from flask_appbuilder.security.sqla.models import User

    from govkit.hierarchy.models import Division, Staff

    name = name or f"{role}{code[-3:]}"
    username = f"{name}-{session.query(User).count() + 1}"
    user = User(first_name=name, last_name="测", username=username, email=f"{username}@example.invalid",
                active=True)
    session.add(user)
    session.flush()
    division = session.query(Division).filter_by(code=code).one()
    department_id = getattr(department, "id", None)
    session.add(Staff(user_id=user.id, division_id=division.id, department_id=department_id, duty=role, name=name))
    session.flush()
    return actor(role, code, name, user.id, department_id)


def build_world(session, *, promised_days: int = 10, legal_days: int = 20, kind: str = "承诺件",
                item_code: str = "000123456001", implementing: str = TOWNSHIP, item_type: str = "05"):
    """Divisions, a department, a published implementation with two materials and a special procedure."""
    from govkit.catalog.models import Implementation, Material, ServiceItem, SpecialProcedure
    from govkit.hierarchy.models import Department, Division
    from govkit.testing.fixtures import ensure_division

    for code in (COUNTY, TOWNSHIP, VILLAGE, OTHER_VILLAGE):
        ensure_division(session, code)
    division = session.query(Division).filter_by(code=implementing).one()
    department = Department(division_id=division.id, name="民政办")
    item = ServiceItem(basic_code=item_code, name="临时救助申请", item_type=item_type)
    session.add_all([department, item])
    session.flush()
    add_organ(session, division, department, name=f"{division.name}{department.name}")
    implementation = Implementation(
        item_id=item.id, division_id=division.id, department_id=department.id, code=f"IMPL{item_code}",
        name="临时救助申请", status="已发布", promised_days=promised_days, legal_days=legal_days, kind=kind,
    )
    implementation.materials = [Material(name="身份证", necessity="必需", position=1),
                                Material(name="困难情况说明", necessity="必需", position=2)]
    implementation.special_procedures = [SpecialProcedure(name="专家评审", days=5)]
    session.add(implementation)
    handler = staff_actor(session, "办理员", implementing, department, name=f"办理员{implementing[-3:]}")
    session.commit()
    return SimpleNamespace(
        implementation=implementation, department=department, item=item,
        clerk=actor("受理员", VILLAGE), agent=actor("代办员", VILLAGE),
        township_clerk=actor("受理员", TOWNSHIP), dispatch=actor("指挥中心", TOWNSHIP),
        handler=handler, head=actor("机关负责人", implementing), other_clerk=actor("受理员", OTHER_VILLAGE),
        admin=Actor.system("管理员"),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workflow(app, clock) -> Workflow:
    from govkit.state import get_state

    state = get_state(app)
    return Workflow(settings=state.settings, pm=state.pm, clock=clock,
                    calendar_loader=CachedCalendar(state.pm, state.settings, ttl=3600))


@pytest.fixture
def world(db):
    return build_world(db.session)


def register(workflow, session, world, **kwargs):
    fields = dict(applicant_name="张三", applicant_id_number=ID_NUMBER, applicant_phone="13800001234")
    fields.update(kwargs)
    return workflow.register_case(session, world.implementation, actor=world.clerk, **fields)


def applicant_actor(code: str = TOWNSHIP, name: str = "张三") -> Actor:
    """The online applicant as a workflow actor (role 申请人, scoped to the receiving point), as the hall builds it."""
    roles = frozenset({"申请人"})
    return Actor(None, f"申请人 {name}", roles, Scope.for_division(code, None, roles))


def submit_online(workflow, session, world, **kwargs):
    """An online application (网上申报) of the world's item, which then declares 全程网办."""
    world.implementation.online_mode = "全程网办"
    fields = dict(applicant_name="张三", applicant_id_number=ID_NUMBER, applicant_phone="13800001234")
    fields.update(kwargs)
    return workflow.register_online(session, world.implementation, actor=applicant_actor(), **fields)


def accept_in_app(app, session, world, day: date, **kwargs):
    """Register and accept a case on ``day`` with the app's own Workflow (the one its screens use)."""
    from govkit.cases.runtime import workflow_for

    workflow = workflow_for(app)
    original, workflow.clock = workflow.clock, FakeClock(day)
    try:
        case = register(workflow, session, world, **kwargs)
        workflow.perform(session, case, "accept", world.clerk)
    finally:
        workflow.clock = original
    return case
