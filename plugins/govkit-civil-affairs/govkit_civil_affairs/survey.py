"""最低生活保障家庭入户调查表: the caseworker's home-visit sheet for 低保 and 特困 cases.

Filled from the case's application form (``CaseNotice.extra`` carries the form data as
text); whatever is missing prints as blank lines, so the sheet also works as a blank form
taken on the visit. ID numbers are printed masked.
"""
from __future__ import annotations

from govkit.toolkit import CaseNotice, PrintTemplate, ValidationError, mask_id_number
from govkit.toolkit import print_engine as engine

from govkit_civil_affairs import items
from govkit_civil_affairs.forms import parse_members

NAME = "dibao_household_survey"
TITLE = "最低生活保障家庭入户调查表"
BLANK_ROWS = 5
CHECKS = (
    "住房：面积、结构、装修及家用电器情况",
    "家庭成员健康与劳动能力（是否有残疾、重病，是否在校）",
    "承包土地、养殖及务工收入情况",
    "机动车、存款、有价证券、商业经营等财产情况",
    "邻里访问情况（至少访问 2 户）",
)


def _members(notice: CaseNotice) -> list[tuple[str, str, str, str]]:
    text = (notice.extra or {}).get("household_members", "")
    try:
        members = parse_members(text)
    except ValidationError:
        return []
    return [(m["name"], m["relation"], mask_id_number(m["id_number"]), m["income"]) for m in members]


def render_survey(notice: CaseNotice) -> bytes:
    extra = notice.extra or {}
    members = _members(notice)
    rows = members + [("", "", "", "")] * max(0, BLANK_ROWS - len(members))
    story = [
        engine.title(TITLE),
        engine.document_number(f"办件编号：{notice.case_number}"),
        engine.kv_table([
            ("申请人", notice.applicant_name),
            ("身份证号", notice.applicant_id_masked),
            ("申请事项", notice.item_name),
            ("受理地点", notice.division_name),
            ("家庭月总收入", f"{extra['monthly_income']} 元" if extra.get("monthly_income") else ""),
            ("住房情况", extra.get("housing", "")),
            ("申请理由", extra.get("reason", "") or extra.get("support_mode", "")),
        ]),
        engine.heading("一、共同生活家庭成员"),
        engine.grid_table(["序号", "姓名", "与申请人关系", "身份证号", "月收入（元）"], rows,
                          [0.08, 0.2, 0.18, 0.36, 0.18], center_cols=(0, 2, 4), max_chars=40),
        engine.heading("二、入户核查情况"),
        engine.grid_table(["序号", "核查内容", "核查结果"], [(c, "") for c in CHECKS], [0.08, 0.5, 0.42],
                          center_cols=(0,), max_chars=60),
        engine.heading("三、调查意见"),
        engine.body("经入户调查核实，该户家庭收入和财产状况（□符合 □不符合）最低生活保障条件。"),
        engine.spacer(6),
        engine.body("调查人（签字）：__________    __________    被调查人（签字或按手印）：__________", indent=False),
        engine.note("注：入户调查须有两名以上工作人员参加；调查结果由申请人确认签字后存档，并作为民主评议的依据。"),
        engine.signature_block(notice.issuing_body, notice.issued_on),
    ]
    return engine.render(story, title=TITLE, author=notice.issuing_body, subject=notice.item_name)


def templates() -> list[PrintTemplate]:
    return [PrintTemplate(name=NAME, title=TITLE, subject="case", render=render_survey,
                          applies_to=frozenset({items.DIBAO, items.TEKUN}),
                          description="低保、特困供养申请的入户调查记录，按申请表预填。")]
