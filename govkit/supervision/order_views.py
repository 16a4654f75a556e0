"""督办单 screens: the supervisors' list and issue form, the units' queue, one order's page and its actions.

Every order is read through :func:`govkit.supervision.orders.order_in_scope` (404 outside the
user's subtree, on either side); the rules of who may act are in :mod:`govkit.supervision.orders`.
Forms carry the CSRF token (the app's CSRFProtect refuses a POST without it); errors are flashed
in Chinese, nothing half-written (the transaction is rolled back).
"""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from govkit.cases.runtime import calendar_for, workflow_for
from govkit.db import db
from govkit.desk.issuing import issuer_for
from govkit.desk.storage import FileStore
from govkit.errors import GovkitError, OutOfScope
from govkit.clock import local_date
from govkit.labels import division_name, local_time
from govkit.state import get_state
from govkit.supervision import accountability, notices, orders
from govkit.supervision.models import ORDER_STATES, PENDING, SUBJECT_KINDS
from govkit.web.actor import request_actor
from govkit.web.handling import run_action
from govkit.web.scope import current_scope

SUPERVISOR = ["can_list", "can_show", "can_issue", "can_decide", "can_notice"]
UNIT = ["can_show", "can_respond", "can_notice"]
#: The desk's menu (govkit.desk.views.MENU_CATEGORY), where unit staff find their queues.
MENU_CATEGORY = "办件"
ACTIONS = {"issue": "发出督办", "respond": "回复", "close": "办结", "escalate": "升级督办",
           "auto_escalate": "自动升级", "print": "出具通知书"}


def _order(order_id: int):
    try:
        return orders.order_in_scope(db.session, current_scope(), order_id)
    except OutOfScope:
        abort(404)


class OrderView(BaseView):
    """督办单."""

    route_base = "/supervision/orders"
    default_view = "list"
    class_permission_name = "SupervisionOrder"
    base_permissions = sorted(set(SUPERVISOR + UNIT))
    govkit_role_permissions = {"监察": SUPERVISOR, **{role: UNIT for role in orders.UNIT_ROLES}}

    @expose("/")
    @has_access
    def list(self):
        """The supervisors' list: orders issued in the subtree (escalated-to-us ones included) and the issue form."""
        state = request.args.get("state", "")
        rows = orders.supervisor_queue(db.session, current_scope(), states=(state,) if state in ORDER_STATES else ())
        days = get_state(current_app).settings["SUPERVISION_ORDER_DAYS"]
        return self.render_template("supervision/orders.html", rows=rows, state=state, states=ORDER_STATES,
                                    kinds=SUBJECT_KINDS, days=days, name=division_name, today=local_date(),
                                    form=request.args)

    @expose("/<int:order_id>")
    @has_access
    def show(self, order_id: int):
        order, scope = _order(order_id), current_scope()
        return self.render_template(
            "supervision/order.html", order=order, name=division_name, when=local_time, actions=ACTIONS,
            can_answer=orders.can_answer(scope, order) and order.state == PENDING,
            can_decide=orders.can_decide(scope, order), today=local_date(),
            chain=orders.chain(db.session, order),
            first=accountability.first_receiver(db.session, order.subject_id) if order.subject_kind == "case" else None)

    @expose("/new", methods=["POST"])
    @has_access
    def issue(self):
        created = []
        form = request.form

        def act():
            created.append(orders.issue_order(
                db.session, current_scope(), kind=form.get("kind", ""), ref=form.get("ref", ""),
                reason=form.get("reason", ""), days=form.get("days", ""), calendar=calendar_for(db.session),
                actor=request_actor(), today=local_date()))

        if run_action(act, "督办单已发出，被督办单位可在“待回复督办”中看到。"):
            return redirect(url_for("OrderView.show", order_id=created[0].id))
        return redirect(url_for("OrderView.list", kind=form.get("kind", ""), ref=form.get("ref", ""),
                                days=form.get("days", "")))

    @expose("/<int:order_id>/respond", methods=["POST"])
    @has_access
    def respond(self, order_id: int):
        order = _order(order_id)
        run_action(lambda: orders.respond(db.session, current_scope(), order, text=request.form.get("response", ""),
                                    actor=request_actor()), "回复已提交，等待监察人员审核。")
        return redirect(url_for("OrderView.show", order_id=order_id))

    @expose("/<int:order_id>/decide", methods=["POST"])
    @has_access
    def decide(self, order_id: int):
        order, scope, action = _order(order_id), current_scope(), request.form.get("action", "")
        comment = request.form.get("comment", "")
        if action == "close":
            run_action(lambda: orders.close(db.session, scope, order, comment=comment, actor=request_actor()),
                 "督办单已办结。")
        elif action == "escalate":
            days = get_state(current_app).settings["SUPERVISION_ORDER_DAYS"]
            run_action(lambda: orders.escalate(db.session, order, reason=comment, actor=request_actor(),
                                         calendar=calendar_for(db.session), days=days, today=local_date(),
                                         scope=scope), "已升级至上一级监察机构督办。")
        else:
            abort(400)
        return redirect(url_for("OrderView.show", order_id=order_id))

    @expose("/<int:order_id>/notice.pdf")
    @has_access
    def notice(self, order_id: int):
        """The order's 督办通知书 (issued on first print, the same bytes afterwards)."""
        order = _order(order_id)
        state = get_state(current_app)
        store = FileStore(current_app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))
        try:
            issuer = issuer_for(state, workflow=workflow_for(current_app), store=store)
            copy = notices.print_notice(db.session, order, issuer, request_actor(), today=local_date())
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("OrderView.show", order_id=order_id))
        response = make_response(copy.pdf)
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = \
            f"inline; filename=supervision-notice-{copy.document.document_number}.pdf"
        return response


class OrderInboxView(BaseView):
    """待回复督办: the units' queue of orders addressed to them."""

    route_base = "/supervision/inbox"
    default_view = "inbox"
    class_permission_name = "SupervisionOrderInbox"
    base_permissions = ["can_inbox"]
    govkit_role_permissions = {role: ["can_inbox"] for role in orders.UNIT_ROLES}

    @expose("/")
    @has_access
    def inbox(self):
        """Orders addressed to units in the user's subtree: waiting ones by deadline (``?all=1``: every one)."""
        every = request.args.get("all") == "1"
        rows = orders.unit_queue(db.session, current_scope(), open_only=not every)
        return self.render_template("supervision/orders_inbox.html", rows=rows, name=division_name,
                                    today=local_date(), every=every)


def register(appbuilder, app) -> None:
    category = "电子监察"
    appbuilder.add_view(OrderView, "督办单", href="/supervision/orders/", category=category,
                        category_label=category, icon="fa-gavel")
    appbuilder.add_view(OrderInboxView, "待回复督办", href="/supervision/inbox/", category=MENU_CATEGORY,
                        category_label=MENU_CATEGORY, icon="fa-bell")
