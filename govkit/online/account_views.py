"""申请人账号 (/desk/applicants): the staff screen of the online hall's applicant accounts (docs/online.md).

An Admin or a 受理员 lists and searches the accounts in their scope (:mod:`govkit.online.staff_accounts`),
ID numbers and phones masked, and locks (停用, with a reason) or unlocks (启用) one; each change is written to
the audit trail with who, the masked account and the reason. Other roles have no access; an account outside
the user's scope answers 404.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access

from govkit.audit.trail import record
from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.db import db
from govkit.desk.views.base import DeskView
from govkit.errors import GovkitError, OutOfScope
from govkit.online import staff_accounts
from govkit.desk.web import check_csrf
from govkit.web.actor import request_actor

MENU_NAME = "申请人账号"
ROLES = ("受理员",)


class ApplicantAccountView(DeskView):
    """申请人账号管理: list, search by phone or name, 停用/启用 (audited)."""

    route_base = "/desk/applicants"
    default_view = "index"
    class_permission_name = "ApplicantAccounts"
    method_permission_name = {"index": "read", "lock": "act", "unlock": "act"}
    govkit_role_permissions = {role: ["can_read", "can_act"] for role in ROLES}

    @expose("/")
    @has_access
    def index(self):
        text = request.args.get("q", "")
        page = request.args.get("page", "1")
        page = int(page) if page.isdigit() and len(page) < 6 else 1
        rows, more = staff_accounts.search(db.session, request_actor().scope, text, page=page)
        return self.render("online/staff_accounts.html", rows=rows, q=text.strip(), page=page, more=more,
                           mask_id=mask_id_number, mask_phone=mask_phone, title=MENU_NAME)

    def _change(self, account_id: int, locked: bool):
        try:
            account = staff_accounts.get(db.session, request_actor().scope, account_id)
        except OutOfScope:
            abort(404)
        verb = "停用" if locked else "启用"
        try:
            check_csrf()
            before = {"active": account.active}
            after = staff_accounts.set_locked(account, locked, request.form.get("reason", ""))
            record(db.session, action=verb, table_name="gk_applicant", row_key=str(account.id),
                   summary=f"{verb}申请人账号 {account.name}（{mask_phone(account.phone)}）",
                   before=before, after=after)
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            flash(f"未能{verb}：{exc.message}", "danger")
        else:
            flash(f"已{verb}申请人账号 {account.name}（{mask_phone(account.phone)}），已记入审计日志。", "success")
        return redirect(url_for("ApplicantAccountView.index", q=request.form.get("q", "")))

    @expose("/<int:account_id>/lock", methods=["POST"])
    @has_access
    def lock(self, account_id: int):
        return self._change(account_id, True)

    @expose("/<int:account_id>/unlock", methods=["POST"])
    @has_access
    def unlock(self, account_id: int):
        return self._change(account_id, False)


def register(appbuilder: Any, app: Any) -> None:
    appbuilder.add_view(ApplicantAccountView, MENU_NAME, icon="fa-id-card-o", category="办件", category_label="办件")
