"""Fake county plugin: the application form of the 低保 item (``item_application_form`` hook).

The intake desk renders these fields under the applicant data; the engine validates
them again and stores them as the case's ``form_data``.
"""
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from govkit import hookimpl

ITEM_CODE = "000105001000"


class SubsistenceForm(Form):
    """最低生活保障申请表（节选）."""

    household_size = IntegerField("家庭人口（人）",
                                  [InputRequired("请填写家庭人口。"), NumberRange(1, 20, "家庭人口应为 1 到 20 人。")])
    monthly_income = IntegerField("家庭月收入（元）", [Optional(), NumberRange(0, 100000)])
    hardship = SelectField("困难类型", choices=[("疾病", "疾病"), ("残疾", "残疾"), ("失业", "失业"), ("其他", "其他")])
    bank_account = StringField("收款账号", [Optional()])


@hookimpl
def item_application_form(item_code, implementation):
    return SubsistenceForm if item_code == ITEM_CODE else None
