"""The case workflow engine (办件流程引擎): plain Python over a SQLAlchemy session.

A :class:`Workflow` knows the actions (built-in ones from ``govkit.builtins.cases`` and
plugin steps from the ``register_workflow_actions`` hook), the working-day calendar, the
settings and a clock. :meth:`Workflow.perform` checks, in this order, division scope
(:class:`~govkit.errors.OutOfScope`, shown as 404), state
(:class:`~govkit.errors.InvalidTransition` naming the current state and the allowed
actions), role (:class:`~govkit.errors.PermissionDenied`), required fields and the
action's own guard; then it changes the case, writes a :class:`CaseEvent` and an
:class:`OutboxMessage` and **commits** (pass ``commit=False`` to commit yourself). After
the commit the ``case_event_committed`` hook fires; a plugin that raises there is logged
with its name and does not undo the transition. A concurrent change of the same case
raises :class:`~govkit.errors.ConcurrentModification` (optimistic lock on ``Case.version``).

No Flask here: :mod:`govkit.cases.runtime` builds the app's cached Workflow.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from govkit.cases import dispatch, states, writes
from govkit.cases.calendar import WorkingCalendar
from govkit.cases.calendar_store import load_calendar
from govkit.cases.deadlines import case_deadline, closed_pauses, compute_due
from govkit.cases.events import CaseEventRecord
from govkit.cases.extensions import legal_extension_days
from govkit.cases.intake import intake_overdue
from govkit.cases.models import Case, CaseEvent
from govkit.cases.registration import register_case, register_online_case
from govkit.clock import local_date
from govkit.errors import (ConcurrentModification, GovkitError, InvalidTransition, OutOfScope,
                           PermissionDenied, PluginError, ValidationError)
from govkit.hierarchy.scope import ADMIN_ROLE, Scope

BUILTIN_PLUGIN = "govkit.builtins.cases"
SCOPE_RULES = ("current", "accepting", "implementing", "any")
#: Who may act where (DESIGN §2.3): the unit that may perform an action, relative to the case's position.
#: ``addressee`` — the unit the case was sent to (签收); ``holder`` — the unit holding it; ``department`` — a
#: member of the department (窗口) the case is assigned to at the holding unit; ``receiving`` — the receiving
#: point (受理单位); ``implementing`` — the implementing organ (实施机关); ``receiving_or_holder`` and
#: ``involved`` (receiving point, holder or implementing organ) combine them. The actor's own unit must be that
#: unit exactly: an ancestor's scope covering it is not enough.
PERFORMERS = ("addressee", "holder", "department", "receiving", "implementing", "receiving_or_holder", "involved")
#: The performer of an action that names none, from its ``scope`` rule (plugin steps written before PERFORMERS).
PERFORMER_OF_SCOPE = {"current": "holder", "accepting": "receiving", "implementing": "implementing",
                      "any": "involved"}
PERFORMER_LABELS = {
    "addressee": "办件送达的单位", "holder": "办件所在单位", "department": "办件分派到的部门（窗口）的办理人员",
    "receiving": "受理单位", "implementing": "实施机关", "receiving_or_holder": "受理单位或办件所在单位",
    "involved": "受理单位、办件所在单位或实施机关",
}
#: ``from_states`` value meaning "any state before a decision" (used by withdraw).
ANY_ACTIVE = "*"


@dataclass(frozen=True)
class Actor:
    """Who performs an action: user, display name, roles and division scope."""

    user_id: int | None
    name: str
    roles: frozenset[str]
    scope: Scope
    department_id: int | None = None

    @property
    def division_code(self) -> str | None:
        return self.scope.division_code

    def has_role(self, *names: str) -> bool:
        return ADMIN_ROLE in self.roles or bool(self.roles.intersection(names))

    @classmethod
    def system(cls, name: str = "系统") -> "Actor":
        """An unrestricted actor for CLI jobs and migrations."""
        return cls(None, name, frozenset({ADMIN_ROLE}), Scope.unrestricted())


@dataclass
class ActionContext:
    """What an action's guard and effect see."""

    session: Session
    case: Case
    actor: Actor
    fields: dict[str, Any]
    workflow: "Workflow"
    today: date
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def calendar(self) -> WorkingCalendar:
        return self.workflow.calendar(self.session)

    def require(self, name: str) -> Any:
        value = self.fields.get(name)
        if value in (None, "", [], ()):
            raise ValidationError(f"请填写“{FIELD_LABELS.get(name, name)}”。", field=name)
        return value


