"""The demo county's local plugin (示范县本地插件).

What a county writes for itself: two county-specific items with their own application
forms, the county's own wording of the acceptance notice (replacing the built-in
``acceptance_notice`` by name), and — for the demo only — a start page listing the demo
accounts. Items and pages appear only when the deployment sets ``COUNTY_DEMO = true``.
"""
from __future__ import annotations

import wtforms
from flask import flash, request
from markupsafe import Markup
from wtforms import validators as v

from govkit.toolkit import (
    ImplementationSpec, LegalBasisSpec, MaterialSpec, ServiceItemSpec, Setting, StepSpec, get_state, hookimpl,
    uscc_check_char,
)

COUNTY = "629901000000"
WATER_ITEM = "SFX000000001"
ECOMMERCE_ITEM = "SFX000000002"


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


WATER_BUREAU_USCC = _uscc("11629901MB1500021")
AGRICULTURE_USCC = _uscc("11629901MB1500007")


class WaterConnectionForm(wtforms.Form):
    """农村饮水安全入户改造补助申请表."""

    household_size = wtforms.IntegerField("家庭常住人口",
                                          [v.InputRequired("请填写家庭常住人口。"), v.NumberRange(1, 20)])
    water_source = wtforms.SelectField("现用水源",
                                       choices=[("自备水井", "自备水井"), ("水窖", "水窖"), ("山泉水", "山泉水"),
                                                ("集中供水未入户", "集中供水未入户")])
    pipe_length = wtforms.IntegerField("需铺设入户管道长度（米）",
                                       [v.InputRequired("请填写管道长度。"), v.NumberRange(1, 2000)])
    estimated_cost = wtforms.DecimalField("预计费用（元）", [v.InputRequired("请填写预计费用。"), v.NumberRange(min=0)])


class EcommerceSubsidyForm(wtforms.Form):
    """特色农产品电商销售奖补申请表."""

    shop_name = wtforms.StringField("网店名称", [v.InputRequired("请填写网店名称。"), v.Length(max=60)])
    platform = wtforms.SelectField("销售平台",
                                   choices=[(p, p) for p in ("淘宝", "拼多多", "抖音", "京东", "微信小店", "其他")])
    products = wtforms.StringField("主要产品", [v.InputRequired("请填写主要产品。"), v.Length(max=100)],
                                   description="如：花椒、核桃、土豆粉条")
    annual_sales = wtforms.DecimalField("上年度网络销售额（元）",
                                        [v.InputRequired("请填写销售额。"),
                                         v.NumberRange(min=10000, message="奖补要求上年度网络销售额不低于 1 万元。")])


FORMS = {WATER_ITEM: WaterConnectionForm, ECOMMERCE_ITEM: EcommerceSubsidyForm}


@hookimpl
def register_settings():
    return [Setting("COUNTY_DEMO", bool, False, "Turn on the demo county's items and start page (demo only).")]


@hookimpl
def register_service_items(settings):
    if not settings.get("COUNTY_DEMO"):
        return []
    id_card = MaterialSpec("申请人居民身份证", form="原件", acceptance_standard="核验原件后退还")
    return [
        ServiceItemSpec(
            basic_code=WATER_ITEM, name="农村饮水安全入户改造补助", item_type="05",
            legal_bases=(LegalBasisSpec("示范县农村饮水安全工程管理办法（演示）", "第十二条",
                                        "对集中供水管网覆盖范围内未入户的农户，县财政按实际费用给予补助。"),),
            implementations=(ImplementationSpec(
                division_code=COUNTY, department="示范县水务局", implementing_uscc=WATER_BUREAU_USCC, exercise_level=4,
                legal_days=20, promised_days=10, conditions="本县农村户籍，住房位于集中供水管网覆盖范围内且未入户。",
                materials=(id_card, MaterialSpec("居民户口簿", form="复印件"),
                           MaterialSpec("村委会出具的未入户证明", form="原件")),
                steps=(StepSpec("村级代办受理", 0, "代办员登记上报"), StepSpec("乡镇核实", 3, "现场查看"),
                       StepSpec("县水务局审批", 7, "审批并安排施工")),
                consult_phone="0930-8210321", complaint_phone="12345",
            ),),
        ),
        ServiceItemSpec(
            basic_code=ECOMMERCE_ITEM, name="特色农产品电商销售奖补", item_type="08",
            legal_bases=(LegalBasisSpec("示范县电子商务进农村奖补办法（演示）", "第六条",
                                        "对上年度网络销售本县特色农产品 1 万元以上的经营主体给予奖补。"),),
            implementations=(ImplementationSpec(
                division_code=COUNTY, department="示范县农业农村局", implementing_uscc=AGRICULTURE_USCC,
                exercise_level=4, legal_days=30, promised_days=15,
                conditions="在本县注册或居住、通过网络销售本县特色农产品的个人或经营主体。",
                materials=(id_card, MaterialSpec("网店经营者身份截图", form="电子"),
                           MaterialSpec("上年度网络销售流水", form="电子")),
                steps=(StepSpec("受理", 0), StepSpec("审核", 10), StepSpec("公示", 5)),
                consult_phone="0930-8210307", complaint_phone="12345",
            ),),
        ),
    ]


@hookimpl
def item_application_form(item_code, implementation):
    return FORMS.get(item_code)


@hookimpl
def register_print_templates(settings):
    # Only the demo deployment prints with the demo county's wording.
    if not settings.get("COUNTY_DEMO"):
        return []
    from county_demo.notices import templates

    return templates()


@hookimpl
def register_views(appbuilder, app):
    if not get_state(app).settings.get("COUNTY_DEMO"):
        return
    from county_demo.views import DemoStartView

    appbuilder.add_view_no_menu(DemoStartView)

    @app.before_request
    def _demo_login_hint():
        if request.method == "GET" and request.path == "/login/":
            flash(Markup('这是演示县。演示账号和密码见 <a href="/demo/">演示说明</a>'
                         "（管理员 admin / admin1234，其他账号密码 demo1234）。"), "info")
