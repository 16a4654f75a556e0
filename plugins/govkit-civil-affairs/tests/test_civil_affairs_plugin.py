"""The 民政 item pack: items, forms, the 入户调查表 and catalog sync in a real app."""
from __future__ import annotations

import io
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from govkit.testing import ensure_division
from govkit.toolkit import (
    CaseNotice, ServiceItem, TemplateNotFound, ValidationError, get_state, registry_for, sync_plugin_items,
    validate_id_number,
)
from govkit_civil_affairs import forms, items, plugin, survey

NAME = "govkit_civil_affairs"
COUNTY = "621002000000"
MEMBERS = "李秀英，本人，11010519491231002X，300\n王小明，子女，110105197510201238，0"
DIBAO = {"household_members": MEMBERS, "monthly_income": "300", "housing": "自有住房", "vehicles": "0",
         "bank_name": "农村信用合作社", "account_number": "6228 4800 1234 5678", "account_holder": "李秀英",
         "reason": "年老体弱，无固定收入"}


def _valid_member_id() -> str:
    return validate_id_number("11010519491231002X")


def test_items_cover_the_civil_affairs_pack():
    specs = items.service_items({"COUNTY_CODE": COUNTY, "CIVIL_AFFAIRS_DEPARTMENT": "民政局"})
    names = {s.name for s in specs}
    assert {"最低生活保障审核确认", "特困人员救助供养审核确认", "临时救助", "高龄津贴发放",
            "困难残疾人生活补贴和重度残疾人护理补贴"} == names
    for spec in specs:
        impl = spec.implementations[0]
        assert impl.division_code == COUNTY and impl.promised_days <= impl.legal_days
        assert any(m.name == "申请人居民身份证" for m in impl.materials)
        assert spec.legal_bases
    # Without a county code the items come without implementations (nothing to place them at).
    assert all(not s.implementations for s in items.service_items({}))


def test_every_item_has_a_form():
    assert set(forms.FORMS) == {s["basic_code"] for s in items.SPECS}
    assert plugin.item_application_form(item_code=items.DIBAO, implementation=None) is forms.DibaoForm
    assert plugin.item_application_form(item_code="000000000000", implementation=None) is None


def test_dibao_form_validates_members_income_and_bank_account():
    _valid_member_id()
    form = forms.DibaoForm(MultiDict(DIBAO))
    assert form.validate(), form.errors
    assert form.data["household_members"] == MEMBERS
    bad = forms.DibaoForm(MultiDict(dict(DIBAO, household_members="王小明，子女，110105197510201238，0",
                                         account_number="12ab")))
    assert not bad.validate()
    assert "本人" in bad.errors["household_members"][0]
    assert "12–19" in bad.errors["account_number"][0]


@pytest.mark.parametrize("line, message", [
    ("李秀英，本人，11010519491231002X", "四项"),
    ("李秀英，邻居，11010519491231002X，0", "关系"),
    ("李秀英，本人，110105194912310021，0", "校验"),
    ("李秀英，本人，11010519491231002X，很多", "不是数字"),
    ("", "至少"),
])
def test_parse_members_says_what_is_wrong(line, message):
    with pytest.raises(ValidationError) as info:
        forms.parse_members(line)
    assert message in info.value.message


def test_disability_care_subsidy_needs_grade_one_or_two():
    data = {"disability_card": "11010519491231002X13", "disability_kind": "肢体", "disability_grade": "三级",
            "subsidy": "护理补贴", "bank_name": "农信社", "account_number": "6228480012345678", "account_holder": "李"}
    form = forms.CanjiForm(MultiDict(data))
    assert not form.validate() and "一级、二级" in form.errors["subsidy"][0]
    assert forms.CanjiForm(MultiDict(dict(data, disability_grade="二级"))).validate()


def _notice(**extra) -> CaseNotice:
    return CaseNotice(case_number="629901-2026-000123", document_number="629901-2026-000123", applicant_name="李秀英",
                      item_name="最低生活保障审核确认", item_code=items.DIBAO, issuing_body="清河镇人民政府",
                      division_name="柳湾村便民服务站", applicant_id_masked="110105********002X",
                      issued_on=date(2026, 3, 2), extra=extra)


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_survey_is_prefilled_from_the_form_and_masks_ids():
    pdf = survey.render_survey(_notice(**DIBAO))
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf).replace(" ", "")
    assert "最低生活保障家庭入户调查表" in text
    assert "王小明" in text and "年老体弱" in text
    assert "110105197510201238" not in text  # never a full ID number on paper
    assert "110105********1238" in text


def test_survey_prints_blank_when_no_form_data():
    text = _pdf_text(survey.render_survey(_notice())).replace(" ", "")
    assert "入户核查情况" in text and "李秀英" in text


def test_plugin_in_an_app_syncs_items_and_registers_template(register_plugin, db):
    from sqlalchemy import select

    app = register_plugin(plugin, name=NAME, CIVIL_AFFAIRS_USCC="11621002MB15000011")
    state = get_state(app)
    with app.app_context():
        assert state.settings["CIVIL_AFFAIRS_DEPARTMENT"] == "民政局"
        ensure_division(db.session, COUNTY, "示范县")
        report = sync_plugin_items(db.session, state.pm, state.settings)
        db.session.commit()
        assert sorted(report.created) == sorted(s["basic_code"] for s in items.SPECS), report
        dibao = db.session.scalar(select(ServiceItem).where(ServiceItem.basic_code == items.DIBAO))
        assert dibao.source == f"plugin:{NAME}"
        impl = dibao.implementations[0]
        assert impl.code == "11621002MB15000011" + "4" + items.DIBAO
        assert len(impl.materials) == 8
        again = sync_plugin_items(db.session, state.pm, state.settings)
        assert sorted(again.unchanged) == sorted(report.created)
    registry = registry_for(state)
    assert registry.get(survey.NAME, items.DIBAO).title == survey.TITLE
    with pytest.raises(TemplateNotFound):
        registry.get(survey.NAME, items.LINSHI)  # only for 低保 and 特困 cases