Guard = Callable[[ActionContext], None]
Effect = Callable[[ActionContext], None]
#: Runs after an action in its transaction (see :meth:`Workflow.add_follower`).
Follower = Callable[[Session, "Case", str, "Actor"], None]

#: Events the system records without a workflow action (shown in the case's history).
SYSTEM_EVENT_LABELS = {"deadline_recomputed": "办结期限重算", "document_issued": "出具文书"}

FIELD_LABELS = {
    "reason": "原因", "missing": "需补正的材料", "department_id": "承办部门（窗口）",
    "handler_id": "承办人", "procedure_id": "特别程序", "days": "延长天数",
    "result_number": "证照/结果文号", "method": "送达方式", "receiver": "签收人",
    "comment": "备注",
}


#: The case relationships a step may name in :attr:`WorkflowAction.loads`.
LOADABLE = ("implementation", "materials", "pauses")


@dataclass(frozen=True)
class WorkflowAction:
    """One workflow step (办理环节).

    ``from_states``: states the action may start from (``("*",)`` = any state before a
    decision); ``to_state``: the state after it (None = unchanged); ``roles``: duty roles
    allowed (Admin always is); ``required``: field names that must be given;
    ``scope``: which of the case's division codes the actor's scope must cover
    (current / accepting / implementing / any); ``items``: item basic codes the action
    applies to (empty = every item); ``guard`` raises a GovkitError when a domain rule
    forbids the step; ``effect`` changes the case (fields, pauses, deadlines);
    ``loads``: the case's relationships the guard and effect read (``implementation``,
    ``materials``, ``pauses``) — the API reads them with the case in one query instead of
    one lazy load each (leaving them out only costs those lazy loads).
    ``performer``: the unit that may perform it relative to the case's position (see
    :data:`PERFORMERS`; None = from ``scope``) — ``scope`` decides what the actor may see,
    ``performer`` where the actor must sit to act; ``not_by``: names of
    earlier actions whose actor may not perform this one (职责分离, separation of duties: e.g. an
    approval ``not_by=("request_extension",)``) — it binds Admin too.
    """

    name: str
    label: str
    from_states: tuple[str, ...]
    to_state: str | None
    roles: tuple[str, ...]
    required: tuple[str, ...] = ()
    scope: str = "current"
    items: tuple[str, ...] = ()
    to_state_label: str | None = None
    guard: Guard | None = None
    effect: Effect | None = None
    description: str = ""
    loads: tuple[str, ...] = ()
    performer: str | None = None
    not_by: tuple[str, ...] = ()

    @property
    def performed_by(self) -> str:
        """The unit that may perform the action (one of :data:`PERFORMERS`)."""
        return self.performer or PERFORMER_OF_SCOPE.get(self.scope, "holder")

    def starts_from(self, state: str) -> bool:
        if self.from_states == (ANY_ACTIVE,):
            return state not in states.FINAL_STATES and state not in (
                states.APPROVED, states.DENIED, states.COMPLETED)
        return state in self.from_states


def check_separation(label: str, user_id: int | None, earlier: Iterable[tuple[str, int | None]]) -> None:
    """职责分离 (separation of duties): refuse ``label`` to the user who did one of the ``earlier``
    (label, user id) steps. A step without a known user (system jobs) binds nobody."""
    if user_id is None:
        return
    for earlier_label, earlier_user in earlier:
        if earlier_user == user_id:
            raise PermissionDenied(f"“{label}”不能由“{earlier_label}”的同一人办理（职责分离），"
                                   "请由其他有权限的人员办理。")


