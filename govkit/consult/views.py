"""Staff screens of 网上咨询: the questions of the unit (answer, publish to the FAQ) and the
supervisor's cards of unanswered questions (``/supervision/questions``). Every list is scoped;
the handling page and the cards page are :mod:`govkit.web.handling`'s. An answer to a question asked from an
applicant account is also sent to that account through the message channel (:func:`tell_account`)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm import Session

from govkit.consult import services
from govkit.consult.models import Question
from govkit.db import db
from govkit.online import messages
from govkit.online.models import Applicant
from govkit.state import get_state
from govkit.web.actor import request_actor
from govkit.web.handling import CardsView, HandlingView
from govkit.web.scope import current_scope

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
READ = ["can_list", "can_show"]
SUPERVISOR = "监察"
log = logging.getLogger("govkit.consult")


def tell_account(applicant_id: int | None, *, kind: str, text: str, key: tuple) -> bool:
    """Send ``text`` to the applicant account that filed a question or request; True when sent.

    Goes through the active message channel (``register_message_channels``, setting MESSAGE_CHANNEL; the
    development channel stores it in ``gk_dev_message``) in a short transaction of its own, after the answer
    was committed: a failing gateway is logged and never undoes the answer (the message also stays in
    ``gk_asker_message``). ``key`` makes the message unique, so a repeated call sends nothing new.
    """
    if applicant_id is None:
        return False
    state = get_state(current_app)
    try:
        with Session(db.engine) as own:
            applicant = own.get(Applicant, applicant_id)
            if applicant is None or not applicant.active or applicant.phone_verified_at is None:
                return False
            messages.send(own, state.pm, state.settings, messages.ApplicantMessage(
                phone=applicant.phone, kind=kind, text=text, key=messages.message_key(*key),
                applicant_id=applicant.id))
            own.commit()
    except Exception:  # a message must never break the committed answer
        log.exception("未能向申请人账号 %s 发送消息 %s", applicant_id, key)
        return False
    return True


class QuestionView(HandlingView):
    """网上咨询 routed to this unit: answer within the deadline, publish to the item's 常见问题."""

    datamodel = SQLAInterface(Question)
    scope_column = "division_code"
    route_base = "/admin/questions"
    class_permission_name = "Question"
    govkit_role_permissions = {role: READ + ["can_handle", "can_act"] for role in services.ANSWER_ROLES}
    govkit_role_permissions[SUPERVISOR] = READ + ["can_export_csv"]
    list_title, show_title = "网上咨询", "咨询详情"
    label_columns = {"number": "咨询编号", "implementation": "咨询事项", "division_code": "实施单位区划",
                     "asker_name": "咨询人", "phone": "手机号码", "email": "电子邮箱", "address": "通信地址",
                     "subject": "标题", "content": "咨询内容", "state": "状态", "asked_on": "提交日期",
                     "due_date": "答复期限", "due_provisional": "期限暂定", "answer": "答复", "answered_by": "答复人",
                     "answered_on": "答复日期", "published": "已公开到常见问题", "faq_question": "公开的问题",
                     "faq_answer": "公开的答复"}
    list_columns = ["number", "implementation", "subject", "state", "asked_on", "due_date", "published"]
    show_columns = ["number", "implementation", "subject", "content", "asker_name", "phone", "email", "address",
                    "state", "asked_on", "due_date", "answer", "answered_by", "answered_on", "published",
                    "faq_question", "faq_answer"]
    search_columns = ["number", "state", "subject", "asked_on", "published"]
    base_permissions = READ + ["can_export_csv", "can_handle", "can_act"]
    base_order = ("asked_on", "desc")
    handle_template, manage_label = "consult/handle.html", "答复与公开"

    def handle_context(self, question: Question) -> dict:
        return {"question": question, "messages": services.messages_for(db.session, question.number),
                "can_answer": current_scope().has_role(*services.ANSWER_ROLES),
                "suggested_q": services.anonymise(question.content, question),
                "suggested_a": services.anonymise(question.answer or "", question)}

    def row_actions(self, question: Question, form) -> dict:
        scope = current_scope()
        return {
            "answer": (lambda: services.answer(db.session, scope, question, text=form.get("answer", ""),
                                               actor=request_actor().name), "答复已保存，已通知咨询人。"),
            "publish": (lambda: services.publish(db.session, scope, question, faq_question=form.get("faq_question"),
                                                 faq_answer=form.get("faq_answer")),
                        "已公开到事项的常见问题（已隐去姓名、电话、证件号）。"),
            "unpublish": (lambda: services.unpublish(db.session, scope, question), "已从常见问题撤下。"),
        }

    def after_action(self, question: Question, name: str) -> None:
        if name == "answer":
            tell_account(question.applicant_id, kind="reply", key=("question-answer", question.id),
                         text=services.answer_message(question))


class QuestionCardsView(CardsView):
    """电子监察: yellow and red cards of unanswered questions (答复期限 CONSULT_ANSWER_DAYS 个工作日)."""

    route_base = "/supervision/questions"
    class_permission_name = "QuestionCards"
    govkit_role_permissions = {SUPERVISOR: ["can_cards"]}
    cards_template = "consult/cards.html"
    card_rows = staticmethod(services.cards)

    def cards_context(self, settings) -> dict:
        return {"days": settings["CONSULT_ANSWER_DAYS"]}


def register(appbuilder, app) -> None:
    if "govkit_consult_templates" not in app.blueprints:
        app.register_blueprint(Blueprint("govkit_consult_templates", __name__, template_folder=TEMPLATE_FOLDER))
    appbuilder.add_view(QuestionView, "网上咨询", category="公开与评价", icon="fa-question-circle")
    appbuilder.add_view(QuestionCardsView, "咨询黄牌红牌", href="/supervision/questions/", category="电子监察",
                        icon="fa-question-circle")
