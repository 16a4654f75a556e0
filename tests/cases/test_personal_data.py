"""Personal data in application forms: declared per field, masked on the case page and in the API for roles
that see masked IDs, in full only on an audited reveal by 受理员/办理员/Admin."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import wtforms
from flask import g

from govkit import hookimpl
from govkit.audit.models import AuditEntry
from govkit.cases.personal_data import declared, mask_form_data, mask_value
from govkit.testing.fixtures import create_user
from tests.cases.conftest import VILLAGE, build_world, register

MEMBER_ID = "62100219800101123X"
ACCOUNT = "6228480402564890018"
FORM = {"household_members": f"张三，本人，{MEMBER_ID}，300", "account_number": ACCOUNT, "self_care": "部分自理",
        "reason": "因病致贫"}


class Household:
    govkit_personal_data = {"household_members": "id_number"}
    household_members = wtforms.TextAreaField("共同生活家庭成员")


class AssistanceForm(wtforms.Form, Household):
    govkit_personal_data = {"account_number": "bank_account", "self_care": "health"}
    account_number = wtforms.StringField("银行账号")
    self_care = wtforms.StringField("生活自理能力")
    reason = wtforms.StringField("申请理由")


class FormPlugin:
    @hookimpl
    def item_application_form(self, item_code, implementation):
        return AssistanceForm if item_code == "000123456001" else None


def test_masking_by_data_class_and_declarations_from_mixins():
    assert declared(AssistanceForm) == {"household_members": "id_number", "account_number": "bank_account",
                                        "self_care": "health"}
    masked = mask_form_data(FORM, declared(AssistanceForm))
    assert masked == {"household_members": "张三，本人，621002********123X，300",
                      "account_number": "6228***********0018", "self_care": "（已隐藏）", "reason": "因病致贫"}
    assert mask_value("id_number", MEMBER_ID + "42") == "621002**********3X42"  # 残疾人证号: ID + 2 digits
    assert mask_value("phone", "13800001234") == "138****1234"

    class Bad(wtforms.Form):
        govkit_personal_data = {"x": "secret"}

    with pytest.raises(ValueError, match="unknown data class"):
        declared(Bad)


def _client(app, role: str):
    user = create_user(app, role, VILLAGE)
    client = app.test_client()
    g.pop("_login_user", None)
    assert client.post("/login/", data={"username": user.username, "password": "pw-123456"}).status_code in (200, 302)
    return client


def _get(client, url, **kwargs):
    for key in ("_login_user", "user", "_govkit_actor", "_govkit_scope"):
        g.pop(key, None)
    return client.get(url, **kwargs) if not kwargs.pop("post", False) else client.post(url, **kwargs)


def test_form_personal_data_is_masked_by_role_and_revealing_it_is_audited(register_plugin, db):
    from govkit.cases.runtime import workflow_for

    app = register_plugin(FormPlugin(), name="assistance-form")
    with app.app_context():
        world = build_world(db.session)
        case = register(workflow_for(app), db.session, world, form_data=FORM)
        db.session.commit()
        agent, clerk = _client(app, "代办员"), _client(app, "受理员")

        for client in (agent, clerk):  # 代办员 sees masked IDs everywhere; 受理员 too until revealing
            page = _get(client, f"/desk/case/{case.id}").get_data(as_text=True)
            assert "621002********123X" in page and MEMBER_ID not in page and ACCOUNT not in page
            assert "（已隐藏）" in page and "因病致贫" in page
        assert "查看完整个人信息" not in _get(agent, f"/desk/case/{case.id}").get_data(as_text=True)
        api = _get(agent, f"/api/v1/case/{case.id}?reveal=1").json["result"]["form_data"]
        assert api["household_members"] == "张三，本人，621002********123X，300" and ACCOUNT not in str(api)
        assert _get(agent, f"/desk/case/{case.id}/reveal", post=True).status_code == 403
        listed = _get(agent, "/api/v1/case/").json["result"]
        assert listed and MEMBER_ID not in str(listed) and ACCOUNT not in str(listed)
        assert MEMBER_ID not in str(_get(clerk, f"/api/v1/case/{case.id}").json)
        assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "查看完整")).all() == []

        page = _get(clerk, f"/desk/case/{case.id}").get_data(as_text=True)
        assert "查看完整个人信息" in page
        page = _get(clerk, f"/desk/case/{case.id}/reveal", post=True).get_data(as_text=True)
        assert MEMBER_ID in page and ACCOUNT in page and "部分自理" in page
        api = _get(clerk, f"/api/v1/case/{case.id}?reveal=1").json["result"]["form_data"]
        assert api == FORM
        db.session.expire_all()
        reveals = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "查看完整")
                                     .order_by(AuditEntry.seq)).all()
        assert [(r.table_name, r.row_key, r.summary) for r in reveals] == [("gk_case", str(case.id), case.number)] * 2
        assert "account_number" in reveals[0].after and '"via":"API"' in reveals[1].after
        assert reveals[0].actor != "系统"
        db.session.remove()