def _default_clock() -> datetime:
    return datetime.now(timezone.utc)


class Workflow:
    """The engine for one app (or one test): actions, calendar, settings, clock."""

    def __init__(
        self,
        *,
        settings: Mapping[str, Any],
        pm: Any = None,
        calendar_loader: Callable[[Session], WorkingCalendar] | None = None,
        clock: Callable[[], datetime] = _default_clock,
        actions: Iterable[WorkflowAction] = (),
    ) -> None:
        self.settings = settings
        self.pm = pm
        self.clock = clock
        self._calendar_loader = calendar_loader
        self._item_codes: dict[int, str] = {}
        self.actions: dict[str, WorkflowAction] = {}
        self._action_plugins: dict[str, str] = {}  # action name → the plugin that added it
        self.state_labels: dict[str, str] = {}
        self.followers: list[Follower] = []
        if pm is not None:
            self._collect_plugin_actions(pm)
        else:
            from govkit.cases.actions import DEFAULT_ACTIONS  # deferred: cases.actions builds on this module

            self._add(DEFAULT_ACTIONS, BUILTIN_PLUGIN)
        self._add(actions, "extra")

    # -- building --------------------------------------------------------------------

    def _collect_plugin_actions(self, pm: Any) -> None:
        # Load order (built-ins first) so a plugin step is checked against the built-in steps.
        for plugin, actions in pm.results("register_workflow_actions"):
            self._add(actions or [], plugin)

    def _add(self, actions: Iterable[WorkflowAction], plugin: str) -> None:
        for action in actions:
            if plugin != BUILTIN_PLUGIN:
                self._check_plugin_action(action, plugin)
            self.actions[action.name] = action
            self._action_plugins[action.name] = plugin
            if action.to_state and action.to_state_label:
                self.state_labels[action.to_state] = action.to_state_label

    def _check_plugin_action(self, action: WorkflowAction, plugin: str) -> None:
        existing = self.actions.get(action.name)
        if existing is not None:
            owner = self._action_plugins[action.name]
            where = "内置环节" if owner == BUILTIN_PLUGIN else f"插件 {owner} 的环节"
            raise PluginError(
                f"插件 {plugin} 的流程环节“{action.name}”与{where}“{existing.label}”同名；"
                "插件不能替换已有环节，请换一个名称。", plugin=plugin)
        if action.to_state in states.PROTECTED_STATES:
            raise PluginError(
                f"插件 {plugin} 的流程环节“{action.label}”直接进入“{states.state_label(action.to_state)}”；"
                "受理、决定、办结、送达和撤回只能经内置环节完成。", plugin=plugin)
        unknown = [name for name in action.loads if name not in LOADABLE]
        if unknown:
            raise PluginError(
                f"插件 {plugin} 的流程环节“{action.label}”的 loads 含未知关系 {'、'.join(unknown)}；"
                f"可用：{'、'.join(LOADABLE)}。", plugin=plugin)
        if action.scope not in SCOPE_RULES or not action.roles or action.performed_by not in PERFORMERS:
            raise PluginError(
                f"插件 {plugin} 的流程环节“{action.label}”须声明允许的角色和范围规则"
                f"（{'/'.join(SCOPE_RULES)}）；performer 可选：{'/'.join(PERFORMERS)}。", plugin=plugin)

    # -- time and calendar ------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in China (deadlines are counted in local days)."""
        return local_date(self.clock())

    def calendar(self, session: Session) -> WorkingCalendar:
        if self._calendar_loader is None:
            return load_calendar(session, self.pm, self.settings)
        return self._calendar_loader(session)

    def invalidate_calendar(self) -> None:
        """Forget a cached calendar (after days or years were stored)."""
        invalidate = getattr(self._calendar_loader, "invalidate", None)
        if invalidate is not None:
            invalidate()

    def event_labels(self) -> dict[str, str]:
        """Label of every event name a case history can show: actions and system events."""
        return {**SYSTEM_EVENT_LABELS, **{n: a.label for n, a in self.actions.items()}}

    def state_label(self, state: str | None) -> str:
        return states.state_label(state, self.state_labels)

    # -- checks --------------------------------------------------------------------------

    def action(self, name: str) -> WorkflowAction:
        try:
            return self.actions[name]
        except KeyError:
            raise InvalidTransition(f"没有名为“{name}”的办理环节，请从页面上的按钮选择操作。") from None

    def item_code(self, session: Session, case: Case) -> str:
        """Basic code of the case's item (cached per implementation version)."""
        code = self._item_codes.get(case.implementation_id)
        if code is None:
            code = self.item_code_of(case.implementation)
        return code

    def item_code_of(self, implementation: Any) -> str:
        code = self._item_codes.get(implementation.id)
        if code is None:
            code = implementation.item.basic_code
            self._item_codes[implementation.id] = code
        return code

    def applies_to_item(self, session: Session, action: WorkflowAction, case: Case) -> bool:
        return not action.items or self.item_code(session, case) in action.items

    @staticmethod
    def covers(action: WorkflowAction, case: Case, actor: Actor) -> bool:
        scope = actor.scope
        if action.scope == "accepting":
            return scope.covers(case.accepting_division_code)
        if action.scope == "implementing":
            return scope.covers(case.implementing_division_code)
        if action.scope == "any":
            return any(scope.covers(c) for c in (
                case.accepting_division_code, case.current_division_code, case.implementing_division_code))
        return scope.covers(case.current_division_code)

    @staticmethod
    def performs(action: WorkflowAction, case: Case, actor: Actor) -> bool:
        """Whether ``actor`` sits in the unit that may perform ``action`` on ``case`` (who may act where).

        The actor's own division must be the unit itself, not an ancestor of it; an unrestricted
        actor (Admin, CLI jobs) may act anywhere.
        """
        if actor.scope.is_unrestricted:
            return True
        here = actor.division_code
        rule = action.performed_by
        if rule in ("addressee", "holder"):
            return here == case.current_division_code
        if rule == "department":
            return (here == case.current_division_code and case.current_department_id is not None
                    and actor.department_id == case.current_department_id)
        if rule == "receiving":
            return here == case.accepting_division_code
        if rule == "implementing":
            return here == case.implementing_division_code
        if rule == "receiving_or_holder":
            return here in (case.accepting_division_code, case.current_division_code)
        return here in (case.accepting_division_code, case.current_division_code, case.implementing_division_code)

    def check_visible(self, case: Case, actor: Actor) -> None:
        """Raise OutOfScope unless one of the case's divisions is in the actor's scope."""
        if not any(actor.scope.covers(c) for c in (
                case.accepting_division_code, case.current_division_code, case.implementing_division_code)):
            raise OutOfScope("办件不存在或不在您的管辖范围内。")

    def _state_actions(self, session: Session, case: Case) -> list[WorkflowAction]:
        return [a for a in self.actions.values()
                if a.from_states and a.starts_from(case.state) and self.applies_to_item(session, a, case)]

    def check(self, session: Session, case: Case, action: WorkflowAction, actor: Actor,
              ctx: ActionContext | None = None) -> None:
        """Raise the domain error that forbids ``actor`` doing ``action`` now (None when allowed)."""
        self.check_visible(case, actor)
        if not action.starts_from(case.state) or not self.applies_to_item(session, action, case):
            names = "、".join(a.label for a in self._state_actions(session, case)) or "无（办件已结束）"
            raise InvalidTransition(
                f"办件当前状态为“{self.state_label(case.state)}”，不能执行“{action.label}”。"
                f"当前可执行的操作：{names}。", state=case.state, action=action.name)
        if not self.covers(action, case, actor) or not self.performs(action, case, actor):
            raise PermissionDenied(
                f"“{action.label}”须由{PERFORMER_LABELS[action.performed_by]}办理，您所在单位不能执行。")
        if not actor.has_role(*action.roles):
            raise PermissionDenied(
                f"您的角色不能执行“{action.label}”，该操作须由{'或'.join(action.roles)}办理。")
        if action.not_by:
            check_separation(action.label, actor.user_id, [
                (self.actions[e.action].label if e.action in self.actions else e.action, e.actor_id)
                for e in case.events if e.action in action.not_by])
        if action.guard is not None:
            action.guard(ctx or ActionContext(session, case, actor, {}, self, self.today()))

    def allowed_actions(self, session: Session, case: Case, actor: Actor) -> list[WorkflowAction]:
        """Actions ``actor`` may perform on ``case`` now (for the UI buttons)."""
        result = []
        for action in self._state_actions(session, case):
            try:
                self.check(session, case, action, actor)
            except GovkitError:
                continue
            result.append(action)
        return result

    # -- performing ------------------------------------------------------------------------

    def perform(self, session: Session, case: Case, action_name: str, actor: Actor, *,
                commit: bool = True, **fields: Any) -> CaseEvent:
        """Check and perform ``action_name`` on ``case``; return the new CaseEvent.

        A registered case whose §32 intake clock ran out is first deemed accepted (视为受理, a
        system event) — the law makes it accepted whether or not the daily job has run yet.
        """
        action = self.action(action_name)
        if action_name != "deem_accepted":
            self.apply_deemed_acceptance(session, case, actor, commit=commit)
        ctx = ActionContext(session, case, actor, dict(fields), self, self.today())
        self.check(session, case, action, actor, ctx)
        for name in action.required:
            ctx.require(name)
        from_state = case.state
        if action.effect is not None:
            try:
                action.effect(ctx)
            except GovkitError:
                session.rollback()  # an effect may have changed rows before it refused
                raise
        if action.to_state is not None:
            case.state = action.to_state
        case.last_action_at = self.now()
        event = self.record_event(session, case, action.name, from_state, actor,
                                  comment=fields.get("comment") or fields.get("reason"), data=ctx.data,
                                  role=self._role_used(action, actor))
        if self.followers:
            self._follow(session, case, action.name, actor)
        self.finish(session, commit)
        return event

    def add_follower(self, follower: "Follower") -> None:
        """Run ``follower(session, case, action_name, actor)`` after every action, in its transaction.

        The desk adds one that issues the documents an action brings with it (行政许可法第四十二条:
        the 延期通知书 of an approved extension; 第四十五条: the 特别程序告知书 telling the applicant
        in writing). It runs once the action's event is written (so the case's history holds it) and
        before the commit; a follower that raises a GovkitError undoes the action with it.
        """
        self.followers.append(follower)

    def _follow(self, session: Session, case: Case, action_name: str, actor: Actor) -> None:
        self.finish(session, commit=False)  # the action's event first: what follows reads the history
        try:
            for follower in self.followers:
                follower(session, case, action_name, actor)
        except GovkitError:
            session.rollback()
            raise

    def apply_deemed_acceptance(self, session: Session, case: Case, actor: Actor | None = None, *,
                                commit: bool = True) -> CaseEvent | None:
        """Deem ``case`` accepted (行政许可法 §32) when its intake clock ran out; the event or None."""
        if "deem_accepted" not in self.actions or not intake_overdue(case, self.today()):
            return None
        if actor is not None:
            self.check_visible(case, actor)
        return self.perform(session, case, "deem_accepted", Actor.system(), commit=commit)

    @staticmethod
    def _role_used(action: WorkflowAction, actor: Actor) -> str | None:
        for role in action.roles:
            if role in actor.roles:
                return role
        return ADMIN_ROLE if ADMIN_ROLE in actor.roles else None

    def record_event(self, session: Session, case: Case, action: str, from_state: str | None,
                     actor: Actor, *, comment: str | None = None, data: dict | None = None,
                     role: str | None = None) -> CaseEvent:
        """Queue the CaseEvent and outbox row for a change of ``case``; :meth:`finish` writes them.

        Nothing is written here (see :mod:`govkit.cases.writes`): the checks and effects
        before the write run without holding a database lock, and any flush that comes
        first (an autoflush, a caller's own commit) writes the queue with it.
        """
        at = self.now()
        event = CaseEvent(
            action=action, from_state=from_state, to_state=case.state, actor_id=actor.user_id,
            actor_name=actor.name, role=role, division_code=actor.division_code, at=at,
            comment=comment, data=_jsonable(data or {}),
        )
        with session.no_autoflush:
            payload = {
                "case_number": case.number, "item_code": self.item_code(session, case), "action": action,
                "from_state": from_state, "to_state": case.state, "actor": actor.name, "role": role,
                "division_code": actor.division_code, "at": at.isoformat(), "comment": comment,
                "data": event.data, "due_date": case.due_date.isoformat() if case.due_date else None,
                "due_provisional": case.due_provisional,
            }
        dispatch.defer(session, self.pm, self.settings, lambda: _record_of(event, payload))
        writes.queue(session, case, event, {"topic": f"case.{action}", "key": uuid.uuid4().hex, "payload": payload,
                                            "created_at": at, "attempts": 0})
        return event

    def finish(self, session: Session, commit: bool) -> None:
        """Write the queued events (and flush, commit); a stale version becomes ConcurrentModification."""
        try:
            writes.write(session)
            session.flush()
            if commit:
                session.commit()
        except StaleDataError:
            session.rollback()
            raise ConcurrentModification("办件已被他人修改，请刷新后重试。") from None

    # -- deadlines ---------------------------------------------------------------------

    def recompute_deadline(self, session: Session, case: Case,
                           calendar: WorkingCalendar | None = None) -> tuple[date | None, bool]:
        """Set the due dates of an accepted case from its fields; return the old (due, provisional).

        ``calendar`` defaults to the workflow's; a calendar change passes the corrected one it
        has not committed yet (so the shared cache never holds uncommitted days).
        """
        old = (case.due_date, case.due_provisional)
        with session.no_autoflush:  # reading the pauses must not write the case early
            if calendar is None:
                calendar = self.calendar(session)
            deadline = case_deadline(calendar, case)
            if deadline is None:
                return old
            case.due_date = deadline.due
            case.due_provisional = deadline.provisional
            legal_days = case.implementation.legal_days if case.time_limit_days else 0
            # 行政许可法第四十二条: the statutory date moves only by approved extensions within the bound.
            legal = compute_due(calendar, case.accepted_date, legal_days + legal_extension_days(case),
                                closed_pauses(case.pauses))
            case.legal_due_date = legal.due
            case.legal_due_provisional = legal.provisional
        return old

    # -- registration --------------------------------------------------------------------

    def register_case(self, session: Session, implementation: Any, *, actor: Actor, commit: bool = True,
                      **applicant: Any) -> Case:
        """Register a new case (登记); see :func:`govkit.cases.registration.register_case`."""
        return register_case(self, session, implementation, actor=actor, commit=commit, **applicant)

    def register_online(self, session: Session, implementation: Any, *, actor: Actor, commit: bool = True,
                        **applicant: Any) -> Case:
        """Register an online application (网上申报); see :func:`govkit.cases.registration.register_online_case`."""
        return register_online_case(self, session, implementation, actor=actor, commit=commit, **applicant)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _record_of(event: CaseEvent, payload: dict[str, Any]) -> CaseEventRecord:
    return CaseEventRecord(
        event_id=event.id, case_id=event.case_id, case_number=payload["case_number"],
        item_code=payload["item_code"], action=event.action, from_state=event.from_state,
        to_state=event.to_state, actor=event.actor_name, role=event.role,
        division_code=event.division_code, at=event.at, comment=event.comment, data=dict(event.data or {}),
    )
