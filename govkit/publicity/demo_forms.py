"""Blank forms and samples (空白表格/示范文本) for the demo county's guides, generated at seed time.

The demo catalog's materials that applicants can download (source channel “网上下载”: 申请书, 申请表,
登记表 …) get a real-looking A4 form rendered with reportlab (the print engine's fonts and tables) and a
filled-in sample of the same form with invented values (张某某, no real ID number). The PDFs are stored
like an administrator's upload (:func:`govkit.catalog.attachments.store_attachment`: content-checked,
content-addressed under ``<storage>/catalog``), so nothing large is kept in git and the public guide offers
them through its ordinary download route. Materials that already have a form keep it.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

from reportlab.lib.units import mm
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govkit.catalog.attachments import store_attachment
from govkit.catalog.models import Implementation, Material
from govkit.printing import engine as e

#: Materials with this in their source channel are offered for download (the guides say 网上下载).
DOWNLOADABLE = "网上下载"
_DECLARATION = ("本人承诺：以上填写内容及所提交的材料真实、完整、有效，如有虚假，愿意承担相应的法律责任；"
                "同意相关部门依法核查本人及家庭成员的户籍、收入、财产等信息。")


@dataclass(frozen=True)
class _Layout:
    """What a kind of form asks: extra rows about the matter, and whether it lists household members."""

    matter: tuple[tuple[str, str], ...]
    household: bool = False


_APPLICANT = (("申请人姓名", "张某某"), ("性别", "男"), ("出生年月", "1968年5月"), ("民族", "汉族"),
              ("公民身份号码", "（填写 18 位公民身份号码）"), ("联系电话", "（填写本人手机号码）"),
              ("户籍地址", "示范县清河镇清河村三组", True), ("现居住地址", "同户籍地址", True))
_LAYOUTS = (
    (("低保", "最低生活", "特困", "救助", "补贴", "津贴", "生活费", "扶助", "奖励"), _Layout(
        (("申请类别", "农村最低生活保障", True), ("家庭人口", "3 人"), ("家庭月总收入", "1,200 元"),
         ("申请理由", "本人因病丧失劳动能力，配偶务农，孩子在读，家庭收入低于当地低保标准。", True)),
        household=True)),
    (("宅基地", "建房", "规划", "危房"), _Layout(
        (("建房地点", "清河镇清河村三组（原宅基地）", True),
         ("四至", "东：道路 南：王某某宅 西：耕地 北：李某某宅", True),
         ("占地面积", "120 平方米"), ("建筑面积", "160 平方米"), ("建筑层数", "2 层"), ("建房类型", "原址翻建")),
        household=True)),
    (("采伐",), _Layout(
        (("林木所在地", "石岭乡石岭村后山林班 12", True), ("树种", "刺槐"), ("起源", "人工林"),
         ("采伐面积", "0.5 公顷"), ("采伐株数/蓄积", "80 株 / 12 立方米"), ("采伐类型", "更新采伐"),
         ("更新措施", "采伐后当年秋季完成更新造林", True)))),
)
_GENERAL = _Layout((("申请事项", "（填写所申请的具体事项）", True), ("申请理由", "（简要说明申请理由）", True)))


def _layout(item_name: str, material_name: str) -> _Layout:
    text = item_name + material_name
    for words, layout in _LAYOUTS:
        if any(word in text for word in words):
            return layout
    return _GENERAL


def render_form(material_name: str, item_name: str, implementing_body: str, *, sample: bool = False) -> bytes:
    """One A4 form for ``material_name`` of ``item_name``; ``sample`` fills it with invented values."""
    layout = _layout(item_name, material_name)

    def value(pair: tuple) -> str:
        return pair[1] if sample else ""

    title = material_name + ("（示范文本）" if sample else "")
    story = [e.title(title), e.document_number(f"事项：{item_name}　　受理机关：{implementing_body}")]
    if sample:
        story.append(e.note("本示范文本所填内容均为虚构示例，仅说明各栏的填写方法，请勿照抄。"))
    story.append(e.heading("一、申请人基本情况"))
    story.append(e.kv_table([(p[0], value(p), *p[2:]) for p in _APPLICANT], label_width=28 * mm, columns=2))
    story.append(e.heading("二、申请内容"))
    story.append(e.kv_table([(p[0], value(p), *p[2:]) for p in layout.matter], label_width=28 * mm, columns=2))
    if layout.household:
        story.append(e.heading("三、共同生活的家庭成员"))
        members = [("李某某", "配偶", "（18 位公民身份号码）", "务农", "800"),
                   ("张小某", "子女", "（18 位公民身份号码）", "在校学生", "0")] if sample else []
        members += [("", "", "", "", "")] * (5 - len(members))
        story.append(e.grid_table(["序号", "姓名", "与申请人关系", "公民身份号码", "健康/就业状况", "月收入（元）"],
                                  members, [0.07, 0.14, 0.14, 0.33, 0.18, 0.14], center_cols=(0, 2, 5)))
    story.append(e.heading("申请人承诺"))
    story.append(e.body(_DECLARATION))
    story.append(e.kv_table([("申请人（签字或按手印）", "张某某（签字）" if sample else ""),
                             ("代办人（签字）", "")], label_width=45 * mm))
    story.append(e.heading("审核意见（申请人不填）"))
    story.append(e.grid_table(["审核环节", "意见", "经办人签字、盖章、日期"],
                              [("村（居）民委员会", "", ""), ("乡镇人民政府（街道办事处）", "", ""),
                               (implementing_body, "", "")],
                              [0.3, 0.4, 0.3], numbered=False))
    return e.render(story, title=title, author=implementing_body, subject=item_name)


def attach_demo_forms(session: Session, storage_dir: str | os.PathLike, max_bytes: int) -> int:
    """Give every downloadable material of the catalog without a form a generated blank form and sample;
    return how many materials got them (the caller commits). One PDF pair per (item, material name)."""
    query = (select(Material).join(Material.implementation)
             .options(selectinload(Material.implementation).selectinload(Implementation.item),
                      selectinload(Material.implementation).selectinload(Implementation.department),
                      selectinload(Material.implementation).selectinload(Implementation.division))
             .where(Material.source_channel.contains(DOWNLOADABLE), Material.blank_form_path.is_(None))
             .order_by(Material.id))
    made: dict[tuple[str, str, str], tuple[tuple[str, str], tuple[str, str]]] = {}
    count = 0
    for material in session.scalars(query):
        impl = material.implementation
        body = impl.implementing_body or (impl.department.name if impl.department else impl.division.name)
        key = (impl.item.name, material.name, body)
        if key not in made:
            pdfs = [render_form(material.name, impl.item.name, body, sample=flag) for flag in (False, True)]
            made[key] = (store_attachment(storage_dir, f"{material.name}.pdf", io.BytesIO(pdfs[0]), max_bytes),
                         store_attachment(storage_dir, f"{material.name}（示范文本）.pdf", io.BytesIO(pdfs[1]),
                                          max_bytes))
        (material.blank_form_path, material.blank_form_name), (material.sample_path, material.sample_name) = made[key]
        count += 1
    session.flush()
    return count
