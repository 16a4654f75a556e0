"""REST API of cases (办件): register, read, list, transition — every call scoped.

``/api/v1/case/`` (FAB ``BaseApi``, OpenAPI at ``/api/v1/_openapi``). A user sees a case
when its accepting, current or implementing division lies in their scope; any other id
answers 404. Domain errors answer JSON ``{"message": "…"}`` with the error's 4xx code
(400 validation, 403 role, 404 scope, 409 state or concurrent change).

A transition carries the version of the case it was decided on (``"version"`` in the body or
``If-Match: "<version>"``; ``GET`` answers it as ``ETag``): without one it answers 428, with a
stale one 409 and the current ``version``, so two clerks acting on the same screen cannot both
win (optimistic locking, like the desk form's hidden version field).
"""
from __future__ import annotations

import functools
from typing import Any

from flask import request
from flask_appbuilder.api import BaseApi, expose
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from govkit.audit.trail import record
from govkit.auth.roles import DUTY_ROLES
from govkit.cases.cards import case_scope_clause  # noqa: F401  (imported from here by older callers)
from govkit.cases.deadlines import deadline_status, with_status
from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.cases.models import Case
from govkit.cases.personal_data import REVEAL_ROLES, case_fields, has_personal_data, mask_form_data
from govkit.cases.runtime import calendar_for, workflow_for
from govkit.cases.workflow import LOADABLE, Actor
from govkit.db import db
from govkit.errors import ConcurrentModification, OutOfScope, PreconditionRequired, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.web.actor import request_actor
from govkit.web.protect import domain_errors, protect_cached

#: Roles that see full ID numbers and phones (they need them to check documents).
UNMASKED_ROLES = REVEAL_ROLES
MAX_PAGE_SIZE = 100


_LOADABLE = {name: getattr(Case, name) for name in LOADABLE}


@functools.lru_cache(maxsize=1024)
def _case_in_scope_statement(scope: Scope, loads: tuple[str, ...] = ()) -> Any:
    """``SELECT case … WHERE id = :pk AND in scope`` built once per scope (statement cache hit).

    ``loads`` (an action's :attr:`WorkflowAction.loads`) joins the relationships that step
    reads — e.g. accept's implementation, checklist and pauses — into the same query; the
    other steps read the case row alone, since a join would cost every one of them.
    """
    statement = select(Case).where(Case.id == bindparam("pk"), case_scope_clause(scope))
    options = [joinedload(_LOADABLE[name]) for name in loads]
    return statement.options(*options) if options else statement


def load_case(pk: int, actor: Actor, loads: tuple[str, ...] = ()) -> Case:
    """The case ``pk`` if the actor's scope covers it (OutOfScope otherwise)."""
    result = db.session.execute(_case_in_scope_statement(actor.scope, tuple(loads)), {"pk": pk})
    case = result.unique().scalar_one_or_none()
    if case is None:
        raise OutOfScope("办件不存在或不在您的管辖范围内。")
    return case


def case_json(case: Case, actor: Actor, status: Any = None) -> dict[str, Any]:
    workflow = workflow_for()
    unmasked = actor.has_role(*UNMASKED_ROLES)
    data = {
        "id": case.id, "number": case.number, "state": case.state, "state_label": workflow.state_label(case.state),
        "implementation_id": case.implementation_id,
        "accepting_division_code": case.accepting_division_code,
        "current_division_code": case.current_division_code,
        "implementing_division_code": case.implementing_division_code,
        "current_department_id": case.current_department_id, "handler_id": case.handler_id,
        "applicant_name": case.applicant_name, "applicant_id_type": case.applicant_id_type,
        "applicant_id_number": case.applicant_id_number if unmasked else mask_id_number(case.applicant_id_number),
        "applicant_phone": (case.applicant_phone if unmasked or not case.applicant_phone
                            else mask_phone(case.applicant_phone)),
        "proxy_name": case.proxy_name, "proxy_authorised": case.proxy_authorised,
        "form_data": _form_data(case, actor),
        "received_date": _iso(case.received_date), "accepted_date": _iso(case.accepted_date),
        "due_date": _iso(case.due_date), "due_provisional": case.due_provisional,
        "legal_due_date": _iso(case.legal_due_date), "legal_due_provisional": case.legal_due_provisional,
        # 行政许可法 §32: the intake clock, 视为受理, and the applicant's 补正 period.
        "intake_due_date": _iso(case.intake_due_date), "intake_due_provisional": case.intake_due_provisional,
        "deemed_accepted": case.deemed_accepted, "supplement_due_date": _iso(case.supplement_due_date),
        "supplement_due_provisional": case.supplement_due_provisional,
        "supplement_extra": list(case.supplement_extra or []),
        "extension_days": case.extension_days, "completed_date": _iso(case.completed_date),
        "decision": case.decision, "result_number": case.result_number,
        "delivery_method": case.delivery_method, "version": case.version,
    }
    if status is not None:
        data["deadline"] = {"card": status.card, "label": status.label, "remaining_days": status.remaining,
                            "provisional": status.provisional}
    return data


