"""Home-visit appointments (预约上门) for elderly or disabled applicants."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.db import db
from govkit.desk import visits, web
from govkit.desk.models import VISIT_REASONS, VisitStatus
from govkit.desk.views.base import READERS, DeskView, grants
from govkit.errors import GovkitError, OutOfScope, ValidationError
from govkit.hierarchy.models import Division, Staff

AGENTS = ("受理员", "代办员")


def _date(text: str | None, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{label}格式应为 年-月-日，如 2026-03-05。") from None


def _visit_or_404(visit_id: int):
    try:
        return visits.get_visit(db.session, web.actor().scope, visit_id)
    except OutOfScope:
        abort(404)


class HomeVisitView(DeskView):
    """预约上门."""

    route_base = "/desk/visits"
    default_view = "index"
    class_permission_name = "DeskHomeVisit"
    method_permission_name = {"index": "read", "show": "read", "new": "act", "schedule": "act",
                              "record": "act", "cancel": "act"}
    govkit_role_permissions = grants(can_read=READERS, can_act=AGENTS)

    @expose("/")
    @has_access
    def index(self):
        status = request.args.get("status") or None
        rows = visits.list_visits(db.session, web.actor().scope, status)
        return self.render("desk/visits.html", rows=rows, status=status, statuses=[
            VisitStatus.REQUESTED, VisitStatus.SCHEDULED, VisitStatus.DONE, VisitStatus.CANCELLED],
            mask=visits.masked_phone,
            can_act=self.appbuilder.sm.has_access("can_act", self.class_permission_name))

    def _divisions(self):
        actor = web.actor()
        return list(db.session.scalars(select(Division).where(actor.scope.clause(Division.code), Division.level == 5)
                                       .order_by(Division.code).limit(500)))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        actor = web.actor()
        if request.method == "POST":
            form = request.form
            try:
                web.check_csrf()
                visit = visits.request_visit(
                    db.session, actor.scope, division_code=form.get("division_code") or actor.division_code or "",
                    applicant_name=form.get("applicant_name", ""), address=form.get("address", ""),
                    reason=form.get("reason", ""), user_id=actor.user_id,
                    applicant_phone=form.get("applicant_phone"),
                    preferred_date=_date(form.get("preferred_date"), "希望上门日期"),
                    note=form.get("note") or None, today=web.today())
                db.session.commit()
            except GovkitError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(f"已登记{visit.applicant_name}的上门预约，请安排上门人员。", "success")
                return redirect(url_for("HomeVisitView.show", visit_id=visit.id))
        return self.render("desk/visit_new.html", divisions=self._divisions(), reasons=VISIT_REASONS,
                           form=request.form, home=actor.division_code)

    @expose("/<int:visit_id>")
    @has_access
    def show(self, visit_id: int):
        visit = _visit_or_404(visit_id)
        actor = web.actor()
        return self.render("desk/visit.html", visit=visit, phone=visits.masked_phone(visit),
                           agents=visits.agents_for(db.session, actor.scope, visit.division_code),
                           can_act=actor.has_role(*AGENTS))

    def _post(self, visit_id: int, step):
        visit = _visit_or_404(visit_id)
        try:
            web.check_csrf()
            message = step(visit, request.form, web.actor())
            db.session.commit()
            flash(message, "success")
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(url_for("HomeVisitView.show", visit_id=visit_id))

    @expose("/<int:visit_id>/schedule", methods=["POST"])
    @has_access
    def schedule(self, visit_id: int):
        def step(visit, form, actor):
            user_id = form.get("agent_user_id", "")
            agent = db.session.scalar(select(Staff).where(Staff.user_id == int(user_id))) if user_id.isdigit() else None
            if agent is None:
                raise ValidationError("请选择上门人员。")
            on = _date(form.get("scheduled_date"), "上门日期")
            if on is None:
                raise ValidationError("请填写上门日期。")
            visits.schedule(db.session, actor.scope, visit, agent=agent, on=on, slot=form.get("slot"),
                            today=web.today())
            return f"已安排{agent.name}于{on.month}月{on.day}日{visit.scheduled_slot or ''}上门。"
        return self._post(visit_id, step)

    @expose("/<int:visit_id>/record", methods=["POST"])
    @has_access
    def record(self, visit_id: int):
        def step(visit, form, actor):
            number = (form.get("case_number") or "").strip()
            case_id = None
            if number:
                case_id = db.session.scalar(select(Case.id).where(Case.number == number))
                if case_id is None:
                    raise ValidationError(f"没有找到办件编号 {number}，请核对。")
            visits.record_visit(db.session, actor.scope, visit, outcome=form.get("outcome", ""), case_id=case_id)
            return "已记录上门办理情况。"
        return self._post(visit_id, step)

    @expose("/<int:visit_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, visit_id: int):
        def step(visit, form, actor):
            visits.cancel(db.session, visit, reason=form.get("reason", ""))
            return "已取消预约。"
        return self._post(visit_id, step)
