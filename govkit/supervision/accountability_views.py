"""过错责任追究 screens: supervisors record findings and review appeals; staff see and appeal their own."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from govkit.db import db
from govkit.errors import OutOfScope
from govkit.labels import division_name, local_time
from govkit.supervision import accountability
from govkit.supervision.models import DECISIONS, FINDING_STATES
from govkit.supervision.orders import SUPERVISOR_ROLE, UNIT_ROLES
from govkit.web.actor import request_actor
from govkit.web.handling import run_action
from govkit.web.scope import current_scope

SUPERVISOR = ["can_list", "can_show", "can_record", "can_review"]
STAFF = ["can_list", "can_show", "can_appeal"]


def _finding(finding_id: int):
    try:
        return accountability.finding_in_scope(db.session, current_scope(), finding_id, request_actor().user_id)
    except OutOfScope:
        abort(404)


class AccountabilityView(BaseView):
    """过错责任追究."""

    route_base = "/supervision/accountability"
    default_view = "list"
    class_permission_name = "Accountability"
    base_permissions = sorted(set(SUPERVISOR + STAFF))
    govkit_role_permissions = {SUPERVISOR_ROLE: SUPERVISOR, **{role: STAFF for role in UNIT_ROLES}}

    @expose("/")
    @has_access
    def list(self):
        scope = current_scope()
        supervisor = scope.has_role(SUPERVISOR_ROLE)
        rows = accountability.findings(db.session, scope, user_id=request_actor().user_id)
        return self.render_template(
            "supervision/accountability.html", rows=rows, supervisor=supervisor, decisions=DECISIONS,
            states=FINDING_STATES, subjects=accountability.SUBJECTS, name=division_name, when=local_time,
            staff=accountability.staff_choices(db.session, scope) if supervisor else [], form=request.args)

    @expose("/<int:finding_id>")
    @has_access
    def show(self, finding_id: int):
        finding, scope = _finding(finding_id), current_scope()
        first = accountability.first_receiver(db.session, finding.subject_id) \
            if finding.subject_kind == "case" else None
        mine = request_actor().user_id is not None and not scope.has_role(SUPERVISOR_ROLE)
        return self.render_template("supervision/finding.html", finding=finding, first=first, name=division_name,
                                    when=local_time, supervisor=scope.has_role(SUPERVISOR_ROLE), mine=mine)

    @expose("/new", methods=["POST"])
    @has_access
    def record(self):
        form, made = request.form, []

        def act():
            made.append(accountability.record_finding(
                db.session, current_scope(), kind=form.get("kind", ""), ref=form.get("ref", ""),
                staff_id=form.get("staff_id", ""), fault=form.get("fault", ""), decision=form.get("decision", ""),
                actor=request_actor()))

        if run_action(act, "过错责任追究已登记，责任人可在本页查看并申诉。"):
            return redirect(url_for("AccountabilityView.show", finding_id=made[0].id))
        return redirect(url_for("AccountabilityView.list", kind=form.get("kind", ""), ref=form.get("ref", "")))

    @expose("/<int:finding_id>/appeal", methods=["POST"])
    @has_access
    def appeal(self, finding_id: int):
        finding = _finding(finding_id)
        run_action(lambda: accountability.appeal(db.session, finding, reason=request.form.get("reason", ""),
                                                 actor=request_actor()), "申诉已提交，由其他监察人员复核。")
        return redirect(url_for("AccountabilityView.show", finding_id=finding_id))

    @expose("/<int:finding_id>/review", methods=["POST"])
    @has_access
    def review(self, finding_id: int):
        finding, outcome = _finding(finding_id), request.form.get("outcome", "")
        if outcome not in ("uphold", "revoke"):
            abort(400)
        run_action(lambda: accountability.decide_appeal(
            db.session, current_scope(), finding, uphold=outcome == "uphold", comment=request.form.get("comment", ""),
            actor=request_actor()), "申诉复核意见已保存。")
        return redirect(url_for("AccountabilityView.show", finding_id=finding_id))


def register(appbuilder, app) -> None:
    category = "电子监察"
    appbuilder.add_view(AccountabilityView, "过错责任追究", href="/supervision/accountability/", category=category,
                        category_label=category, icon="fa-balance-scale")
