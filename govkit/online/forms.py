"""Forms of the online hall (Flask-WTF: CSRF-protected when WTF_CSRF_ENABLED)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from govkit.online.models import COMPANY, PERSON


class PhoneForm(FlaskForm):
    phone = StringField("手机号码", validators=[DataRequired("请填写手机号码。"), Length(max=20)])


class CodeForm(FlaskForm):
    code = StringField("短信验证码", validators=[DataRequired("请填写短信验证码。"), Length(max=8)])


class PasswordLoginForm(FlaskForm):
    phone = StringField("手机号码", validators=[DataRequired("请填写手机号码。"), Length(max=20)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码。"), Length(max=200)])


class SignupForm(FlaskForm):
    kind = RadioField("账号类型", choices=[(PERSON, "个人"), (COMPANY, "法人（企业、社会组织）")], default=PERSON,
                      validators=[DataRequired("请选择账号类型。")])
    name = StringField("真实姓名或单位全称", validators=[DataRequired("请填写真实姓名或单位全称。"), Length(max=100)])
    id_number = StringField("公民身份号码或统一社会信用代码",
                            validators=[DataRequired("请填写证件号码。"), Length(max=30)])
    contact_name = StringField("经办人姓名（法人填写）", validators=[Optional(), Length(max=100)])
    password = PasswordField("登录密码（选填，不设置则每次用验证码登录）", validators=[Optional(), Length(max=200)])
    agree = BooleanField("本人承诺所填信息真实有效，同意用于办理政务服务事项",
                         validators=[DataRequired("请阅读并勾选承诺。")])


class PasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码。"), Length(max=200)])