def _form_data(case: Case, actor: Actor) -> dict[str, Any]:
    """The form data, its personal fields masked — in full only for a REVEAL_ROLES caller who asks with
    ``?reveal=1``, and then recorded in the audit trail (govkit.cases.personal_data)."""
    classes = case_fields(workflow_for(), db.session, case)
    if not has_personal_data(case.form_data, classes):
        return dict(case.form_data or {})
    if request.args.get("reveal") == "1" and actor.has_role(*UNMASKED_ROLES):
        record(db.session, action="查看完整", table_name="gk_case", row_key=str(case.id), summary=case.number,
               after={"fields": sorted(n for n in classes if (case.form_data or {}).get(n)), "via": "API"})
        return dict(case.form_data)
    return mask_form_data(case.form_data, classes)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class CaseApi(BaseApi):
    """办件 REST API."""

    resource_name = "case"
    openapi_spec_tag = "办件"
    allow_browser_login = True
    class_permission_name = "CaseApi"
    base_permissions = ["can_get", "can_post"]
    method_permission_name = {"get_list": "get", "get_one": "get", "actions": "get", "create": "post",
                              "transition": "post"}
    govkit_role_permissions = {role: ["can_get", "can_post"] for role in DUTY_ROLES if role != "公开审核"}

    @expose("/", methods=["POST"])
    @protect_cached
    @domain_errors
    def create(self):
        """Register a case (登记).
        ---
        post:
          description: 登记办件（受理员/代办员）。JSON 字段见 docs/cases.md。
          requestBody:
            content:
              application/json:
                schema: {type: object}
          responses:
            201: {description: 已登记}
            400: {description: 数据有误}
            403: {description: 角色不允许}
        """
        body = _registration(request.get_json(silent=True))
        actor = request_actor()
        workflow = workflow_for()
        case = workflow.register_case(db.session, body.pop("implementation_id"), actor=actor, commit=False, **body)
        workflow.finish(db.session, commit=False)
        payload = case_json(case, actor)
        workflow.finish(db.session, commit=True)
        return self.response(201, result=payload)

    @expose("/<int:pk>", methods=["GET"])
    @protect_cached
    @domain_errors
    def get_one(self, pk: int):
        """Read one case with its deadline status.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          - {in: query, name: reveal, schema: {type: string, enum: ["1"]}, description: 查看完整个人信息（留痕）}
          responses:
            200: {description: 办件}
            404: {description: 不存在或不在管辖范围内}
        """
        actor = request_actor()
        case = load_case(pk, actor)
        workflow = workflow_for()
        status = deadline_status(case, calendar_for(db.session), workflow.settings, workflow.today())
        result = case_json(case, actor, status)
        result["allowed_actions"] = [{"name": a.name, "label": a.label, "required": list(a.required)}
                                     for a in workflow.allowed_actions(db.session, case, actor)]
        db.session.commit()  # keeps the audit entry of a reveal (?reveal=1)
        response = self.response(200, result=result)
        response.headers["ETag"] = f'"{case.version}"'
        return response

    @expose("/", methods=["GET"])
    @protect_cached
    @domain_errors
    def get_list(self):
        """List cases in scope, newest first, with deadline cards computed in SQL.
        ---
        get:
          parameters:
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: card, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer}}
          - {in: query, name: page_size, schema: {type: integer}}
          - {in: query, name: reveal, schema: {type: string, enum: ["1"]}, description: 查看完整个人信息（留痕）}
          responses:
            200: {description: 办件列表}
        """
        actor = request_actor()
        workflow = workflow_for()
        try:
            page = max(int(request.args.get("page", 0)), 0)
            size = min(max(int(request.args.get("page_size", 20)), 1), MAX_PAGE_SIZE)
        except ValueError:
            raise ValidationError("page 和 page_size 应为整数。") from None
        if page > 10**9:
            raise ValidationError("page 超出范围。")
        query = with_status(select(Case), workflow.today(), workflow.settings).where(case_scope_clause(actor.scope))
        if request.args.get("state"):
            query = query.where(Case.state == request.args["state"])
        rows = db.session.execute(query.order_by(Case.id.desc()).offset(page * size).limit(size + 1)).all()
        card = request.args.get("card")
        result = []
        for case, remaining, case_card in rows[:size]:
            if card and case_card != card:
                continue
            item = case_json(case, actor)
            item["deadline"] = {"card": case_card, "remaining_days": remaining, "provisional": case.due_provisional}
            result.append(item)
        db.session.commit()  # keeps the audit entries of a reveal (?reveal=1)
        return self.response(200, result=result, page=page, page_size=size, has_more=len(rows) > size)

    @expose("/<int:pk>/actions", methods=["GET"])
    @protect_cached
    @domain_errors
    def actions(self, pk: int):
        """Actions the user may perform now.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          responses:
            200: {description: 可执行的操作}
        """
        actor = request_actor()
        case = load_case(pk, actor)
        workflow = workflow_for()
        return self.response(200, result=[{"name": a.name, "label": a.label, "required": list(a.required)}
                                          for a in workflow.allowed_actions(db.session, case, actor)])

    @expose("/<int:pk>/transition/<action>", methods=["POST"])
    @protect_cached
    @domain_errors
    def transition(self, pk: int, action: str):
        """Perform a workflow action with the JSON body as its fields.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          - {in: path, name: action, schema: {type: string}, required: true}
          - {in: header, name: If-Match, schema: {type: string}, description: '"<version>"（或在请求体中给 version）'}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {version: {type: integer}}}
          responses:
            200: {description: 已办理}
            403: {description: 角色不允许}
            404: {description: 不存在或不在管辖范围内}
            409: {description: 当前状态不允许或已被他人修改（version 为当前版本）}
            428: {description: 缺少 version（或 If-Match）}
        """
        body = request.get_json(silent=True)
        body = {} if body is None else body
        if not isinstance(body, dict):
            raise ValidationError("请求体应为 JSON 对象。")
        expected = _expected_version(body)
        actor = request_actor()
        workflow = workflow_for()
        step = workflow.actions.get(action)
        case = load_case(pk, actor, step.loads if step is not None else ())
        try:
            if case.version != expected:
                raise ConcurrentModification(f"办件已被他人修改（您依据的是第 {expected} 版，"
                                             f"当前为第 {case.version} 版），"
                                             "请查看最新情况后重试。")
            fields = {k: v for k, v in body.items()
                      if k not in ("session", "case", "action_name", "actor", "commit", "version")}
            event = workflow.perform(db.session, case, action, actor, commit=False, **fields)
            payload = case_json(case, actor)
            payload["event_id"] = event.id  # flushed: read it before the commit expires the row
            workflow.finish(db.session, commit=True)
        except ConcurrentModification as exc:
            db.session.rollback()
            current = db.session.scalar(select(Case.version).where(Case.id == pk))
            return self.response(409, message=str(exc), version=current)
        return self.response(200, result=payload)


