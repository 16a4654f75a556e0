"""Each built-in template renders a realistic context; poppler reads the text back."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.errors import ValidationError
from govkit.printing import builtin_templates

BUILTIN_NAMES = {
    "acceptance_notice", "refusal_notice", "supplement_notice", "delivery_receipt",
    "service_guide", "intake_register", "transfer_list",
    "decision_grant", "decision_deny", "extension_notice", "special_procedure_notice", "foi_letter",
    "supervision_notice", "supervision_report",
}


def _flat(text: str) -> str:
    """pdftotext output without line breaks/spaces, so wrapped phrases compare whole."""
    return "".join(text.split())


@pytest.fixture
def save_png(poppler, artifacts_dir):
    def save(pdf: bytes, name: str, page: int = 1):
        png = poppler.png(pdf, artifacts_dir / f"printing-{name}-p{page}.png", page=page)
        assert png.is_file() and png.stat().st_size > 1000
        return png
    return save


def test_builtin_templates_are_complete():
    templates = builtin_templates()
    assert {t.name for t in templates} == BUILTIN_NAMES
    assert all(t.source == "govkit" and t.applies_to is None for t in templates)
    subjects = {t.name: t.subject for t in templates}
    assert subjects["service_guide"] == "implementation"
    assert subjects["intake_register"] == "range"
    assert subjects["acceptance_notice"] == "case"
    assert subjects["foi_letter"] == "request"
    assert subjects["supervision_notice"] == subjects["supervision_report"] == "supervision"


def test_acceptance_notice(registry, case_notice, poppler, save_png):
    pdf = registry.render("acceptance_notice", case_notice)
    text = _flat(poppler.text(pdf))
    for expected in ["受理通知书", "梅河口受字〔2026〕第0123号", "王秀兰", case_notice.case_number,
                     "城乡居民最低生活保障待遇审核确认", "000105001000", "2026年3月2日", "2026年3月3日",
                     "30个工作日", "15个工作日", "2026年3月24日", "李敏", "0435-4221234",
                     "梅河口市曙光镇人民政府", "220581********2046", "139****6021"]:
        assert expected in text, expected
    for material in case_notice.materials_received:
        assert material.name in text
    assert "暂定" not in text
    assert len(poppler.pages(pdf)) == 1, "a normal acceptance notice fits on one page"
    save_png(pdf, "acceptance_notice")


def test_provisional_due_date_is_marked(registry, case_notice, poppler):
    ctx = case_notice.replace(due_date=date(2027, 1, 20), due_date_provisional=True)
    text = _flat(poppler.text(registry.render("acceptance_notice", ctx)))
    assert "2027年1月20日（暂定）" in text
    assert "尚未公布" in text  # the footnote explaining what 暂定 means


def test_refusal_notice(registry, case_notice, poppler, save_png):
    pdf = registry.render("refusal_notice", case_notice)
    text = _flat(poppler.text(pdf))
    for expected in ["不予受理通知书", case_notice.case_number, "王秀兰", "申请人户籍不在本镇",
                     "《社会救助暂行办法》第十一条", "六十日内", "梅河口市人民政府申请行政复议",
                     "六个月内", "梅河口市人民法院提起行政诉讼"]:
        assert expected in text, expected
    save_png(pdf, "refusal_notice")


def test_supplement_notice(registry, case_notice, poppler, save_png):
    pdf = registry.render("supplement_notice", case_notice)
    text = _flat(poppler.text(pdf))
    assert "一次性告知书" in text and case_notice.case_number in text
    for missing in case_notice.missing_materials:
        assert _flat(missing.name) in text
        assert _flat(missing.requirement) in text
    assert "请于2026年3月13日前" in text
    save_png(pdf, "supplement_notice")


def test_supplement_notice_needs_missing_materials(registry, case_notice):
    with pytest.raises(ValidationError):
        registry.render("supplement_notice", case_notice.replace(missing_materials=()))


def test_delivery_receipt(registry, case_notice, poppler, save_png):
    pdf = registry.render("delivery_receipt", case_notice)
    text = _flat(poppler.text(pdf))
    for expected in ["送达回证", case_notice.case_number, "最低生活保障待遇审核确认决定书",
                     "梅民低保〔2026〕第0456号", "代办员送达", "2026年3月20日", "受送达人签名或盖章", "送达人签名"]:
        assert expected in text, expected
    save_png(pdf, "delivery_receipt")


def test_service_guide(registry, service_guide, poppler, save_png):
    pdf = registry.render("service_guide", service_guide)
    text = _flat(poppler.text(pdf))
    for expected in ["城乡居民最低生活保障待遇审核确认办事指南", "设定依据", "受理条件", "申请材料", "办理流程",
                     "收费标准及依据", "免费", "办理地点", "周一至周五", "0435-4221234", "12345",
                     "30个工作日", "15个工作日", "可由村（社区）代办员代办", "《社会救助暂行办法》第九条至第十五条",
                     "乡镇人民政府入户调查"]:
        assert expected in text, expected
    for material in service_guide.materials:
        assert material.name in text
    save_png(pdf, "service_guide")


def test_service_guide_lists_fees_with_basis(registry, service_guide, poppler):
    guide = service_guide.replace(fees=[("工本费", "10元/本", "《吉林省行政事业性收费项目目录》")])
    text = _flat(poppler.text(registry.render("service_guide", guide)))
    assert "工本费" in text and "10元/本" in text and "《吉林省行政事业性收费项目目录》" in text


def test_intake_register_repeats_header_on_every_page(registry, register_range, poppler, save_png):
    pdf = registry.render("intake_register", register_range)
    pages = poppler.pages(pdf)
    assert len(pages) >= 4, "200 rows span several pages"
    for page in pages:
        flat = _flat(page)
        assert "办件编号" in flat and "收件日期" in flat and "承诺办结日期" in flat
    all_text = _flat("".join(pages))
    assert "共200件" in all_text
    for row in (register_range.rows[0], register_range.rows[99], register_range.rows[-1]):
        assert row.case_number in all_text
    assert "（暂定）" in all_text  # rows with provisional deadlines
    save_png(pdf, "intake_register", page=1)
    save_png(pdf, "intake_register", page=2)


def test_transfer_list(registry, transfer_batch, poppler, save_png):
    pdf = registry.render("transfer_list", transfer_batch)
    text = _flat(poppler.text(pdf))
    for expected in ["纸质资料交接单", transfer_batch.batch_number, "曙光镇红光村便民服务站", "曙光镇便民服务中心",
                     "最低生活保障申请书", "残疾人两项补贴申请审批表", "合计：2件，纸质材料4份", "移交人（签字）",
                     "接收人（签字）", "赵晓东", "孙丽"]:
        assert expected in text, expected
    for case in transfer_batch.cases:
        assert case.case_number in text
    save_png(pdf, "transfer_list")


def test_pdf_metadata_names_the_issuer(registry, case_notice):
    from pypdf import PdfReader
    import io

    meta = PdfReader(io.BytesIO(registry.render("acceptance_notice", case_notice))).metadata
    assert meta.title.startswith("受理通知书")
    assert meta.author == "梅河口市曙光镇人民政府"
