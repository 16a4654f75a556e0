"""Builders for publicity and supervision tests: a small county with a catalog, staff and cases."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from govkit.cases.models import Case, CaseEvent
from govkit.catalog.models import Fee, Implementation, LegalBasis, Material, ProcedureStep, ServiceItem
from govkit.hierarchy.models import Department, ServiceCentre, Staff
from govkit.testing.fixtures import ensure_division

COUNTY, TOWN, VILLAGE = "621002000000", "621002100000", "621002100201"
OTHER_TOWN = "621002101000"
APPLICANT = {"name": "欧阳秀英", "id": "62100219800101002X", "phone": "13912345678", "address": "东关村三组88号"}


@dataclass
class World:
    county: object
    town: object
    village: object
    other_town: object
    department: object
    centre: object
    item: ServiceItem
    impl: Implementation


def make_world(session, *, item_name: str = "最低生活保障金给付", initials: str = "zdshbzjgf") -> World:
    county = ensure_division(session, COUNTY, "示范县")
    town = ensure_division(session, TOWN, "城关镇")
    village = ensure_division(session, VILLAGE, "东关村")
    other = ensure_division(session, OTHER_TOWN, "河西乡")
    centre = ServiceCentre(division_id=town.id, name="城关镇便民服务中心", kind="便民服务中心",
                           address="城关镇政府一楼",
                           phone="0934-1234567", opening_hours="工作日 8:30-12:00 14:30-17:30")
    session.add(centre)
    session.flush()
    dept = Department(division_id=town.id, centre_id=centre.id, name="民政办", window_no="3")
    session.add(dept)
    session.flush()
    item = ServiceItem(basic_code="000105001000", name=item_name, pinyin_initials=initials, item_type="05",
                       service_object="自然人", exercise_level=5)
    item.legal_bases.append(LegalBasis(law="社会救助暂行办法", article="第十一条", text="申请最低生活保障……"))
    session.add(item)
    session.flush()
    impl = Implementation(item_id=item.id, division_id=town.id, department_id=dept.id,
                          code="11621002MB0000000X5000105001000", name=item_name, version=1, status="已发布",
                          conditions="共同生活的家庭成员人均收入低于当地低保标准。",
                          legal_days=30, promised_days=15, kind="承诺件", place="城关镇便民服务中心3号窗口",
                          hours="工作日 8:30-17:30", consult_phone="0934-7654321", complaint_phone="0934-12345",
                          free=False)
    impl.materials.append(Material(name="户口簿", form="原件", copies=1, necessity="必需",
                                   blank_form_path="catalog/forms/blank.txt", sample_path=None))
    impl.materials.append(Material(name="家庭收入情况说明", form="原件", copies=1, necessity="必需"))
    impl.steps.append(ProcedureStep(name="受理", days=1, position=1))
    impl.steps.append(ProcedureStep(name="审查", days=10, position=2))
    impl.fees.append(Fee(name="工本费", amount=Decimal("5.00"), basis="《某某收费文件》"))
    session.add(impl)
    session.flush()
    return World(county, town, village, other, dept, centre, item, impl)


def add_staff(app, session, division, *, name: str, duty: str = "受理员", contact: str | None = None,
              department=None) -> Staff:
    sm = app.appbuilder.sm
    username = f"s{secrets.token_hex(4)}"
    user = sm.add_user(username, name, "", f"{username}@example.invalid", sm.find_role(duty) or sm.add_role(duty),
                       password="pw-123456")
    staff = Staff(user_id=user.id, division_id=division.id, duty=duty, name=name, public_contact=contact,
                  department_id=getattr(department, "id", None))
    session.add(staff)
    session.flush()
    return staff


def make_case(session, world: World, *, number: str | None = None, state: str = "completed",
              accepted: date | None = None, due: date | None = None, completed: date | None = None,
              provisional: bool = False, events: tuple[tuple[str, str], ...] | None = None,
              division=None, time_limit: int = 15, accepting=None) -> Case:
    accepted = accepted or date.today() - timedelta(days=20)
    division = division or world.town
    accepting = accepting or (world.village if division is world.town else division)
    case = Case(number=number or f"621002100201{secrets.randbelow(10**8):08d}", progress_token=secrets.token_hex(8),
                state=state, implementation_id=world.impl.id, accepting_division_id=accepting.id,
                accepting_division_code=accepting.code, current_division_id=division.id,
                current_division_code=division.code, implementing_division_code=division.code,
                current_department_id=world.department.id,
                applicant_name=APPLICANT["name"], applicant_id_number=APPLICANT["id"],
                applicant_phone=APPLICANT["phone"], applicant_address=APPLICANT["address"],
                applicant_village_code=world.village.code, received_date=accepted, accepted_date=accepted,
                due_date=due if due is not None else accepted + timedelta(days=21), due_provisional=provisional,
                completed_date=completed if completed is not None else (
                    date.today() - timedelta(days=1) if state in ("completed", "delivered") else None))
    if hasattr(Case, "time_limit_days"):
        case.time_limit_days = time_limit
    session.add(case)
    session.flush()
    at = datetime.combine(accepted, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=2)
    for i, (action, to_state) in enumerate(events or (("register", "registered"), ("accept", "accepted"),
                                                       ("forward", "forwarded"), ("complete", state))):
        session.add(CaseEvent(case_id=case.id, action=action, to_state=to_state,
                              actor_name=f"经办人{APPLICANT['name']}",
                              role="受理员", division_code=world.village.code if i == 0 else world.town.code,
                              at=at + timedelta(days=i), comment=f"申请人{APPLICANT['name']}电话{APPLICANT['phone']}"))
    session.flush()
    return case
