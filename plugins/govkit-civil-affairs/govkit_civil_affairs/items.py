"""The 民政 items: basic catalog entries with their county implementation (实施清单).

Basic codes follow the demo catalog's national-style layout, so a deployment that already
imported these items keeps its own rows while the forms and templates below still apply.
"""
from __future__ import annotations

from govkit.toolkit import ImplementationSpec, LegalBasisSpec, MaterialSpec, ServiceItemSpec, StepSpec

DIBAO = "000705015000"
TEKUN = "000705016000"
LINSHI = "000705017000"
GAOLING = "000705018000"
CANJI = "000705019000"

ID_CARD = MaterialSpec("申请人居民身份证", form="原件", source_channel="申请人自备",
                       acceptance_standard="在有效期内，核验原件后退还")
HUKOU = MaterialSpec("居民户口簿", form="原件", source_channel="申请人自备", acceptance_standard="核验原件后退还")
AUTH = MaterialSpec("家庭经济状况核对授权书", form="原件", source_channel="窗口领取",
                    acceptance_standard="共同生活的家庭成员逐一签字或按手印")
BANK = MaterialSpec("本人社会保障卡或银行账户", form="复印件", source_channel="申请人自备",
                    acceptance_standard="账户户名与申请人一致")
PROXY = MaterialSpec("代办人身份证及委托书", form="原件", necessity="情形必需", condition_text="委托他人代为申请的",
                     source_channel="申请人自备")

VILLAGE_STEPS = (StepSpec("村级代办受理", 0, "村便民服务站代办员核对材料、登记上报", "村便民服务站"),)

SPECS: tuple[dict, ...] = (
    dict(
        basic_code=DIBAO, name="最低生活保障审核确认", item_type="07",
        bases=(LegalBasisSpec("社会救助暂行办法", "第十一条",
                              "申请最低生活保障，由共同生活的家庭成员向户籍所在地的乡镇人民政府、街道办事处提出书面申请。"),
               LegalBasisSpec("最低生活保障审核确认办法", "第二条",
                              "县级人民政府民政部门负责最低生活保障审核确认工作。")),
        legal=30, promised=25,
        conditions="持有本县户籍，共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定。",
        materials=(MaterialSpec("最低生活保障申请书", source_channel="窗口领取"), ID_CARD, HUKOU, AUTH,
                   MaterialSpec("家庭成员收入及财产状况声明", source_channel="窗口领取"),
                   MaterialSpec("残疾人证或重病诊断证明", form="复印件", necessity="情形必需",
                                condition_text="家庭成员中有残疾人或重病患者的"),
                   BANK, PROXY),
        steps=VILLAGE_STEPS + (StepSpec("乡镇受理初审", 10, "入户调查、邻里访问、信息核对", "乡镇社会救助经办人员"),
                               StepSpec("民主评议与公示", 5, "评议结果在村务公开栏公示 7 天", "村（居）委会"),
                               StepSpec("县级审核确认", 10, "抽查并确认，不予确认的书面说明理由", "县民政局")),
    ),
    dict(
        basic_code=TEKUN, name="特困人员救助供养审核确认", item_type="05",
        bases=(LegalBasisSpec("社会救助暂行办法", "第十四条",
                              "国家对无劳动能力、无生活来源且无法定赡养、抚养、扶养义务人的老年人、残疾人以及未满16周岁的未成年人，给予特困人员供养。"),),
        legal=40, promised=30,
        conditions="无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或其义务人无履行能力。",
        materials=(MaterialSpec("特困人员救助供养申请书", source_channel="窗口领取"), ID_CARD, HUKOU, AUTH,
                   MaterialSpec("残疾人证", form="复印件", necessity="情形必需", condition_text="申请人为残疾人的"),
                   BANK, PROXY),
        steps=VILLAGE_STEPS + (StepSpec("乡镇受理初审", 20, "入户调查并提出初审意见", "乡镇社会救助经办人员"),
                               StepSpec("县级审核确认", 10, "审核确认并确定供养方式", "县民政局")),
    ),
    dict(
        basic_code=LINSHI, name="临时救助", item_type="05",
        bases=(LegalBasisSpec("社会救助暂行办法", "第四十七条",
                              "国家对因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭，给予临时救助。"),),
        legal=15, promised=10,
        conditions="因意外事件、突发重大疾病等原因导致基本生活暂时出现严重困难。",
        materials=(MaterialSpec("临时救助申请书", source_channel="窗口领取"), ID_CARD, HUKOU,
                   MaterialSpec("困难情况证明材料（医疗票据、事故证明等）", form="复印件"), BANK, PROXY),
        steps=VILLAGE_STEPS + (StepSpec("乡镇审核", 5, "核实困难情况", "乡镇社会救助经办人员"),
                               StepSpec("审批发放", 5, "审批并发放救助金", "县民政局")),
    ),
    dict(
        basic_code=GAOLING, name="高龄津贴发放", item_type="05",
        bases=(LegalBasisSpec("中华人民共和国老年人权益保障法", "第三十三条",
                              "国家鼓励地方建立八十周岁以上低收入老年人高龄津贴制度。"),),
        legal=20, promised=15, conditions="本县户籍、年满八十周岁的老年人。",
        materials=(MaterialSpec("高龄津贴申请表", source_channel="窗口领取"), ID_CARD, HUKOU, BANK, PROXY),
        steps=VILLAGE_STEPS + (StepSpec("乡镇审核", 5, "核对年龄与户籍", "乡镇民政办"),
                               StepSpec("县级审批", 10, "审批并按月发放", "县民政局")),
    ),
    dict(
        basic_code=CANJI, name="困难残疾人生活补贴和重度残疾人护理补贴", item_type="05",
        bases=(LegalBasisSpec("国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见", "二",
                              "生活补贴对象为低保家庭中的残疾人；护理补贴对象为残疾等级被评定为一级、二级且需要长期照护的重度残疾人。"),),
        legal=20, promised=15,
        conditions="持有第二代残疾人证；生活补贴需为低保家庭成员，护理补贴需为一、二级重度残疾人。",
        materials=(MaterialSpec("残疾人两项补贴申请审批表", source_channel="窗口领取"), ID_CARD, HUKOU,
                   MaterialSpec("第二代残疾人证", acceptance_standard="核验原件后退还"), BANK, PROXY),
        steps=VILLAGE_STEPS + (StepSpec("乡镇初审", 5, "核对残疾等级和家庭情况", "乡镇民政办"),
                               StepSpec("县级审核", 10, "残联复核、民政审定", "县民政局")),
    ),
)


def service_items(settings) -> list[ServiceItemSpec]:
    """The items, implemented by the county's civil-affairs department when COUNTY_CODE is set."""
    county = settings.get("COUNTY_CODE")
    department = settings.get("CIVIL_AFFAIRS_DEPARTMENT") or "民政局"
    result = []
    for spec in SPECS:
        implementations: tuple[ImplementationSpec, ...] = ()
        if county:
            implementations = (ImplementationSpec(
                division_code=county, department=department, implementing_uscc=settings.get("CIVIL_AFFAIRS_USCC"),
                exercise_level=4, legal_days=spec["legal"], promised_days=spec["promised"],
                conditions=spec["conditions"], proxy_allowed=True, visits_needed=0,
                materials=spec["materials"], steps=spec["steps"], implementing_body=department,
            ),)
        result.append(ServiceItemSpec(
            basic_code=spec["basic_code"], name=spec["name"], item_type=spec["item_type"],
            service_object="自然人", exercise_level=4, legal_bases=spec["bases"], implementations=implementations,
        ))
    return result
