"""办事指南: the public service guide of one item implementation."""
from __future__ import annotations

from reportlab.lib.units import mm

from govkit.printing import engine as e
from govkit.printing.context import ImplementationGuide

_NUMERALS = "一二三四五六七八九十"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _days(n: int | None) -> str:
    return f"{n} 个工作日" if n is not None else "—"


def render_service_guide(g: ImplementationGuide) -> bytes:
    """办事指南 with conditions, materials, procedure, deadlines, fees, place and phones."""
    title = f"{g.item_name}办事指南"
    story = [e.title(title)]
    if g.implementation_code:
        story.append(e.document_number(f"实施编码：{g.implementation_code}"))
    fee_summary = "免费" if not g.fees else "收费（见下文收费标准）"
    story.append(e.kv_table([
        ("事项名称", g.item_name),
        ("基本编码", g.item_code),
        ("事项类型", g.item_type or "—"),
        ("实施主体", g.implementing_body),
        ("服务对象", g.service_object or "—"),
        ("办件类型", g.kind or "—"),
        ("法定办结时限", _days(g.legal_days)),
        ("承诺办结时限", _days(g.promised_days)),
        ("办理形式", "、".join(g.handling_forms) or "窗口办理"),
        ("网上办理深度", g.online_mode or "—"),
        ("到现场次数", f"{g.visits} 次" if g.visits is not None else "—"),
        ("可否代办", "可由村（社区）代办员代办" if g.proxy_allowed else "不可代办"),
        ("申请人须到场", _yes(g.applicant_must_be_present)),
        ("是否收费", fee_summary),
        ("办理结果", g.result_name or "—"),
    ], label_width=30 * mm))

    sections: list[tuple[str, list]] = []
    sections.append(("设定依据", [e.body(b) for b in g.legal_basis] or [e.body("—")]))
    sections.append(("受理条件", [e.body(f"{i}. {c}", indent=False) for i, c in enumerate(g.conditions, 1)]
                     or [e.body("—")]))
    sections.append(("申请材料", [e.grid_table(
        ["序号", "材料名称", "形式", "份数", "必要性", "受理标准"],
        [(m.name, m.form, m.copies, m.necessity, m.standard or "—") for m in g.materials],
        [0.07, 0.28, 0.1, 0.07, 0.12, 0.36], center_cols=(0, 2, 3, 4))] if g.materials else [e.body("无需提交材料。")]))
    sections.append(("办理流程", [e.grid_table(
        ["序号", "环节", "办理内容", "时限"],
        [(s.name, s.description or "—", s.time_limit or "—") for s in g.procedure],
        [0.08, 0.16, 0.56, 0.2], center_cols=(0, 1, 3))] if g.procedure else [e.body("—")]))
    sections.append(("办理时限", [e.body(
        f"法定办结时限{_days(g.legal_days)}，承诺办结时限{_days(g.promised_days)}"
        "（自受理次日起计算；补正材料和依法需要听证、检验检测、专家评审等特别程序的时间不计算在内）。")]))
    if g.fees:
        fees = [e.grid_table(["序号", "收费项目", "收费标准", "收费依据"],
                             [(f.name, f.amount, f.basis or "—") for f in g.fees],
                             [0.08, 0.27, 0.2, 0.45], center_cols=(0,))]
    else:
        fees = [e.body("免费，不收取任何费用。")]
    sections.append(("收费标准及依据", fees))
    sections.append(("办理地点和时间", [
        e.body(f"办理地点：{g.place or '—'}", indent=False),
        e.body(f"办理时间：{g.hours or '—'}", indent=False)]))
    sections.append(("咨询和投诉", [
        e.body(f"咨询电话：{g.consultation_phone or '—'}", indent=False),
        e.body(f"投诉电话：{g.complaint_phone or '—'}", indent=False)]))

    for i, (name, flowables) in enumerate(sections):
        story.append(e.heading(f"{_NUMERALS[i]}、{name}"))
        story += flowables

    if g.version or g.effective_from:
        story.append(e.note("、".join(filter(None, [
            f"版本：{g.version}" if g.version else "",
            f"自{e.cn_date(g.effective_from)}起施行" if g.effective_from else "",
        ]))))
    qr = e.qr_block(g.guide_url, "扫码查看在线办事指南") if g.guide_url else None
    story.append(e.signature_block(g.implementing_body, g.issued_on or g.effective_from, qr=qr, seal_label=""))
    return e.render(story, title=title, author=g.implementing_body, subject=g.item_name, running_title=title)
