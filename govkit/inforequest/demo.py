"""Demo data for 网上咨询 and 依申请公开: questions (answered, published to the FAQ, open, near and past their
deadline) and information requests in every state, with last year's requests for the annual report.

Driven through the services (so every date, document and message is what real use would produce);
the asker and requester names are fictional. Plain Python: the caller passes the app (its state,
storage folder and calendar) and commits.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.idnumber import id_check_char
from govkit.cases.runtime import calendar_for
from govkit.catalog.codes import uscc_check_char
from govkit.catalog.models import Implementation
from govkit.consult import services as consult
from govkit.consult.models import Question
from govkit.desk.storage import FileStore
from govkit.hierarchy.models import Division, Organ
from govkit.hierarchy.scope import Scope
from govkit.inforequest import report, services
from govkit.inforequest.letters import DeskLetterIssuer
from govkit.inforequest.models import InfoRequest
from govkit.clock import local_date
from govkit.online import messages
from govkit.online.models import PERSON, Applicant
from govkit.printing.registry import registry_for

PEOPLE = (("张桂兰", "13909301001"), ("李建国", "13909301002"), ("王秀珍", "13909301003"),
          ("赵永福", "13909301004"), ("陈海燕", "13909301005"), ("刘德明", "13909301006"))
QUESTIONS = (
    ("需要带哪些材料", "我母亲今年 80 岁，申请高龄津贴需要带哪些材料？户口不在本村可以吗？",
     "需携带老人的身份证、户口簿原件。户口不在本村的，应向户籍所在地的村（社区）便民服务站申请。"),
    ("可以由子女代办吗", "老人行动不便，子女可以代为申请吗？需要委托书吗？",
     "可以。代办人需携带本人身份证和老人签字的委托书，村便民服务站的代办员也可上门代办。"),
    ("多久能办好", "材料交齐以后一般多久能有结果？",
     "材料齐全的，自受理之日起在承诺时限内办结，可凭办件编号在网上查询进度。"),
    ("外出务工能不能网上办", "我在外地打工，能不能不回来办理？", "可由家人代办，或联系村代办员网上代申办。"),
)
REQUESTS = (
    "本县 2025 年城乡居民最低生活保障资金发放汇总表", "清河镇 2025 年农村危房改造补助对象名单及补助标准",
    "2025 年度县级行政事业性收费收入情况", "本村土地征收补偿安置方案及批复文件",
    "县政务服务中心 2025 年窗口工作人员考核办法", "2024 年高龄津贴发放名册（本人所在村）",
    "某企业环境影响评价审批文件", "县城区公交线路调整的论证材料", "本县 2025 年临时救助资金使用情况",
)


def _before(calendar, today: date, n: int) -> date:
    """The latest day with ``n`` working days after it up to ``today``."""
    day = today
    while calendar.working_days_between(day, today) < n:
        day -= timedelta(days=1)
    return day


class _Actor:
    def __init__(self, name: str) -> None:
        self.name, self.user_id = name, None


def seed_demo(app: Any, session: Session, county_code: str, today: date | None = None) -> dict[str, int]:
    """Seed questions and requests once (nothing when some exist); returns counts. The caller commits."""
    if session.scalar(select(Question.id).limit(1)) or session.scalar(select(InfoRequest.id).limit(1)):
        return {}
    state = app.extensions["govkit"]
    today = today or local_date()
    calendar = calendar_for(session, app)
    days = int(state.settings["CONSULT_ANSWER_DAYS"])
    prefix = county_code[:6]
    counts: dict[str, int] = {}
    impls = list(session.scalars(select(Implementation).join(Division, Division.id == Implementation.division_id)
                                 .where(Division.code.like(prefix + "%"), Implementation.status == "已发布")
                                 .order_by(Implementation.id).limit(6)))
    system = Scope.unrestricted(roles=frozenset({"Admin"}))
    # (working days ago, answered, published): answered/published, answered, open (green), yellow, red.
    plan = ((30, True, True), (25, True, True), (20, True, True), (18, True, False), (15, True, False),
            (1, False, False), (0, False, False), (days - 1, False, False), (days + 3, False, False),
            (days + 8, False, False))
    for i, (ago, answered, published) in enumerate(plan):
        if not impls:
            break
        impl = impls[i % len(impls)]
        subject, content, answer = QUESTIONS[i % len(QUESTIONS)]
        name, phone = PEOPLE[i % len(PEOPLE)]
        question, _ = consult.ask(session, impl, name=name, phone=phone, subject=subject, content=content,
                                  calendar=calendar, days=days, today=_before(calendar, today, ago))
        if answered:
            consult.answer(session, system, question, text=answer, actor="窗口工作人员",
                           today=_before(calendar, today, max(ago - 2, 0)))
            counts["questions_answered"] = counts.get("questions_answered", 0) + 1
        if published:
            consult.publish(session, system, question)
            counts["questions_published"] = counts.get("questions_published", 0) + 1
        counts["questions"] = counts.get("questions", 0) + 1
    organs = list(session.scalars(select(Organ).join(Division, Division.id == Organ.division_id)
                                  .where(Division.code.like(prefix + "%"), Organ.full_name.is_not(None))
                                  .order_by(Division.code, Organ.id)))
    if not organs:
        return counts
    issuer = DeskLetterIssuer(templates=registry_for(state), settings=state.settings,
                              store=FileStore(app.config["GOVKIT_STORAGE_DIR"],
                                              int(state.settings["UPLOAD_MAX_BYTES"])),
                              verify_url=(state.settings["PUBLIC_BASE_URL"] or "").rstrip("/") + "/public/verify")
    organ = organs[0]
    clerk, head = _Actor("李公开"), _Actor("刘负责")
    n = 0

    def new(received: date, organisation: bool = False) -> InfoRequest:
        nonlocal n
        name, phone = PEOPLE[n % len(PEOPLE)]
        if organisation:
            first17 = f"91{prefix}MA7DE1XK{n % 10}"
            values = dict(applicant_type="法人或其他组织", name=f"示范县{name[0]}氏农业专业合作社",
                          id_number=first17 + uscc_check_char(first17), contact_person=name)
        else:
            first17 = f"{prefix}19{60 + n % 30:02d}0{1 + n % 9}1{n % 9}{n:03d}"
            values = dict(applicant_type="自然人", name=name, id_number=first17 + id_check_char(first17))
        n += 1
        found, _ = services.submit(session, organ, calendar=calendar, today=received, phone=phone, delivery="邮寄",
                                   address="示范县城关镇幸福路 8 号", description=REQUESTS[n % len(REQUESTS)],
                                   **values)
        return found

    # This year: every state.
    new(_before(calendar, today, 2))  # 办理中, green
    new(_before(calendar, today, 17))  # 办理中, yellow
    new(_before(calendar, today, 24))  # 办理中, red (overdue)
    extended = new(_before(calendar, today, 22))
    services.extend(session, Scope.unrestricted(roles=frozenset({"机关负责人"})), extended, days=15,
                    reason="需要调取档案并征求第三方意见", actor=head, issuer=issuer, calendar=calendar,
                    today=_before(calendar, today, 3))
    unclear = new(_before(calendar, today, 4))
    services.ask_supplement(session, system, unclear, text="请写明所需信息的年份和涉及的村（社区）", days=15,
                            actor=clerk, issuer=issuer, calendar=calendar, today=_before(calendar, today, 2))
    lapsed = new(_before(calendar, today, 40))
    services.ask_supplement(session, system, lapsed, text="请写明所需文件的名称或文号", days=15, actor=clerk,
                            issuer=issuer, calendar=calendar, today=_before(calendar, today, 38))
    services.lapse(session, system, lapsed, today=_before(calendar, today, 5))
    replies = (("予以公开", {}), ("部分公开", {"reason": services.WITHHOLD_REASONS[3]}),
               ("不予公开", {"reason": services.WITHHOLD_REASONS[5]}), ("信息不存在", {}),
               ("非本机关", {"competent_organ": "示范县自然资源局（0930-8210456）"}), ("重复申请", {}))
    for i, (reply_type, extra) in enumerate(replies):
        found = new(_before(calendar, today, 15 + i), organisation=bool(i % 2))
        services.reply(session, system, found, reply_type=reply_type, actor=clerk, issuer=issuer,
                       today=_before(calendar, today, 5 + i), **extra)
    # Last year: the annual report's year.
    year = today.year - 1
    for i, (reply_type, extra) in enumerate(replies[:4] * 2):
        received = calendar.next_working_day(date(year, 2 + i, 10))
        found = new(received, organisation=i % 3 == 0)
        services.reply(session, system, found, reply_type=reply_type, actor=clerk, issuer=issuer,
                       today=calendar.add_working_days(received, 12).due, **extra)
    new(calendar.next_working_day(date(year, 12, 22)))  # carried over into this year, still open
    report.save_figures(session, organ, year, {"review_upheld": "1", "review_pending": "1", "suit_upheld": "1"},
                        "李公开")
    counts["info_requests"] = n
    session.flush()
    return counts


def seed_applicant_demo(app: Any, session: Session, county_code: str, today: date | None = None) -> dict[str, int]:
    """The first demo applicant account (a person) asks two questions and files two requests while signed in:
    one question answered, one waiting; one request replied (予以公开, with its 答复书), one being handled. The
    answer and the reply are sent to the account through the message channel (in the demo the development
    channel: ``gk_dev_message``, listed on /demo/). Once only (nothing when the account already has some);
    the caller commits."""
    applicant = session.scalar(select(Applicant).where(Applicant.kind == PERSON).order_by(Applicant.id).limit(1))
    if applicant is None or session.scalar(select(Question.id).where(Question.applicant_id == applicant.id)):
        return {}
    state = app.extensions["govkit"]
    today = today or local_date()
    calendar = calendar_for(session, app)
    prefix = county_code[:6]
    impl = session.scalar(select(Implementation).join(Division, Division.id == Implementation.division_id)
                          .where(Division.code.like(prefix + "%"), Implementation.status == "已发布")
                          .order_by(Implementation.id).limit(1))
    organ = session.scalar(select(Organ).join(Division, Division.id == Organ.division_id)
                           .where(Division.code.like(prefix + "%"), Organ.full_name.is_not(None))
                           .order_by(Division.code, Organ.id).limit(1))
    if impl is None or organ is None:
        return {}
    system, clerk = Scope.unrestricted(roles=frozenset({"Admin"})), _Actor("李公开")
    days = int(state.settings["CONSULT_ANSWER_DAYS"])

    def tell(kind: str, text: str, *key: object) -> None:
        messages.send(session, state.pm, state.settings, messages.ApplicantMessage(
            phone=applicant.phone, kind=kind, text=text, key=messages.message_key(*key), applicant_id=applicant.id))

    for i, (subject, content, answer) in enumerate(QUESTIONS[:2]):
        question, _ = consult.ask(session, impl, name=applicant.name, phone=applicant.phone, subject=subject,
                                  content=content, calendar=calendar, days=days, applicant_id=applicant.id,
                                  today=_before(calendar, today, 3 - i))
        if i == 0:
            consult.answer(session, system, question, text=answer, actor="窗口工作人员", today=today)
            tell("reply", consult.answer_message(question), "question-answer", question.id)
    issuer = DeskLetterIssuer(templates=registry_for(state), settings=state.settings,
                              store=FileStore(app.config["GOVKIT_STORAGE_DIR"],
                                              int(state.settings["UPLOAD_MAX_BYTES"])),
                              verify_url=(state.settings["PUBLIC_BASE_URL"] or "").rstrip("/") + "/public/verify")
    filed = []
    for i, description in enumerate(REQUESTS[:2]):
        found, _ = services.submit(session, organ, applicant_type=services.PERSON, name=applicant.name,
                                   id_number=applicant.id_number, phone=applicant.phone, delivery="自行领取",
                                   description=description, calendar=calendar, applicant_id=applicant.id,
                                   today=max(_before(calendar, today, 6 - 4 * i), date(today.year, 1, 1)))
        filed.append(found)
    services.reply(session, system, filed[0], reply_type="予以公开", actor=clerk, issuer=issuer, today=today)
    kind, text = services.account_message(filed[0], "reply")
    tell(kind, text, "foi", "reply", filed[0].id)
    session.flush()
    return {"applicant_questions": 2, "applicant_requests": 2}
