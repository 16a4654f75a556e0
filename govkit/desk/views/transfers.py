"""Paper transfer batches (纸质资料交接): bundle, send, sign for, print the transfer list."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select
from urllib.parse import quote

from govkit.cases import states as S
from govkit.cases.models import Case
from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.desk import documents, transfers, web
from govkit.desk.models import TransferBatch, TransferItem, TransferStatus
from govkit.desk.views.base import READERS, DeskView, grants
from govkit.errors import GovkitError, OutOfScope, ValidationError
from govkit.hierarchy.codes import parent_code
from govkit.hierarchy.models import Division
from govkit.state import get_state

SENDERS = ("受理员", "代办员", "办理员", "指挥中心")
#: Cases whose paper originals may still need to travel.
PAPER_STATES = (S.ACCEPTED, S.FORWARDED, S.SIGNED, S.RETURNED, S.REGISTERED, S.SUPPLEMENT)


def _batch_or_404(batch_id: int) -> TransferBatch:
    try:
        return transfers.get_batch(db.session, web.actor().scope, batch_id)
    except OutOfScope:
        abort(404)


def _names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    return {d.code: d.name for d in db.session.scalars(select(Division).where(Division.code.in_(codes)))}


class TransferView(DeskView):
    """纸质资料交接."""

    route_base = "/desk/transfers"
    default_view = "index"
    class_permission_name = "DeskTransfer"
    method_permission_name = {"index": "read", "show": "read", "print_list": "read",
                              "new": "act", "send": "act", "sign": "act"}
    govkit_role_permissions = grants(can_read=READERS, can_act=SENDERS)

    @expose("/")
    @has_access
    def index(self):
        actor = web.actor()
        view = request.args.get("view", "all")
        if view == "sign":
            batches = transfers.batches_to_sign(db.session, actor.scope)
        elif view == "overdue":
            days = int(web.settings()["TRANSFER_OVERDUE_DAYS"])
            batches = transfers.overdue_batches(db.session, actor.scope, calendar_for(db.session), web.today(), days)
        else:
            batches = transfers.list_batches(db.session, actor.scope)
        codes = [c for b in batches for c in (b.origin_division_code, b.destination_division_code, b.current_to_code)]
        return self.render("desk/transfers.html", batches=batches, view=view, names=_names(codes),
                           overdue_days=web.settings()["TRANSFER_OVERDUE_DAYS"],
                           can_act=self.appbuilder.sm.has_access("can_act", self.class_permission_name))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        actor = web.actor()
        if actor.division_code is None:
            flash("只有归属某个区划的工作人员才能发起纸质资料交接。", "danger")
            return redirect(url_for("TransferView.index"))
        if request.method == "POST":
            try:
                web.check_csrf()
                ids = [int(v) for v in request.form.getlist("case_id") if v.isdigit()]
                sheets = {}
                for case_id in ids:
                    raw = request.form.get(f"sheets-{case_id}", "1").strip() or "1"
                    if not raw.isdigit():
                        raise ValidationError("页数应为正整数。")
                    sheets[case_id] = int(raw)
                batch = transfers.create_batch(
                    db.session, actor.scope, destination_code=request.form.get("destination", ""), case_ids=ids,
                    user_id=actor.user_id, sheets=sheets, note=request.form.get("note") or None)
                db.session.commit()
            except GovkitError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(f"已生成交接批次 {batch.number}，请打印交接单并随材料发出。", "success")
                return redirect(url_for("TransferView.show", batch_id=batch.id))
        busy = select(TransferItem.case_id).join(TransferBatch).where(TransferBatch.status.in_(TransferStatus.OPEN))
        candidates = list(db.session.scalars(
            select(Case).where(Case.accepting_division_code == actor.division_code, Case.state.in_(PAPER_STATES),
                               Case.id.not_in(busy)).order_by(Case.id.desc()).limit(200)))
        ups = []
        code = parent_code(actor.division_code)
        while code and len(ups) < 3:
            ups.append(code)
            code = parent_code(code)
        names = _names(ups)
        destinations = [(c, names[c]) for c in ups if c in names]
        return self.render("desk/transfer_new.html", candidates=candidates, destinations=destinations)

    @expose("/<int:batch_id>")
    @has_access
    def show(self, batch_id: int):
        batch = _batch_or_404(batch_id)
        actor = web.actor()
        holder = batch.origin_division_code if batch.status == TransferStatus.DRAFT else batch.current_to_code
        mine = actor.scope.is_unrestricted or actor.division_code == holder
        can_act = actor.has_role(*SENDERS)
        codes = [batch.origin_division_code, batch.destination_division_code] + [
            c for h in batch.hops for c in (h.from_code, h.to_code)]
        return self.render(
            "desk/transfer.html", batch=batch, names=_names(codes),
            can_send=can_act and mine and batch.status in (TransferStatus.DRAFT, TransferStatus.AWAITING),
            can_sign=can_act and mine and batch.status == TransferStatus.IN_TRANSIT)

    @expose("/<int:batch_id>/send", methods=["POST"])
    @has_access
    def send(self, batch_id: int):
        return self._step(batch_id, "send")

    @expose("/<int:batch_id>/sign", methods=["POST"])
    @has_access
    def sign(self, batch_id: int):
        return self._step(batch_id, "sign")

    def _step(self, batch_id: int, step: str):
        batch = _batch_or_404(batch_id)
        actor = web.actor()
        try:
            web.check_csrf()
            if step == "send":
                hop = transfers.send(db.session, actor.scope, batch, user_id=actor.user_id, user_name=actor.name,
                                     today=web.today(), carrier=request.form.get("carrier") or None)
                message = f"已发出，送往{_names([hop.to_code]).get(hop.to_code, hop.to_code)}。"
            else:
                transfers.sign_for(db.session, actor.scope, batch, user_id=actor.user_id, user_name=actor.name,
                                   today=web.today(), note=request.form.get("note") or None)
                message = "已签收。" + ("全部交接完成。" if batch.status == TransferStatus.RECEIVED
                                        else "请继续转交上级。")
            db.session.commit()
            flash(f"批次 {batch.number} {message}", "success")
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(url_for("TransferView.show", batch_id=batch_id))

    @expose("/<int:batch_id>/print")
    @has_access
    def print_list(self, batch_id: int):
        batch = _batch_or_404(batch_id)
        seq = request.args.get("hop", "")
        hop = next((h for h in batch.hops if str(h.seq) == seq), batch.hops[-1] if batch.hops else None)
        try:
            context = documents.transfer_context(db.session, batch, hop)
            pdf = documents.registry(get_state(current_app)).render("transfer_list", context)
        except GovkitError as exc:
            flash(f"无法生成交接单：{exc}", "danger")
            return redirect(url_for("TransferView.show", batch_id=batch_id))
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote('交接单-' + batch.number + '.pdf')}",
            "Cache-Control": "private, no-store"})
