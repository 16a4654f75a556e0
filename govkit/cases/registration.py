"""Registering a case (登记): applicant checks, the item's application form, proxy rules."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from govkit.cases import intake, states
from govkit.cases.idnumber import validate_id_number
from govkit.cases.models import MATERIAL_RECEIVED, Case, CaseMaterial
from govkit.cases.numbering import new_progress_token, next_case_number
from govkit.catalog.models import Implementation, ImplementationStatus
from govkit.errors import OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.models import Division

if TYPE_CHECKING:
    from govkit.cases.workflow import Actor, Workflow

ID_TYPES = ("居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "护照", "外国人永久居留身份证", "其他")


class _FormData(dict):
    """The minimal ``formdata`` WTForms needs (``getlist``), built from a JSON object."""

    def getlist(self, key: str) -> list[Any]:
        value = self.get(key)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return ["" if v is None else (v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v))
                for v in values]


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def validate_form_data(workflow: "Workflow", implementation: Implementation, item_code: str,
                       form_data: dict[str, Any] | None) -> dict[str, Any]:
    """Validate ``form_data`` with the item's WTForms class (``item_application_form`` hook)."""
    form_data = dict(form_data or {})
    form_class = None
    if workflow.pm is not None:
        form_class = workflow.pm.hook.item_application_form(item_code=item_code, implementation=implementation)
    if form_class is None:
        return _json_value(form_data)
    form = form_class(formdata=_FormData(form_data), meta={"csrf": False})
    if not form.validate():
        problems = []
        for name, messages in form.errors.items():
            label = getattr(getattr(form, name, None), "label", None)
            problems.append(f"{label.text if label else name}：{'；'.join(map(str, messages))}")
        raise ValidationError("申请表填写有误：" + "；".join(problems) + "。请改正后再提交。", errors=form.errors)
    return {k: _json_value(v) for k, v in form.data.items() if k != "csrf_token"}


def clean_applicant(applicant_name: str | None, applicant_id_type: str,
                    applicant_id_number: str | None) -> tuple[str, str]:
    """The applicant's name and ID number, checked (GB 11643 check digit for a 居民身份证)."""
    name = (applicant_name or "").strip()
    if not name:
        raise ValidationError("请填写申请人姓名。")
    if applicant_id_type not in ID_TYPES + ONLINE_ID_TYPES:
        raise ValidationError("证件类型应为：" + "、".join(ID_TYPES) + "。")
    number = (applicant_id_number or "").strip()
    if applicant_id_type == "居民身份证":
        number = validate_id_number(number)
    elif not number:
        raise ValidationError("请填写申请人证件号码。")
    return name, number


#: An online applicant that is a legal person is identified by its USCC (checked when its account was made).
ONLINE_ID_TYPES = ("统一社会信用代码",)


def register_online_case(
    workflow: "Workflow",
    session: Session,
    implementation: Implementation,
    *,
    actor: "Actor",
    agent_name: str | None = None,
    agent_user_id: int | None = None,
    form_data: dict[str, Any] | None = None,
    comment: str | None = None,
    commit: bool = True,
    **applicant: Any,
) -> Case:
    """Register an online application (网上申报) and record the ``submit_online`` event.

    ``applicant``: ``applicant_name``, ``applicant_id_number``, ``applicant_id_type`` (default 居民身份证),
    ``applicant_phone``, ``applicant_address``, ``applicant_village_code`` as for :func:`register_case`.

    行政许可法第二十九条 (and §33) lets an applicant apply by electronic data exchange: the case is
    registered at the implementing organ's receiving point (its division) in the state 网上申报,
    waiting for pre-review (预审) by that unit's 受理员. Every checklist row starts undecided — the
    receiving point decides each in pre-review (§32). The §32 five-working-day intake clock runs from
    submission (``received_date`` = the day submitted). ``actor`` is the applicant (role 申请人) or the
    village 代办员 applying on the villager's behalf (网上代申办: ``agent_name``/``agent_user_id``);
    who may submit for whom is the online hall's check, not this function's.
    """
    if implementation.status != ImplementationStatus.PUBLISHED.value:
        raise ValidationError("所选事项不存在或未发布，请选择已发布的事项实施清单。")
    if not getattr(implementation, "online_apply", False):
        raise ValidationError(f"事项“{implementation.name}”不开放网上申报（{implementation.online_mode}），"
                              "请到窗口或村便民服务站办理。")
    action = workflow.action("submit_online")
    if not actor.has_role(*action.roles):
        raise PermissionDenied("网上申报须由申请人本人或村代办员（网上代申办）提交。")
    if agent_name and not implementation.proxy_allowed:
        raise ValidationError("本事项不可代办，请申请人本人网上申报。")
    id_type = applicant.get("applicant_id_type") or "居民身份证"
    name, number = clean_applicant(applicant.get("applicant_name"), id_type, applicant.get("applicant_id_number"))
    item_code = workflow.item_code_of(implementation)
    data = validate_form_data(workflow, implementation, item_code, form_data)
    receiving = implementation.division
    today = workflow.today()
    case = Case(
        progress_token=new_progress_token(),
        state=states.ONLINE, implementation=implementation,
        accepting_division_id=receiving.id, accepting_division_code=receiving.code,
        current_division_id=receiving.id, current_division_code=receiving.code,
        implementing_division_code=receiving.code, registered_by_id=agent_user_id,
        applicant_name=name, applicant_id_type=id_type, applicant_id_number=number,
        applicant_phone=applicant.get("applicant_phone"), applicant_address=applicant.get("applicant_address"),
        applicant_village_code=applicant.get("applicant_village_code"),
        proxy_name=agent_name or None, proxy_authorised=bool(agent_name), applied_online=True,
        form_data=data, registered_at=workflow.now(), received_date=today, last_action_at=workflow.now(),
    )
    for material in implementation.materials:
        case.materials.append(CaseMaterial(material_id=material.id, material=material))
    intake.start_intake_clock(case, workflow.calendar(session), workflow.settings, today)
    case.number = next_case_number(session, receiving.code, today)
    session.add(case)
    workflow.record_event(session, case, "submit_online", None, actor, role=workflow._role_used(action, actor),
                          comment=comment, data={"received_date": today, "agent": agent_name})
    workflow.finish(session, commit)
    return case


