"""Seed the demo county: divisions, centres, staff, catalog, cases, ratings, complaints, disclosures,
questions (网上咨询) and information requests (依申请公开).

Cases are driven through govkit's own workflow engine (``govkit.toolkit.Workflow``) with a
clock set in the past, so every event, deadline, pause and card is what real use would
have produced. Deterministic for a given ``seed``.
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import select

from govkit.toolkit import (
    Actor, Case, CaseEvent, CentreKind, Department, Division, GovkitError, Implementation, Rating, Rectification, Scope,
    ServiceCentre, Staff, ValidationError, Workflow, attach_demo_forms, cached_calendar, calendar_for, complaints, db,
    disclosures, document_issuer, follow_with_documents, get_state, id_check_char, issue_document, load_demo_catalog,
    load_division_sample, ratings, seed_demo_applicants, seed_demo_online_applications, seed_foi_applicant_demo,
    seed_foi_demo, seed_supervision_demo, subtree_prefix, supersede_document, sync_plugin_items,
)
from govkit.toolkit import case_states as S

from county_demo import forms_data
from county_demo.organs import seed_organs
from county_demo.accounts import ACCOUNTS, COUNTY, PASSWORD, Account, village_accounts

Echo = Callable[[str], None]
CHINA = timezone(timedelta(hours=8))

#: Target states and their share of the seeded cases (every state appears).
STATE_MIX: tuple[tuple[str, int], ...] = (
    (S.DELIVERED, 34), (S.COMPLETED, 6), (S.APPROVED, 3), (S.DENIED, 2), (S.IN_REVIEW, 12), (S.ASSIGNED, 6),
    (S.SIGNED, 4), (S.FORWARDED, 5), (S.ACCEPTED, 5), (S.REGISTERED, 5), (S.SUPPLEMENT, 4), (S.REFUSED, 3),
    (S.RETURNED, 3), (S.SUSPENDED, 3), (S.WITHDRAWN, 3),
)
ACTIVE_TARGETS = {S.IN_REVIEW, S.ASSIGNED, S.SIGNED, S.FORWARDED, S.ACCEPTED, S.REGISTERED, S.SUPPLEMENT,
                  S.RETURNED, S.SUSPENDED}

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
            "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = "秀英桂兰玉兰凤英建华建国志强海燕丽娟小明红梅春花金凤永福国庆德明淑珍文华振华秀珍丽华建军福生桂英平安"


# -- people ------------------------------------------------------------------------------


def person(rng: random.Random, code_prefix: str = "629901") -> tuple[str, str, str]:
    """A fictional applicant: name, valid 18-digit ID number, mobile number."""
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 70))
    first17 = f"{code_prefix}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return name, first17 + id_check_char(first17), f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}"


# -- structure ---------------------------------------------------------------------------


def seed_divisions(session) -> dict[str, Division]:
    load_division_sample(session, "demo_county")  # commits
    return {d.code: d for d in session.scalars(select(Division).where(Division.code.like("6299%")))}


def seed_centres(session, divisions: dict[str, Division]) -> None:
    for code, division in sorted(divisions.items()):
        if division.level == 3:
            kind, name = CentreKind.GOV_CENTRE, f"{division.name}政务服务中心"
        elif division.level == 4:
            kind, name = CentreKind.CONVENIENCE_CENTRE, f"{division.name}便民服务中心"
        elif division.level == 5:
            kind, name = (CentreKind.CONVENIENCE_STATION,
                          division.name.replace("村委会", "村").replace("居委会", "") + "便民服务站")
        else:
            continue
        if session.scalar(select(ServiceCentre.id).where(ServiceCentre.division_id == division.id)) is None:
            session.add(ServiceCentre(division_id=division.id, name=name, kind=kind.value,
                                      address=f"{division.name}办公楼一层", phone=f"0930-82{code[-5:]}",
                                      opening_hours="周一至周五 9:00—12:00，14:30—17:30"))
    session.commit()


def department(session, division: Division, name: str) -> Department:
    found = session.scalar(select(Department).where(Department.division_id == division.id, Department.name == name))
    if found is None:
        found = Department(division_id=division.id, name=name, window_no="综合窗口")
        session.add(found)
        session.flush()
    return found


def seed_department_handlers(app, divisions: dict[str, Division]) -> int:
    """Give every department that implements a published item a 办理员 (no routing dead end); returns how many."""
    session = db.session
    sm = app.appbuilder.sm
    role = sm.find_role("办理员") or sm.add_role("办理员")
    staffed = set(session.scalars(select(Staff.department_id).where(Staff.duty == "办理员")))
    wanted = session.scalars(select(Department).join(Implementation, Implementation.department_id == Department.id)
                             .where(Implementation.status == "已发布").distinct().order_by(Department.id))
    added = 0
    for dept in wanted:
        if dept.id in staffed:
            continue
        username = f"h{dept.id:04d}"
        user = sm.find_user(username=username) or sm.add_user(
            username, f"{dept.name}办理员", "", f"{username}@demo.invalid", role, password=PASSWORD)
        session.add(Staff(user_id=user.id, division_id=dept.division_id, department_id=dept.id, duty="办理员",
                          name=f"{dept.name}办理员"))
        added += 1
    session.commit()
    return added


def seed_staff(app, divisions: dict[str, Division]) -> list[Account]:
    """Create every demo account (FAB user + Staff row); returns them all."""
    session = db.session
    sm = app.appbuilder.sm
    accounts = list(ACCOUNTS)
    for code, division in sorted(divisions.items()):
        if division.level == 5:
            accounts.extend(a for a in village_accounts(code, division.name)
                            if a.username not in {x.username for x in accounts})
    for account in accounts:
        if sm.find_user(username=account.username):
            continue
        role = sm.find_role(account.role) or sm.add_role(account.role)
        # A Chinese name is one string (FAB shows "first_name last_name"): keep it whole.
        user = sm.add_user(account.username, account.name, "", f"{account.username}@demo.invalid",
                           role, password=account.password)
        division = divisions[account.division_code]
        dept = department(session, division, account.department) if account.department else None
        session.add(Staff(user_id=user.id, division_id=division.id, department_id=dept.id if dept else None,
                          duty=account.role if account.role != "Admin" else "事项管理员", name=account.name,
                          public_contact=f"0930-82{account.division_code[-5:]}"))
    session.commit()
    return accounts


# -- cases -------------------------------------------------------------------------------


class Actors:
    """Who acts where: the demo accounts by (division, role), else a named stand-in."""

    def __init__(self, session, divisions: dict[str, Division]):
        self.divisions = divisions
        self.divisions_by_id = {d.id: code for code, d in divisions.items()}
        self.by_key: dict[tuple[str, str], Actor] = {}
        rows = session.execute(select(Staff.user_id, Staff.name, Staff.duty, Division.code, Staff.department_id)
                               .join(Division, Division.id == Staff.division_id)).all()
        for user_id, name, duty, code, department_id in rows:
            key = (code, duty)
            if key not in self.by_key or department_id is None:
                self.by_key[key] = self._actor(user_id, name, duty, code, department_id)

    @staticmethod
    def _actor(user_id, name, role, code, department_id=None) -> Actor:
        roles = frozenset({role})
        return Actor(user_id, name, roles, Scope.for_division(code, user_id, roles), department_id)

    def handler(self, session, department: Department) -> Actor:
        """An on-duty 办理员 of ``department`` (seed_department_handlers made sure there is one)."""
        staff = session.scalars(select(Staff).where(Staff.department_id == department.id, Staff.duty == "办理员")
                                .order_by(Staff.id)).first()
        return self._actor(staff.user_id, staff.name, "办理员", self.divisions_by_id[department.division_id],
                           department.id)

    def get(self, code: str, role: str) -> Actor:
        actor = self.by_key.get((code, role))
        if actor is None:
            actor = self._actor(None, f"{self.divisions[code].name}{role}", role, code)
            self.by_key[(code, role)] = actor
        return actor


class Clock:
    def __init__(self, now: datetime):
        self.now = now
        self.limit = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, rng: random.Random, hours: tuple[int, int] = (2, 60)) -> None:
        self.now = min(self.limit - timedelta(minutes=5), self.now + timedelta(hours=rng.randint(*hours)))


def _office_time(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59)), CHINA).astimezone(timezone.utc)


def _pick_state(rng: random.Random) -> str:
    states, weights = zip(*STATE_MIX)
    return rng.choices(states, weights)[0]


def drive(workflow: Workflow, session, case: Case, target: str, actors: Actors, clock: Clock,
          rng: random.Random, issuer=None) -> None:
    """Perform the actions that take a registered ``case`` to ``target``.

    The workflow issues what its steps bring (特别程序告知书, 延期通知书); with ``issuer`` the clerk
    also prints the 受理通知书 of a case that will be extended, so the extension supersedes it.
    """
    def do(action: str, actor: Actor, **fields) -> None:
        clock.advance(rng)
        workflow.perform(session, case, action, actor, commit=False, **fields)

    village = case.accepting_division_code
    if target == S.REGISTERED:
        return
    if target == S.WITHDRAWN:
        return do("withdraw", actors.get(village, "代办员"), reason="申请人书面申请撤回：决定暂不办理")
    if target == S.SUPPLEMENT:
        material = case.materials[0].material_id if case.materials else "补充证明材料"
        return do("request_supplement", actors.get(village, "受理员"), missing=[material])
    if target == S.REFUSED:
        return do("refuse", actors.get(village, "受理员"), reason="申请事项不属于本机关职权范围，请向户籍所在地申请。")
    extend = False
    if target == S.IN_REVIEW:
        extended = session.scalar(select(CaseEvent.id).where(CaseEvent.action == "extend").limit(1))
        extend = extended is None or rng.random() < 0.3
    do("accept", actors.get(village, "受理员"))
    if extend and issuer is not None:
        issue_document(session, case, "acceptance_notice", actors.get(village, "受理员"), issuer)
    if target == S.ACCEPTED:
        return
    while case.current_division_code != case.implementing_division_code:
        here = case.current_division_code
        do("forward", actors.get(here, "受理员" if here == village else "指挥中心"))
        if target == S.FORWARDED:
            return
        do("sign_for", actors.get(case.current_division_code, "指挥中心"))
        if target == S.SIGNED:
            return
    here = case.current_division_code
    impl = case.implementation
    dept = impl.department if impl.department and impl.department.division_id == case.current_division_id else None
    dept = dept or department(session, actors.divisions[here], "便民服务中心")
    do("assign", actors.get(here, "指挥中心"), department_id=dept.id)
    if target == S.ASSIGNED:
        return
    handler = actors.handler(session, dept)
    do("start_review", handler)
    if target == S.IN_REVIEW:
        if extend:  # 行政许可法第四十二条: the handler asks, the organ's head approves (the 延期通知书 is issued)
            do("request_extension", handler, days=10, reason="需实地核查申请人家庭情况，十个工作日内不能作出决定。")
            do("extend", actors.get(here, "机关负责人"), reason="情况属实，同意延长十个工作日。")
        return
    if target == S.RETURNED:
        return do("return", handler, reason="申请材料中的收入证明与核对结果不一致，请核实后重新上报。")
    if target == S.SUSPENDED:
        if impl.special_procedures:
            return do("suspend", handler, procedure_id=impl.special_procedures[0].id)
        return
    if target == S.DENIED:
        return do("deny", handler, reason="经审查，申请人家庭经济状况不符合条件。")
    do("approve", handler, result_number=f"{here[:6]}-{case.number[-6:]}")
    if target == S.APPROVED:
        return
    do("complete", handler)
    if target == S.COMPLETED:
        return
    do("deliver", actors.get(village, "代办员"), method="代办员送达", receiver=case.applicant_name)


def seed_cases(app, divisions: dict[str, Division], count: int, rng: random.Random, echo: Echo,
               now: datetime | None = None) -> Counter:
    session = db.session
    state = get_state(app)
    now = now or datetime.now(timezone.utc)
    clock = Clock(now)
    workflow = Workflow(settings=state.settings, pm=state.pm, calendar_loader=cached_calendar(app), clock=clock)
    follow_with_documents(app, workflow)  # 特别程序告知书 and 延期通知书 come with their steps, as in the app
    issuer = document_issuer(app, workflow)
    actors = Actors(session, divisions)
    villages = [d for d in divisions.values() if d.level == 5]
    implementations = session.scalars(select(Implementation).where(Implementation.status == "已发布")).all()
    # A village can hand in items implemented by one of its ancestors.
    reachable = {v.code: [i for i in implementations if v.code.startswith(subtree_prefix(i.division.code))]
                 for v in villages}
    result: Counter = Counter()
    skipped_impls: set[int] = set()
    # Every state once first (so even a small seed covers them all), then one case left past the §32
    # intake clock (视为受理 by the nightly job) and two past their 补正 period (one closed as 视为撤回),
    # then by the mix.
    first = [(state, None) for state, _ in STATE_MIX] + [(S.REGISTERED, 12), (S.SUPPLEMENT, 45), (S.SUPPLEMENT, 50)]
    for n in range(count):
        target, fixed_age = first[n] if n < len(first) else (_pick_state(rng), None)
        village = rng.choice(villages)
        choices = [i for i in reachable[village.code] if i.id not in skipped_impls]
        if target == S.SUSPENDED:
            choices = [i for i in choices if i.special_procedures] or choices
        impl = rng.choice(choices)
        if fixed_age is not None:
            age = fixed_age
        elif target == S.REGISTERED:
            # Waiting for the acceptance decision: the §32 intake watch (green, yellow; the older ones
            # are deemed accepted by the nightly job at the end, as cron would have).
            age = 0 if n < len(first) else rng.randint(0, 10)
        elif target in ACTIVE_TARGETS:
            # Mostly recent; every fourth is old enough to be overdue (a red card).
            age = rng.randint(40, 70) if n % 4 == 0 else rng.randint(1, 30)
        else:
            age = rng.randint(10, 170)
        clock.now = _office_time(now.astimezone(CHINA).date() - timedelta(days=age), rng)
        if clock.now >= now:
            clock.now = now - timedelta(hours=2)
        name, id_number, phone = person(rng)
        proxy = rng.random() < 0.3
        try:
            case = workflow.register_case(
                session, impl, actor=actors.get(village.code, "代办员" if proxy else "受理员"), commit=False,
                applicant_name=name, applicant_id_number=id_number, applicant_phone=phone,
                applicant_address=(f"{village.name.replace('村委会', '村').replace('居委会', '')}"
                                   f"{rng.randint(1, 12)}组{rng.randint(1, 60)}号"),
                proxy_name=(name[0] + "某某") if proxy and impl.proxy_allowed and not impl.presence_required else None,
                proxy_authorised=True, form_data=forms_data.sample(impl.item.basic_code, name, id_number, rng),
                material_states=checklist(impl, proxy and impl.proxy_allowed and not impl.presence_required),
            )
            drive(workflow, session, case, target, actors, clock, rng, issuer)
        except ValidationError as exc:
            # An item whose form or rules the generator cannot satisfy is left out.
            session.rollback()
            skipped_impls.add(impl.id)
            echo(f"  （跳过事项 {impl.name}：{exc.message[:60]}）")
            continue
        except GovkitError:
            session.rollback()
            raise
        result[case.state] += 1
        if (n + 1) % 50 == 0:
            session.commit()
        if (n + 1) % 200 == 0 or n + 1 == count:
            echo(f"  办件 {n + 1}/{count}")
    session.commit()
    settle_intake(workflow, session, actors, clock, now, result)
    session.commit()
    correct_notices(session, issuer, actors, clock, now)
    session.commit()
    return result


def correct_notices(session, issuer, actors: Actors, clock: Clock, now: datetime, count: int = 3) -> None:
    """A few 受理通知书 printed with a misspelt applicant name and re-issued after the correction: the old
    copy is 已被替代 (nothing is overwritten) and /public/verify says so for it."""
    cases = session.scalars(select(Case).where(Case.state == S.ACCEPTED).order_by(Case.id).limit(count)).all()
    for case in cases:
        clerk = actors.get(case.accepting_division_code, "受理员")
        clock.now = now - timedelta(hours=3)
        issue_document(session, case, "acceptance_notice", clerk, issuer)
        clock.now = now - timedelta(hours=1)
        wrong = case.applicant_name
        case.applicant_name = wrong[:-1] + ("英" if wrong[-1] != "英" else "华")
        supersede_document(session, case, "acceptance_notice", clerk, issuer,
                           reason=f"申请人姓名登记有误（{wrong} 应为 {case.applicant_name}），更正后重新出具")


def checklist(impl: Implementation, proxy: bool) -> dict[int, str]:
    """The clerk's decisions: everything handed in; 情形必需 rows 不适用 unless they apply (a proxy's letter)."""
    return {m.id: "na" if m.necessity == "情形必需" and not (proxy and "委托" in m.name) else "received"
            for m in impl.materials}


def settle_intake(workflow: Workflow, session, actors: Actors, clock: Clock, now: datetime, result: Counter) -> None:
    """What the nightly ``govkit cases deem-accepted`` and the clerks did by ``now`` (行政许可法第三十二条):
    registered cases past the five-working-day clock are 视为受理; of the cases whose 补正 period
    passed, every second one was closed as 视为撤回, the others stay flagged 补正逾期."""
    clock.now = now - timedelta(minutes=30)
    today = workflow.today()
    overdue = session.scalars(select(Case).where(Case.state == S.REGISTERED, Case.intake_due_date < today,
                                                 Case.supplement_due_date.is_(None))).all()
    for case in overdue:
        workflow.perform(session, case, "deem_accepted", Actor.system("系统（每日任务）"), commit=False)
        result[S.REGISTERED] -= 1
        result[S.ACCEPTED] += 1
    lapsed = session.scalars(select(Case).where(Case.state == S.SUPPLEMENT, Case.supplement_due_date < today)
                             .order_by(Case.id)).all()
    for case in lapsed[1::2]:
        workflow.perform(session, case, "withdraw_deemed", actors.get(case.accepting_division_code, "受理员"),
                         commit=False, comment="申请人逾期未补正")
        result[S.SUPPLEMENT] -= 1
        result[S.WITHDRAWN] += 1


# -- publicity ---------------------------------------------------------------------------


LEVEL_WEIGHTS = (("非常满意", 60), ("满意", 25), ("基本满意", 7), ("不满意", 5), ("非常不满意", 3))
COMPLAINTS = (
    ("投诉", "窗口人员态度生硬", "办理低保时窗口工作人员态度不好，解释政策不耐心。"),
    ("投诉", "办结时间超过承诺时限", "高龄津贴申请一个多月没有结果，电话也没人接。"),
    ("意见", "希望增加周末服务", "外出务工人员平时回不来，建议便民服务站周六上午开放。"),
    ("意见", "建议公开办理进度", "希望能在村里的公开栏上看到本村办件的办理进度。"),
    ("投诉", "多次要求补交材料", "同一个事项让我跑了三次，每次说缺的材料都不一样。"),
)
DISCLOSURES = (
    "示范县 2026 年城乡居民最低生活保障标准调整的通知", "示范县政务服务事项目录（2026 年版）",
    "关于公布村级便民服务站服务时间的公告", "示范县 2026 年第一季度好差评情况通报",
    "清河镇 2026 年农村危房改造对象公示", "石岭乡高龄津贴发放名单公示（第一批）",
    "示范县临时救助实施细则", "关于开展政务服务“一次办好”专项行动的通知",
)


def seed_publicity(app, divisions: dict[str, Division], rng: random.Random, echo: Echo) -> dict[str, int]:
    session = db.session
    settings = get_state(app).settings
    calendar = calendar_for(session, app)
    counts: Counter = Counter()
    delivered = session.scalars(select(Case).where(Case.state == S.DELIVERED).order_by(Case.id)).all()
    levels, weights = zip(*LEVEL_WEIGHTS)
    for case in delivered:
        if rng.random() > 0.75:
            continue
        rated_on = (case.delivered_at or datetime.now(timezone.utc)).astimezone(CHINA).date()
        rating = ratings.submit_rating(session, case, level=rng.choices(levels, weights)[0], calendar=calendar,
                                       rectification_days=int(settings["RECTIFICATION_DAYS"]), today=rated_on,
                                       channel=rng.choice(("网上评价", "短信评价", "窗口评价器")),
                                       comment=rng.choice((None, "办事很方便", "代办员很热情", "等的时间有点长")))
        counts["ratings"] += 1
        if rating.is_negative:
            counts["bad_ratings"] += 1
    session.commit()
    # Half of the rectifications are already done by the unit.
    county_scope = Scope.for_division(COUNTY, None, frozenset({"监察", "办理员", "公开审核"}))
    for task in session.scalars(select(Rectification).order_by(Rectification.id)).all():
        if rng.random() < 0.5:
            unit_scope = Scope.for_division(task.division_code, None, frozenset({"办理员"}))
            ratings.complete(session, unit_scope, task, measures="已约谈窗口工作人员并电话回访申请人，解释政策并致歉。",
                             actor="周民政")
            counts["rectified"] += 1
    session.commit()
    villages = [d.code for d in divisions.values() if d.level == 5]
    for i in range(24):
        kind, subject, content = COMPLAINTS[i % len(COMPLAINTS)]
        complaint, _code = complaints.file_complaint(session, kind=kind, division_code=rng.choice(villages),
                                                     subject=subject, content=content, contact=person(rng)[2])
        counts["complaints"] += 1
        if i % 3 == 0:
            complaints.start_handling(session, county_scope, complaint)
            complaints.reply(session, county_scope, complaint, text="已核实并督促整改，感谢监督。", actor="孙监察")
    session.commit()
    disclosures.seed_categories(session)
    leaves = disclosures.leaf_categories(session)
    for i, title in enumerate(DISCLOSURES):
        entry = disclosures.create_draft(session, county_scope, title=title, category_id=leaves[i % len(leaves)].id,
                                         division_code=COUNTY,
                                         content=f"{title}。详见附件或向县政务服务中心咨询（0930-8210300）。",
                                         author="县政府办公室")  # approved by 李公开: 职责分离
        if i < 6:
            disclosures.submit(session, county_scope, entry)
            disclosures.approve(session, county_scope, entry, approver_name="李公开")
            disclosures.publish(session, county_scope, entry)
        counts["disclosures"] += 1
    session.commit()
    counts["rating_rows"] = session.query(Rating).count()
    # 网上咨询 and 依申请公开: questions and information requests in every state, last year's annual report.
    counts.update(seed_foi_demo(app, session, COUNTY))
    session.commit()
    return dict(counts)


def seed_all(app, *, cases: int = 2000, seed: int = 20260301, echo: Echo = print,
             now: datetime | None = None) -> dict:
    """Everything, in order; returns counts for the caller to show."""
    rng = random.Random(seed)
    session = db.session
    state = get_state(app)
    echo("导入行政区划（示范市、示范县、3 个乡镇街道、20 个村社区）…")
    divisions = seed_divisions(session)
    echo("建立政务服务中心、便民服务中心（站）…")
    seed_centres(session, divisions)
    echo("导入事项目录 …")
    load_demo_catalog(session)
    forms = attach_demo_forms(session, app.config["GOVKIT_STORAGE_DIR"], state.settings["UPLOAD_MAX_BYTES"])
    session.commit()
    echo(f"  {forms} 项可网上下载的申请材料配有空白表格和示范文本")
    report = sync_plugin_items(session, state.pm, state.settings)
    session.commit()
    echo(f"  插件事项：新增 {len(report.created)}，未变 {len(report.unchanged)}，"
         f"与目录中已有事项同编码而保留目录版本 {len(report.conflicts)}，出错 {len(report.errors)}")
    for error in report.errors:
        echo("  " + error)
    echo("配置实施机关（全称、印章、复议机关、人民法院）…")
    echo(f"  {seed_organs(session, app.instance_path)} 个实施机关")
    echo("创建演示账号 …")
    accounts = seed_staff(app, divisions)
    echo(f"  {len(accounts)} 个账号，另为 {seed_department_handlers(app, divisions)} "
         "个实施部门配置办理员（h<部门编号>）")
    echo(f"生成 {cases} 个办件（按真实流程流转）…")
    by_state = seed_cases(app, divisions, cases, rng, echo, now=now)
    echo("  " + "，".join(f"{S.STATE_LABELS.get(s, s)} {n}" for s, n in sorted(by_state.items())))
    echo("好差评、整改、投诉和政府信息公开 …")
    publicity = seed_publicity(app, divisions, rng, echo)
    echo("  " + "，".join(f"{k} {v}" for k, v in publicity.items()))
    echo("网上办事大厅申请人账号（验证码见 /demo/）…")
    applicants = seed_demo_applicants(db.session, state.pm, state.settings)
    db.session.commit()
    echo(f"  {len(applicants)} 个申请人账号")
    linked = seed_foi_applicant_demo(app, session, COUNTY)
    session.commit()
    echo(f"  其中第一个账号登录后的咨询 {linked.get('applicant_questions', 0)} 条、"
         f"政府信息公开申请 {linked.get('applicant_requests', 0)} 件（见“我的咨询”“我的申请”）")
    echo("网上申报（草稿、待预审、补正、受理、不予受理）和网上代申办 …")
    village = min(code for code, d in divisions.items() if d.level == 5)
    online = seed_demo_online_applications(app, COUNTY, Actors(session, divisions).get, village)
    echo("  " + "，".join(f"{k} {v}" for k, v in online.items()))
    echo("督办单与自动升级（清河镇监察督办，逾期升级至县）…")
    today = (now or datetime.now(timezone.utc)).astimezone(CHINA).date()
    supervision = seed_supervision_demo(session, township_code="629901101000", calendar=calendar_for(session, app),
                                        settings=state.settings, today=today, app=app)
    session.commit()
    echo("  " + "，".join(f"{k} {v}" for k, v in supervision.items()))
    return {"accounts": len(accounts), "cases": dict(by_state), "publicity": publicity,
            "applicants": len(applicants), "online": online, "supervision": supervision}
