"""Forms of the public portal (Flask-WTF: CSRF-protected when WTF_CSRF_ENABLED)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from govkit.publicity.antispam import HONEYPOT_FIELD, STAMP_FIELD
from govkit.publicity.ratings import LEVELS


class ProgressForm(FlaskForm):
    no = StringField("办件编号", validators=[DataRequired("请输入办件编号。"), Length(max=32)])
    f = StringField("申请人手机号后4位", validators=[Optional(), Length(max=4)])
    t = StringField("查询码（通知书二维码中）", validators=[Optional(), Length(max=64)])


class RatingForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired()])
    level = RadioField("总体评价", choices=[(name, name) for name, _ in LEVELS],
                       validators=[DataRequired("请选择总体评价。")])
    comment = TextAreaField("评价意见（选填）", validators=[Optional(), Length(max=500)])


class ComplaintForm(FlaskForm):
    kind = RadioField("类型", choices=[("投诉", "投诉"), ("意见", "意见建议")], default="投诉",
                      validators=[DataRequired()])
    division = StringField("涉及地区", validators=[Optional(), Length(max=12)])
    subject = StringField("标题", validators=[DataRequired("请填写标题。"), Length(max=200)])
    content = TextAreaField("具体内容", validators=[DataRequired("请填写具体内容。"), Length(max=2000)])
    case_number = StringField("相关办件编号（选填）", validators=[Optional(), Length(max=32)])
    contact = StringField("联系方式（选填，仅处理人员可见）", validators=[Optional(), Length(max=100)])


# Anti-spam fields are read from request.form directly (see govkit.publicity.antispam).
ANTISPAM_FIELDS = (HONEYPOT_FIELD, STAMP_FIELD)


class LookupForm(FlaskForm):
    """Look up something filed on the portal (投诉, 咨询, 依申请公开) by its number and the code shown once."""

    number = StringField("编号", validators=[DataRequired("请输入编号。"), Length(max=32)])
    code = StringField("查询码", validators=[DataRequired("请输入查询码。"), Length(max=16)])


class VerifyForm(FlaskForm):
    """Public verify page: a document number and the PDF (or its SHA-256)."""

    no = StringField("文书编号", validators=[DataRequired("请输入文书编号。"), Length(max=64)])
    file = FileField("PDF 文件")
    sha256 = StringField("或 文件的 SHA-256 值", validators=[Optional(), Length(max=200)])