def register_case(
    workflow: "Workflow",
    session: Session,
    implementation: Implementation | int,
    *,
    actor: "Actor",
    applicant_name: str,
    applicant_id_number: str,
    applicant_id_type: str = "居民身份证",
    applicant_phone: str | None = None,
    applicant_address: str | None = None,
    applicant_village_code: str | None = None,
    proxy_name: str | None = None,
    proxy_authorised: bool = False,
    form_data: dict[str, Any] | None = None,
    materials_received: Iterable[int] | None = None,
    material_states: Mapping[Any, str | None] | None = None,
    accepting_division_code: str | None = None,
    commit: bool = True,
) -> Case:
    """Register a case at the actor's division (登记) and record the ``register`` event.

    The materials checklist starts undecided (行政许可法 §32: the clerk decides each row):
    ``material_states`` maps material ids to received / missing / na (不适用 only on 情形必需
    rows); ``materials_received`` is the short form marking the listed ids 已收 and leaving the
    others undecided. Passing neither marks every 必需 row 已收 (the API's and tests' short form
    of the one-click "必需材料均已收取"); the desk always sends the clerk's decisions.
    The §32 intake clock starts at receipt (``intake_due_date``).
    """
    if not isinstance(implementation, Implementation):
        # The implementing division and the materials come with it (one query, not three).
        implementation = session.get(Implementation, int(implementation),
                                     options=[joinedload(Implementation.division),
                                              joinedload(Implementation.materials)])
    if implementation is None or implementation.status != ImplementationStatus.PUBLISHED.value:
        raise ValidationError("所选事项不存在或未发布，请选择已发布的事项实施清单。")
    action = workflow.action("register")
    code = accepting_division_code or actor.division_code
    if not code:
        raise ValidationError("您的账号未关联区划，不能登记办件；请管理员在人员信息中设置所属区划。")
    if not actor.scope.covers(code):
        raise OutOfScope("受理单位不在您的管辖范围内。")
    if not actor.has_role(*action.roles):
        raise PermissionDenied("登记办件须由受理员或代办员办理。")
    accepting = session.scalar(select(Division).where(Division.code == code))
    if accepting is None:
        raise ValidationError(f"区划 {code} 不存在，请管理员先导入区划。")

    name, number = clean_applicant(applicant_name, applicant_id_type, applicant_id_number)
    if proxy_name:
        if not implementation.proxy_allowed:
            raise ValidationError("本事项不可代办，请申请人本人办理。")
        if implementation.presence_required:
            raise ValidationError("本事项须申请人本人到场，不能由他人代办。")
        if not proxy_authorised:
            raise ValidationError("代办须有申请人签字的书面授权委托书，请收取后勾选“已提交授权委托书”。")

    item_code = workflow.item_code_of(implementation)
    data = validate_form_data(workflow, implementation, item_code, form_data)
    today = workflow.today()
    implementing = implementation.division
    case = Case(
        progress_token=new_progress_token(),
        state=states.REGISTERED, implementation=implementation,
        accepting_division_id=accepting.id, accepting_division_code=code,
        current_division_id=accepting.id, current_division_code=code,
        implementing_division_code=implementing.code, registered_by_id=actor.user_id,
        applicant_name=name, applicant_id_type=applicant_id_type, applicant_id_number=number,
        applicant_phone=applicant_phone, applicant_address=applicant_address,
        applicant_village_code=applicant_village_code or (code if accepting.level == 5 else None),
        proxy_name=proxy_name or None, proxy_authorised=bool(proxy_name and proxy_authorised),
        form_data=data, registered_at=workflow.now(), received_date=today, last_action_at=workflow.now(),
    )
    for material in implementation.materials:
        case.materials.append(CaseMaterial(material_id=material.id, material=material))
    if materials_received is None and material_states is None:
        intake.all_required_received(case.materials)
    else:
        intake.apply_statuses(case.materials, {int(i): MATERIAL_RECEIVED for i in materials_received or ()})
        intake.apply_statuses(case.materials, material_states or {})
    intake.start_intake_clock(case, workflow.calendar(session), workflow.settings, today)
    # The number last: its counter upsert is the first write, so the database lock it
    # takes is held only for the inserts and the commit that follow.
    case.number = next_case_number(session, code, today)
    session.add(case)
    workflow.record_event(session, case, "register", None, actor, role=workflow._role_used(action, actor),
                          data={"received_date": today})
    workflow.finish(session, commit)
    return case
