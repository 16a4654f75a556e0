"""Application forms (申请表) of the 民政 items, as flat WTForms classes.

The desk posts and govkit stores flat field → value data (``Case.form_data``), so repeated
rows — the household members — are one text area with one member per line, checked by
:func:`parse_members`.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import wtforms
from wtforms import validators as v

from govkit.toolkit import ValidationError, validate_id_number

from govkit_civil_affairs import items

RELATIONS = ("本人", "配偶", "子女", "父母", "孙子女", "祖父母", "兄弟姐妹", "儿媳", "女婿", "其他")
_SPLIT = re.compile(r"[,，、\s]+")


def parse_members(text: str) -> list[dict[str, str]]:
    """Parse ``姓名，关系，身份证号，月收入`` lines; raise ValidationError naming the bad line."""
    members = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p for p in _SPLIT.split(line.strip()) if p]
        if len(parts) != 4:
            raise ValidationError(f"第 {number} 行应为“姓名，关系，身份证号，月收入”四项，实际为 {len(parts)} 项。")
        name, relation, id_number, income = parts
        if relation not in RELATIONS:
            raise ValidationError(f"第 {number} 行的关系“{relation}”无效，应为：{'、'.join(RELATIONS)}。")
        try:
            id_number = validate_id_number(id_number)
        except ValidationError as exc:
            raise ValidationError(f"第 {number} 行：{exc.message}") from exc
        try:
            amount = Decimal(income.rstrip("元"))
        except InvalidOperation:
            raise ValidationError(f"第 {number} 行的月收入“{income}”不是数字。") from None
        if amount < 0:
            raise ValidationError(f"第 {number} 行的月收入不能为负数。")
        members.append({"name": name, "relation": relation, "id_number": id_number, "income": str(amount)})
    if not members:
        raise ValidationError("请至少填写一名家庭成员（申请人本人）。")
    if not any(m["relation"] == "本人" for m in members):
        raise ValidationError("家庭成员中须有一行关系为“本人”（申请人）。")
    return members


def _members_validator(form, field) -> None:
    try:
        parse_members(field.data)
    except ValidationError as exc:
        raise v.ValidationError(exc.message) from None


def _bank_account(form, field) -> None:
    digits = (field.data or "").replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise v.ValidationError("银行账号应为 12–19 位数字。")


class HouseholdMixin:
    """Household members and their income (家庭成员及收入)."""

    #: Personal data (govkit masks it by role and audits revealing it): the members' ID numbers.
    govkit_personal_data = {"household_members": "id_number"}

    household_members = wtforms.TextAreaField(
        "共同生活家庭成员", [v.InputRequired("请填写家庭成员。"), _members_validator],
        description="每行一人：姓名，关系，身份证号，月收入（元）。第一行填申请人本人。")
    monthly_income = wtforms.DecimalField("家庭月总收入（元）", [v.InputRequired("请填写家庭月总收入。"),
                                                           v.NumberRange(min=0, message="收入不能为负数。")])
    housing = wtforms.SelectField("住房情况", choices=[("自有住房", "自有住房"), ("租房", "租房"), ("借住", "借住"),
                                                   ("无房", "无房")])
    vehicles = wtforms.IntegerField("家庭机动车数量", [v.Optional(), v.NumberRange(min=0, max=20)], default=0)
    deposits = wtforms.DecimalField("家庭存款（元）", [v.Optional(), v.NumberRange(min=0)])


class BankAccountMixin:
    """Where the benefit is paid (社会保障卡或银行账户)."""

    govkit_personal_data = {"account_number": "bank_account"}

    bank_name = wtforms.StringField("开户银行", [v.InputRequired("请填写开户银行。"), v.Length(max=60)])
    account_number = wtforms.StringField("银行账号", [v.InputRequired("请填写银行账号。"), _bank_account])
    account_holder = wtforms.StringField("账户户名", [v.InputRequired("请填写账户户名。"), v.Length(max=30)])


class DibaoForm(wtforms.Form, HouseholdMixin, BankAccountMixin):
    """最低生活保障申请表."""

    reason = wtforms.TextAreaField("申请理由", [v.InputRequired("请填写申请理由。"), v.Length(max=1000)])


class TekunForm(wtforms.Form, HouseholdMixin, BankAccountMixin):
    """特困人员救助供养申请表."""

    govkit_personal_data = {"self_care": "health"}

    support_mode = wtforms.SelectField("供养方式",
                                       choices=[("分散供养", "分散供养"), ("集中供养", "集中供养（敬老院）")])
    self_care = wtforms.SelectField("生活自理能力", choices=[("完全自理", "完全自理"), ("部分自理", "部分失能"),
                                                        ("不能自理", "完全失能")])


class LinshiForm(wtforms.Form, BankAccountMixin):
    """临时救助申请表."""

    hardship = wtforms.SelectField("困难类型", choices=[("急难型", "急难型（火灾、交通事故、突发重病等）"),
                                                    ("支出型", "支出型（医疗、教育等刚性支出）")])
    description = wtforms.TextAreaField("困难情况说明", [v.InputRequired("请说明困难情况。"), v.Length(max=1000)])
    amount_requested = wtforms.DecimalField("申请救助金额（元）",
                                            [v.InputRequired("请填写申请金额。"),
                                             v.NumberRange(min=1, max=50000, message="金额应在 1–50000 元之间。")])


class GaolingForm(wtforms.Form, BankAccountMixin):
    """高龄津贴申请表."""

    govkit_personal_data = {"living_with": "other"}

    birth_date = wtforms.DateField("出生日期", [v.InputRequired("请填写出生日期（如 1940-05-01）。")])
    living_with = wtforms.StringField("共同居住人及联系电话", [v.Optional(), v.Length(max=100)])


class CanjiForm(wtforms.Form, BankAccountMixin):
    """困难残疾人生活补贴和重度残疾人护理补贴申请审批表."""

    govkit_personal_data = {"disability_card": "id_number", "disability_kind": "health",
                            "disability_grade": "health"}

    disability_card = wtforms.StringField("残疾人证号",
                                          [v.InputRequired("请填写残疾人证号。"),
                                           v.Regexp(r"^\d{17}[\dX]\d{2}$",
                                                    message="残疾人证号应为 20 位（身份证号加 2 位类别等级）。")])
    disability_kind = wtforms.SelectField(
        "残疾类别", choices=[(k, k) for k in ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")])
    disability_grade = wtforms.SelectField(
        "残疾等级", choices=[("一级", "一级"), ("二级", "二级"), ("三级", "三级"), ("四级", "四级")])
    subsidy = wtforms.SelectField("申请补贴类别",
                                  choices=[("生活补贴", "困难残疾人生活补贴"), ("护理补贴", "重度残疾人护理补贴"),
                                           ("两项补贴", "两项补贴")])

    def validate_subsidy(self, field) -> None:
        if field.data in ("护理补贴", "两项补贴") and self.disability_grade.data not in ("一级", "二级"):
            raise v.ValidationError("重度残疾人护理补贴只发给残疾等级为一级、二级的残疾人。")


#: Basic code → form class, used by the ``item_application_form`` hook.
FORMS: dict[str, type[wtforms.Form]] = {
    items.DIBAO: DibaoForm,
    items.TEKUN: TekunForm,
    items.LINSHI: LinshiForm,
    items.GAOLING: GaolingForm,
    items.CANJI: CanjiForm,
}