_TEXT_FIELDS = ("applicant_name", "applicant_id_number", "applicant_id_type", "applicant_phone", "applicant_address",
                "applicant_village_code", "proxy_name")
_REQUIRED = {"implementation_id": "事项", "applicant_name": "申请人姓名", "applicant_id_number": "证件号码"}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _registration(body: Any) -> dict[str, Any]:
    """The registration fields of a POST body, each checked for its JSON type; ValidationError names the field."""
    if not isinstance(body, dict):
        raise ValidationError("请求体应为 JSON 对象。")
    for field, label in _REQUIRED.items():
        if body.get(field) in (None, ""):
            raise ValidationError(f"请填写{label}（{field}）。")
    if not _is_id(body["implementation_id"]):
        raise ValidationError("implementation_id 应为事项实施清单的编号（正整数）。")
    fields: dict[str, Any] = {"implementation_id": body["implementation_id"]}
    for field in _TEXT_FIELDS:
        if body.get(field) is not None:
            if not isinstance(body[field], str):
                raise ValidationError(f"{field} 应为文本。")
            fields[field] = body[field]
    if body.get("proxy_authorised") is not None:
        if not isinstance(body["proxy_authorised"], bool):
            raise ValidationError("proxy_authorised 应为 true 或 false。")
        fields["proxy_authorised"] = body["proxy_authorised"]
    if body.get("form_data") is not None:
        if not isinstance(body["form_data"], dict):
            raise ValidationError("form_data 应为 JSON 对象（字段名: 值）。")
        fields["form_data"] = body["form_data"]
    if body.get("materials_received") is not None:
        received = body["materials_received"]
        if not isinstance(received, list) or not all(_is_id(m) for m in received):
            raise ValidationError("materials_received 应为材料编号（正整数）的列表。")
        fields["materials_received"] = received
    if body.get("material_states") is not None:
        states = body["material_states"]
        if not isinstance(states, dict) or not all(
                _is_id(int(k)) if str(k).isdigit() else False for k in states) or not all(
                v is None or v in ("received", "missing", "na") for v in states.values()):
            raise ValidationError("material_states 应为对象：材料编号 → received（已收）/ "
                                  "missing（缺）/ na（不适用）。")
        fields["material_states"] = {int(k): v for k, v in states.items()}
    return fields


def _expected_version(body: dict[str, Any]) -> int:
    """The case version a transition was decided on: body ``version`` or ``If-Match``; 428 without one."""
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None:
        text = header.strip().removeprefix("W/").strip('"')
        if not text.isdigit() or len(text) > 18:
            raise ValidationError('If-Match 应为办件的版本号，如 "3"（见查询办件时的 ETag 或 version）。')
        from_header = int(text)
    value = body.get("version")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError("version 应为整数（查询办件时返回的 version）。")
    if value is not None and from_header is not None and value != from_header:
        raise ValidationError("version 与 If-Match 不一致，请只给其中一个。")
    version = value if value is not None else from_header
    if version is None:
        raise PreconditionRequired("请带上办件的 version（请求体字段 version 或 If-Match 头），"
                                   "以免覆盖他人刚做的修改。")
    return version
