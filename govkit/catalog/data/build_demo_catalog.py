"""Rebuild ``demo_catalog.json`` (the demo county's catalog) from the compact tables below.

Run ``python -m govkit.catalog.data.build_demo_catalog`` after editing. The items are real
village-relevant services; codes, departments, phone numbers, deadlines and the legal-basis
wording are written for the demo (示范市/示范县, division codes of
``govkit/hierarchy/data/demo_county.csv``) and are not an official catalog.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

CITY, COUNTY = "629900000000", "629901000000"
STREET, TOWN, TOWNSHIP = "629901001000", "629901101000", "629901201000"
TOWNSHIPS = {STREET: "城关街道办事处", TOWN: "清河镇人民政府", TOWNSHIP: "石岭乡人民政府"}
HOURS = "周一至周五 9:00—12:00，14:30—17:30（法定节假日除外）"
COMPLAINT = "12345"

# Fictional organisation-code bodies (9 characters) of each implementing body.
BODIES = {
    "示范县民政局": "MB1500001", "示范县人力资源和社会保障局": "MB1500002", "示范县医疗保障局": "MB1500003",
    "示范县卫生健康局": "MB1500004", "示范县自然资源局": "MB1500005", "示范县林业和草原局": "MB1500006",
    "示范县农业农村局": "MB1500007", "示范县住房和城乡建设局": "MB1500008", "示范县公安局": "MB1500009",
    "示范县残疾人联合会": "MB1500010", "示范县退役军人事务局": "MB1500011",
    "城关街道办事处": "MB1500101", "清河镇人民政府": "MB1500102", "石岭乡人民政府": "MB1500103",
    "示范市林业和草原局": "MB1500201", "示范市民政局": "MB1500202",
}
WINDOWS = {
    "示范县民政局": ("3 号窗口", "0930-8210301"), "示范县人力资源和社会保障局": ("5 号窗口", "0930-8210302"),
    "示范县医疗保障局": ("6 号窗口", "0930-8210303"), "示范县卫生健康局": ("7 号窗口", "0930-8210304"),
    "示范县自然资源局": ("9 号窗口", "0930-8210305"), "示范县林业和草原局": ("10 号窗口", "0930-8210306"),
    "示范县农业农村局": ("11 号窗口", "0930-8210307"), "示范县住房和城乡建设局": ("12 号窗口", "0930-8210308"),
    "示范县公安局": ("1 号窗口（户政）", "0930-8210309"), "示范县残疾人联合会": ("8 号窗口", "0930-8210310"),
    "示范县退役军人事务局": ("4 号窗口", "0930-8210311"),
}

ID = {"name": "申请人居民身份证", "form": "原件", "copies": 1, "source_channel": "申请人自备",
      "acceptance_standard": "在有效期内，核验原件后退还"}
HUKOU = {"name": "居民户口簿", "form": "原件", "copies": 1, "source_channel": "申请人自备",
         "acceptance_standard": "核验原件后退还"}
PROXY = {"name": "委托书及受托人居民身份证", "form": "原件", "copies": 1, "necessity": "情形必需",
         "condition_text": "委托村代办员或他人代为办理的", "source_channel": "申请人自备"}
BANK = {"name": "本人银行卡或“一卡通”账户信息", "form": "复印件", "copies": 1, "necessity": "必需",
        "source_channel": "申请人自备", "acceptance_standard": "户名与申请人一致"}
AUTH = {"name": "家庭经济状况核对授权书", "form": "原件", "copies": 1, "source_channel": "窗口领取",
        "acceptance_standard": "共同生活家庭成员逐一签字或按手印"}
FORM = lambda title: {"name": title, "form": "原件", "copies": 1, "source_channel": "窗口领取或网上下载",  # noqa: E731
                      "acceptance_standard": "内容填写完整，申请人签字或按手印"}

VILLAGE_STEPS = [("村级代办受理", 1, "村便民服务站代办员", "核对材料，一次性告知，扫描上报")]


def steps(*rows):
    return [{"name": n, "days": d, "actor": a, "description": t} for n, d, a, t in rows]


def law(name, article, text):
    return {"law": name, "article": article, "text": text}


# (basic code, name, type, service object, parent, [legal bases], [implementation specs])
# implementation spec: (department or township key, level, legal, promised, kind, materials, steps, extra)
ITEMS = []


def item(code, name, item_type, bases, impls, *, service_object="自然人", parent=None, level=4):
    ITEMS.append(dict(basic_code=code, name=name, item_type=item_type, service_object=service_object,
                      parent_code=parent, exercise_level=level, legal_bases=bases, impls=impls))


def at(body, division, legal, promised, materials, step_rows, *, kind="承诺件", level=None, fees=(), **extra):
    return dict(body=body, division=division, legal=legal, promised=promised, kind=kind, materials=materials,
                steps=step_rows, level=level, fees=list(fees), extra=extra)


def township_impls(legal, promised, materials, step_rows, only=None, **extra):
    return [at(body, code, legal, promised, materials, step_rows, level=5, **extra)
            for code, body in TOWNSHIPS.items() if only is None or code in only]


# --- 社会救助与社会福利（民政） ---------------------------------------------------------------
DIBAO_BASES = [
    law("社会救助暂行办法", "第十一条", "申请最低生活保障，由共同生活的家庭成员向户籍所在地的乡镇人民政府、街道办事处提出书面申请；"
        "乡镇人民政府、街道办事处应当通过入户调查、邻里访问、信函索证、群众评议、信息核查等方式，"
        "对申请人的家庭收入状况、财产状况进行调查核实，提出初审意见。"),
    law("最低生活保障审核确认办法", "第二条", "县级人民政府民政部门负责最低生活保障审核确认工作，"
        "乡镇人民政府（街道办事处）负责最低生活保障的受理、初审工作。"),
]
DIBAO_MATERIALS = [FORM("最低生活保障申请书"), ID, HUKOU, AUTH,
                   {"name": "家庭成员收入及财产状况声明", "form": "原件", "copies": 1, "source_channel": "窗口领取"},
                   {"name": "残疾人证或重病诊断证明", "form": "复印件", "copies": 1, "necessity": "情形必需",
                    "condition_text": "家庭成员中有残疾人或重病患者的", "source_channel": "残联或医疗机构出具"},
                   PROXY]
DIBAO_STEPS = steps(*VILLAGE_STEPS, ("乡镇受理初审", 10, "乡镇（街道）社会救助经办人员", "入户调查、邻里访问、信息核对"),
                    ("民主评议与公示", 5, "村（居）委会", "评议结果在村务公开栏公示 7 天"),
                    ("县级审核确认", 10, "县民政局", "抽查并确认，不予确认的书面说明理由"))
item("000705015000", "最低生活保障审核确认", "07", DIBAO_BASES,
     [at("示范县民政局", COUNTY, 30, 25, DIBAO_MATERIALS, DIBAO_STEPS,
         special_procedures=[{"name": "家庭经济状况信息核对", "days": 10, "counts_in_deadline": False,
                              "description": "通过居民家庭经济状况核对平台核对车辆、存款、房产等信息"}])]
     + township_impls(30, 25, DIBAO_MATERIALS, DIBAO_STEPS),
     level=4)

TEKUN_MATERIALS = [FORM("特困人员救助供养申请书"), ID, HUKOU, AUTH,
                   {"name": "劳动能力或残疾状况证明", "form": "复印件", "copies": 1, "necessity": "情形必需",
                    "condition_text": "因残疾或疾病丧失劳动能力申请的", "source_channel": "残联或医疗机构出具"},
                   {"name": "供养方式意愿书（分散供养或集中供养）", "form": "原件", "copies": 1, "source_channel": "窗口领取"},
                   PROXY]
item("000705016000", "特困人员救助供养审核确认", "05",
     [law("社会救助暂行办法", "第十四条", "国家对无劳动能力、无生活来源且无法定赡养、抚养、扶养义务人，"
          "或者其法定赡养、抚养、扶养义务人无赡养、抚养、扶养能力的老年人、残疾人以及未满 16 周岁的未成年人，给予特困人员供养。"),
      law("特困人员认定办法", "第十六条", "县级人民政府民政部门应当全面审核乡镇人民政府（街道办事处）上报的调查材料和审核意见……")],
     [at("示范县民政局", COUNTY, 40, 30, TEKUN_MATERIALS,
         steps(*VILLAGE_STEPS, ("乡镇调查审核", 15, "乡镇（街道）", "入户调查并张榜公示"),
               ("县级确认", 14, "县民政局", "确认后自次月起发放供养金")))]
     + township_impls(40, 30, TEKUN_MATERIALS, steps(*VILLAGE_STEPS, ("乡镇调查审核", 15, "乡镇（街道）", "入户调查")))
     )

LINSHI_MATERIALS = [FORM("临时救助申请书"), ID, HUKOU,
                    {"name": "遭遇困难的相关证明（医疗费票据、事故或灾害证明等）", "form": "复印件", "copies": 1,
                     "source_channel": "医疗机构或相关部门出具", "acceptance_standard": "能够说明困难原因和支出金额"},
                    AUTH, PROXY]
item("000705017000", "临时救助", "05",
     [law("社会救助暂行办法", "第四十七条", "国家对因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，"
          "导致基本生活暂时出现严重困难的家庭，或者因生活必需支出突然增加超出家庭承受能力，"
          "导致基本生活暂时出现严重困难的最低生活保障家庭，以及遭遇其他特殊困难的家庭，给予临时救助。")],
     [at("示范县民政局", COUNTY, 20, 15, LINSHI_MATERIALS,
         steps(*VILLAGE_STEPS, ("乡镇审核", 6, "乡镇（街道）", "核实困难情况"), ("县级审批", 8, "县民政局", "审批并发放"))),
      at("示范市民政局", CITY, 20, 15, LINSHI_MATERIALS, steps(("受理", 1, "市民政局窗口", ""), ("审批", 14, "市民政局", "")),
         level=3)]
     + township_impls(20, 15, LINSHI_MATERIALS,
                      steps(*VILLAGE_STEPS, ("乡镇审批（小额先行救助）", 14, "乡镇（街道）", "1000 元以下由乡镇先行救助"))),
     )

GAOLING_MATERIALS = [FORM("高龄津贴申请表"), ID, HUKOU, BANK, PROXY]
GAOLING_STEPS = steps(*VILLAGE_STEPS, ("乡镇审核", 5, "乡镇（街道）民政干部", "核对年龄和户籍"),
                      ("县级审批", 4, "县民政局", "审批后次月发放"))
item("000705018000", "高龄津贴发放", "05",
     [law("中华人民共和国老年人权益保障法", "第三十三条", "国家建立和完善老年人福利制度，根据经济社会发展水平和老年人的实际需要，"
          "增加老年人的社会福利。国家鼓励地方建立八十周岁以上低收入老年人高龄津贴制度。"),
      law("示范省高龄老人津贴发放办法（演示）", "第四条", "具有本省户籍、年满八十周岁的老年人，按年龄段按月发放高龄津贴。")],
     [at("示范县民政局", COUNTY, 15, 10, GAOLING_MATERIALS, GAOLING_STEPS)]
     + township_impls(15, 10, GAOLING_MATERIALS, GAOLING_STEPS, only=(STREET, TOWN))
     # 石岭乡 publishes the item under a non-standard name: a 三级四同 deviation for the demo report.
     + [dict(at("石岭乡人民政府", TOWNSHIP, 15, 10, GAOLING_MATERIALS, GAOLING_STEPS, level=5),
             name="高龄老人补贴发放")],
     )

CJZ_MATERIALS = [FORM("残疾人证申请表"), ID, HUKOU,
                 {"name": "近期二寸免冠彩色照片", "form": "原件", "copies": 3, "source_channel": "申请人自备",
                  "acceptance_standard": "白色背景，近 6 个月内拍摄"},
                 {"name": "指定医疗机构出具的残疾评定表", "form": "原件", "copies": 1, "source_channel": "指定评定机构出具"},
                 {"name": "监护人身份证明", "form": "复印件", "copies": 1, "necessity": "情形必需",
                  "condition_text": "申请人为未成年人或无民事行为能力人的", "source_channel": "申请人自备"}]
item("000720001000", "残疾人证办理", "20",
     [law("中华人民共和国残疾人保障法", "第二条", "残疾人是指在心理、生理、人体结构上，某种组织、功能丧失或者不正常，"
          "全部或者部分丧失以正常方式从事某种活动能力的人。"),
      law("中华人民共和国残疾人证管理办法", "第七条", "残疾人证申领实行自愿申请原则，申请人向户籍所在地县级残联提出申请……")],
     [at("示范县残疾人联合会", COUNTY, 20, 15, CJZ_MATERIALS,
         steps(*VILLAGE_STEPS, ("残疾评定", 10, "指定评定机构", "评定机构出具评定结论"),
               ("审核发证", 4, "县残联", "审核通过后制发残疾人证")),
         special_procedures=[{"name": "残疾等级评定", "days": 10, "counts_in_deadline": False,
                              "description": "由指定医疗机构评定，评定时间不计入办理时限"}],
         presence_required=True)],
     )

item("000705019000", "困难残疾人生活补贴和重度残疾人护理补贴", "05",
     [law("国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见", "国发〔2015〕52 号",
          "困难残疾人生活补贴主要补助残疾人因残疾产生的额外生活支出，对象为低保家庭中的残疾人；"
          "重度残疾人护理补贴主要补助残疾人因残疾产生的额外长期照护支出，对象为残疾等级被评定为一级、二级且需要长期照护的重度残疾人。")],
     [at("示范县民政局", COUNTY, 20, 15, [FORM("残疾人两项补贴申请审批表"), ID, HUKOU,
                                        {"name": "第二代残疾人证", "form": "原件", "copies": 1, "source_channel": "县残联核发"},
                                        BANK, PROXY],
         steps(*VILLAGE_STEPS, ("乡镇初审", 5, "乡镇（街道）", "核对低保和残疾等级信息"),
               ("县级审核", 9, "县残联、县民政局", "残联审核、民政审定")))]
     + township_impls(20, 15, [FORM("残疾人两项补贴申请审批表"), ID, HUKOU], steps(*VILLAGE_STEPS, ("乡镇初审", 14, "乡镇（街道）", ""))),
     )

GUER_MATERIALS = [FORM("孤儿基本生活费申请表"), HUKOU,
                  {"name": "父母死亡证明或宣告失踪的判决书", "form": "复印件", "copies": 1, "source_channel": "公安或法院出具"},
                  {"name": "监护人居民身份证", "form": "复印件", "copies": 1, "source_channel": "监护人自备"}]
item("000705020000", "孤儿基本生活费发放", "05",
     [law("国务院办公厅关于加强孤儿保障工作的意见", "国办发〔2010〕54 号", "建立孤儿基本生活保障制度，对孤儿按照不低于当地平均生活水平的原则发放基本生活费。")],
     [at("示范县民政局", COUNTY, 30, 20, GUER_MATERIALS,
         steps(*VILLAGE_STEPS, ("乡镇审核", 9, "乡镇（街道）", "调查核实"), ("县级审批", 10, "县民政局", "")))])

item("000705021000", "惠民殡葬补贴", "05",
     [law("殡葬管理条例", "第四条", "人口稠密、耕地较少、交通方便的地区，应当实行火葬……"),
      law("示范县惠民殡葬政策实施办法（演示）", "第三条", "对本县户籍城乡困难群众免除基本殡葬服务费用。")],
     [at("示范县民政局", COUNTY, 10, 5, [FORM("惠民殡葬补贴申请表"), HUKOU,
                                       {"name": "居民死亡医学证明（推断）书", "form": "复印件", "copies": 1, "source_channel": "医疗机构或公安出具"},
                                       {"name": "火化证明或安葬证明", "form": "复印件", "copies": 1, "source_channel": "殡仪馆或村委会出具"},
                                       {"name": "经办人居民身份证", "form": "原件", "copies": 1, "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("县级审核发放", 4, "县民政局", "")))])

MARRIAGE_BASES = [law("中华人民共和国民法典", "第一千零四十九条", "要求结婚的男女双方应当亲自到婚姻登记机关申请结婚登记。"
                      "符合本法规定的，予以登记，发给结婚证。完成结婚登记，即确立婚姻关系。"),
                  law("婚姻登记条例", "第四条", "内地居民结婚，男女双方应当共同到婚姻登记机关办理结婚登记。")]
item("000705022000", "婚姻登记", "07", MARRIAGE_BASES, [])
item("000705022001", "结婚登记", "07", MARRIAGE_BASES,
     [at("示范县民政局", COUNTY, 1, 0, [ID, HUKOU,
                                      {"name": "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                                       "form": "原件", "copies": 1, "source_channel": "登记机关现场签署"},
                                      {"name": "近期半身免冠合影照片", "form": "原件", "copies": 3, "source_channel": "申请人自备",
                                       "acceptance_standard": "2 寸，红色背景"}],
         steps(("受理审查", 0, "婚姻登记员", "双方亲自到场，当场审查"), ("颁证", 0, "婚姻登记员", "")),
         kind="即办件", proxy_allowed=False, presence_required=True, visits_needed=1)],
     parent="000705022000")
item("000705022002", "离婚登记", "07",
     [law("中华人民共和国民法典", "第一千零七十七条", "自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，"
          "可以向婚姻登记机关撤回离婚登记申请。")],
     [at("示范县民政局", COUNTY, 30, 30, [ID, HUKOU, {"name": "结婚证", "form": "原件", "copies": 1, "source_channel": "申请人自备"},
                                        {"name": "离婚协议书", "form": "原件", "copies": 3, "source_channel": "申请人自备",
                                         "acceptance_standard": "载明自愿离婚的意思表示及子女抚养、财产和债务处理意见"}],
         steps(("离婚登记申请受理", 0, "婚姻登记员", ""), ("离婚冷静期", 30, "申请人", "30 日内任何一方可撤回申请"),
               ("发证", 0, "婚姻登记员", "冷静期届满后 30 日内双方亲自到场申请发证")),
         proxy_allowed=False, presence_required=True, visits_needed=2)],
     parent="000705022000")

item("000720002000", "老年人优待证办理", "20",
     [law("中华人民共和国老年人权益保障法", "第五十七条", "医疗机构应当为老年人就医提供方便，对老年人就医予以优先。")],
     township_impls(5, 1, [ID, {"name": "近期一寸免冠照片", "form": "原件", "copies": 1, "source_channel": "申请人自备"}, PROXY],
                    steps(*VILLAGE_STEPS, ("乡镇制证", 0, "乡镇（街道）便民服务中心", ""))))

# --- 社会保险与就业（人社、医保） ----------------------------------------------------------
item("000720003000", "城乡居民基本养老保险参保登记", "20",
     [law("中华人民共和国社会保险法", "第二十条", "国家建立和完善新型农村社会养老保险制度。新型农村社会养老保险实行个人缴费、集体补助和政府补贴相结合。"),
      law("国务院关于建立统一的城乡居民基本养老保险制度的意见", "国发〔2014〕8 号",
          "年满 16 周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的城乡居民，可以在户籍地参加城乡居民养老保险。")],
     [at("示范县人力资源和社会保障局", COUNTY, 5, 1, [FORM("城乡居民基本养老保险参保登记表"), ID, HUKOU],
         steps(*VILLAGE_STEPS, ("登记", 0, "县社保中心", "信息录入社保系统")), kind="承诺件",
         handling_forms="窗口办理、网上办理")]
     + township_impls(5, 1, [FORM("城乡居民基本养老保险参保登记表"), ID, HUKOU],
                      steps(*VILLAGE_STEPS, ("乡镇人社所登记", 0, "乡镇（街道）人社服务所", ""))),
     )
item("000705023000", "城乡居民基本养老保险待遇申领", "05",
     [law("中华人民共和国社会保险法", "第二十一条", "新型农村社会养老保险待遇由基础养老金和个人账户养老金组成。")],
     [at("示范县人力资源和社会保障局", COUNTY, 20, 10, [FORM("城乡居民基本养老保险待遇申领表"), ID, HUKOU, BANK, PROXY],
         steps(*VILLAGE_STEPS, ("乡镇初审", 3, "乡镇（街道）人社服务所", ""), ("县级核定", 6, "县社保中心", "核定后次月发放")))])
item("000720004000", "城乡居民基本医疗保险参保登记", "20",
     [law("中华人民共和国社会保险法", "第二十五条", "国家建立和完善城镇居民基本医疗保险制度。城镇居民基本医疗保险实行个人缴费和政府补贴相结合。")],
     [at("示范县医疗保障局", COUNTY, 5, 1, [ID, HUKOU,
                                          {"name": "特殊人群身份证明（低保、特困、残疾等）", "form": "复印件", "copies": 1,
                                           "necessity": "情形必需", "condition_text": "享受参保缴费资助的", "source_channel": "部门共享"}],
         steps(*VILLAGE_STEPS, ("参保登记", 0, "县医保中心", "")), handling_forms="窗口办理、网上办理")]
     + township_impls(5, 1, [ID, HUKOU], steps(*VILLAGE_STEPS, ("乡镇登记", 0, "乡镇（街道）便民服务中心", ""))),
     )
item("000705024000", "城乡居民医疗救助", "05",
     [law("社会救助暂行办法", "第二十九条", "医疗救助采取下列方式：（一）对救助对象参加城镇居民基本医疗保险或者新型农村合作医疗的个人缴费部分，给予补贴；"
          "（二）对救助对象经基本医疗保险、大病保险和其他补充医疗保险支付后，个人及其家庭难以承担的符合规定的基本医疗自负费用，给予补助。")],
     [at("示范县医疗保障局", COUNTY, 20, 10, [FORM("医疗救助申请表"), ID, HUKOU,
                                            {"name": "住院费用结算单和发票", "form": "原件", "copies": 1, "source_channel": "医疗机构出具"},
                                            {"name": "出院记录或诊断证明", "form": "复印件", "copies": 1, "source_channel": "医疗机构出具"}, BANK],
         steps(*VILLAGE_STEPS, ("县级审核", 5, "县医保中心", ""), ("拨付", 4, "县医保中心", "")))])
item("000720005000", "异地就医备案", "20",
     [law("国家医疗保障局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知", "医保发〔2022〕22 号",
          "参保人员跨省异地就医前，可通过国家医保服务平台 APP、国家异地就医备案小程序或参保地经办机构窗口等线上线下途径办理备案。")],
     [at("示范县医疗保障局", COUNTY, 1, 0, [ID, {"name": "异地就医备案表", "form": "电子", "copies": 0, "source_channel": "现场填写或网上填报"}],
         steps(("备案", 0, "县医保中心", "即时办结")), kind="即办件", handling_forms="窗口办理、网上办理", visits_needed=0)])
item("000720006000", "就业创业证申领", "20",
     [law("就业服务与就业管理规定", "第六十三条", "公共就业服务机构应当对登记失业人员发放《就业创业证》。")],
     [at("示范县人力资源和社会保障局", COUNTY, 5, 1, [ID, {"name": "近期一寸免冠照片", "form": "原件", "copies": 1, "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("发证", 0, "县就业服务中心", "")), handling_forms="窗口办理、网上办理")]
     + township_impls(5, 1, [ID], steps(*VILLAGE_STEPS, ("乡镇发证", 0, "乡镇（街道）人社服务所", "")), only=(STREET, TOWN)))
item("000720007000", "失业登记", "20",
     [law("中华人民共和国就业促进法", "第四十二条", "县级以上人民政府建立失业预警制度……对登记失业人员提供免费的就业服务。")],
     [at("示范县人力资源和社会保障局", COUNTY, 1, 0, [ID, {"name": "解除或终止劳动关系证明", "form": "复印件", "copies": 1,
                                                     "necessity": "情形必需", "condition_text": "原有用人单位的",
                                                     "source_channel": "原用人单位出具"}],
         steps(("登记", 0, "县就业服务中心", "")), kind="即办件", handling_forms="窗口办理、网上办理")])

# --- 卫生健康 -----------------------------------------------------------------------------
item("000720008000", "生育登记", "20",
     [law("中华人民共和国人口与计划生育法", "第十八条", "国家提倡适龄婚育、优生优育。一对夫妻可以生育三个子女。"),
      law("示范省人口与计划生育条例（演示）", "第十五条", "实行生育登记服务制度，生育登记不设前置条件。")],
     [at("示范县卫生健康局", COUNTY, 1, 0, [{"name": "夫妻双方居民身份证", "form": "原件", "copies": 1, "source_channel": "申请人自备"},
                                         {"name": "生育登记表", "form": "电子", "copies": 0, "source_channel": "现场或网上填报"}],
         steps(("登记", 0, "卫健窗口", "即时办结")), kind="即办件", handling_forms="窗口办理、网上办理")]
     + township_impls(1, 0, [{"name": "夫妻双方居民身份证", "form": "原件", "copies": 1, "source_channel": "申请人自备"}],
                      steps(*VILLAGE_STEPS, ("乡镇登记", 0, "乡镇（街道）卫健办", "")), kind="即办件"))
item("000707001000", "独生子女父母光荣证办理", "07",
     [law("中华人民共和国人口与计划生育法", "第二十七条", "在国家提倡一对夫妻生育一个子女期间，自愿终身只生育一个子女的夫妻，国家发给《独生子女父母光荣证》。")],
     township_impls(20, 10, [FORM("独生子女父母光荣证申请表"), {"name": "夫妻双方居民身份证", "form": "复印件", "copies": 1, "source_channel": "申请人自备"},
                             HUKOU, {"name": "结婚证", "form": "复印件", "copies": 1, "source_channel": "申请人自备"},
                             {"name": "子女出生医学证明", "form": "复印件", "copies": 1, "source_channel": "申请人自备"}],
                    steps(*VILLAGE_STEPS, ("村级公示", 7, "村（居）委会", ""), ("乡镇审核发证", 2, "乡镇（街道）卫健办", ""))))
item("000705025000", "农村部分计划生育家庭奖励扶助", "05",
     [law("中华人民共和国人口与计划生育法", "第三十一条", "在国家提倡一对夫妻生育一个子女期间，按照规定应当享受计划生育家庭老年人奖励扶助的，继续享受相关奖励扶助。")],
     [at("示范县卫生健康局", COUNTY, 30, 20, [FORM("奖励扶助对象申报表"), ID, HUKOU,
                                            {"name": "独生子女父母光荣证或相关生育证明", "form": "复印件", "copies": 1, "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("村级评议公示", 7, "村（居）委会", ""), ("乡镇初审", 5, "乡镇（街道）卫健办", ""),
               ("县级审批", 7, "县卫健局", "")))])
item("000705026000", "计划生育家庭特别扶助金发放", "05",
     [law("中华人民共和国人口与计划生育法", "第三十一条", "获得《独生子女父母光荣证》的夫妻，独生子女发生意外伤残、死亡的，按照规定获得扶助。")],
     [at("示范县卫生健康局", COUNTY, 30, 20, [FORM("特别扶助对象申报表"), ID, HUKOU,
                                            {"name": "子女伤残或死亡证明", "form": "复印件", "copies": 1, "source_channel": "相关部门出具"}],
         steps(*VILLAGE_STEPS, ("乡镇初审", 7, "乡镇（街道）卫健办", ""), ("县级审批", 12, "县卫健局", "")))])

# --- 自然资源、林草、住建、农业 ---------------------------------------------------------------
ZJD_MATERIALS = [FORM("农村宅基地和建房（规划许可）申请表"), ID, HUKOU,
                 {"name": "农村宅基地使用承诺书", "form": "原件", "copies": 1, "source_channel": "窗口领取"},
                 {"name": "村民小组会议讨论通过并公示的材料", "form": "原件", "copies": 1, "source_channel": "村民小组出具"},
                 {"name": "建房设计图或通用图", "form": "复印件", "copies": 1, "source_channel": "申请人自备或选用通用图"}]
ZJD_STEPS = steps(*VILLAGE_STEPS, ("村级审查公示", 5, "村民小组、村委会", "公示不少于 5 个工作日"),
                  ("乡镇联审", 8, "乡镇农业农村、自然资源、住建等", "实地踏勘"), ("乡镇审批", 6, "乡镇人民政府", "核发农村宅基地批准书"))
item("000701001000", "农村宅基地审批", "01",
     [law("中华人民共和国土地管理法", "第六十二条", "农村村民一户只能拥有一处宅基地……农村村民住宅用地，由乡（镇）人民政府审核批准；"
          "其中，涉及占用农用地的，依照本法第四十四条的规定办理审批手续。"),
      law("中华人民共和国土地管理法实施条例", "第三十四条", "农村村民申请宅基地的，应当以户为单位向农村集体经济组织提出申请……")],
     township_impls(20, 20, ZJD_MATERIALS, ZJD_STEPS, only=(TOWN, TOWNSHIP),
                    special_procedures=[{"name": "现场踏勘与放线", "days": 5, "counts_in_deadline": True,
                                         "description": "乡镇组织到现场丈量批放宅基地"}]),
     level=5)
item("000701002000", "乡村建设规划许可证核发", "01",
     [law("中华人民共和国城乡规划法", "第四十一条", "在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设以及农村村民住宅建设……"
          "由城市、县人民政府城乡规划主管部门核发乡村建设规划许可证。")],
     [at("示范县自然资源局", COUNTY, 20, 15, [FORM("乡村建设规划许可申请表"), ID,
                                            {"name": "农村宅基地批准书", "form": "复印件", "copies": 1, "source_channel": "乡镇人民政府核发"},
                                            {"name": "建设工程设计方案", "form": "原件", "copies": 1, "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("审查", 10, "县自然资源局", ""), ("核发", 4, "县自然资源局", "")))]
     + township_impls(20, 15, [FORM("乡村建设规划许可申请表"), ID], steps(*VILLAGE_STEPS, ("乡镇审查核发", 14, "乡镇人民政府", "")),
                      only=(TOWN, TOWNSHIP)))
item("000701003000", "农村不动产登记（宅基地使用权及房屋所有权）", "07",
     [law("不动产登记暂行条例", "第十四条", "因买卖、设定抵押权等申请不动产登记的，应当由当事人双方共同申请。"),
      law("国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知", "发改价格规〔2016〕2559 号",
          "住宅类不动产登记收费标准为每件 80 元。")],
     [at("示范县自然资源局", COUNTY, 30, 10, [FORM("不动产登记申请书"), ID, HUKOU,
                                            {"name": "农村宅基地批准书或权属来源证明", "form": "原件", "copies": 1, "source_channel": "乡镇人民政府或村委会出具"},
                                            {"name": "房屋竣工验收或符合规划证明", "form": "复印件", "copies": 1, "source_channel": "相关部门出具"}],
         steps(*VILLAGE_STEPS, ("受理审核", 5, "县不动产登记中心", ""), ("登簿", 3, "县不动产登记中心", ""), ("缮证发证", 1, "县不动产登记中心", "")),
         fees=[{"name": "不动产登记费（住宅）", "amount": "80", "basis": "发改价格规〔2016〕2559 号"},
               {"name": "证书工本费（第一本免收，每增加一本）", "amount": "10", "basis": "发改价格规〔2016〕2559 号"}])])
LM_MATERIALS = [FORM("林木采伐申请表"), ID,
                {"name": "林木所有权或使用权证明（林权证或承包合同）", "form": "复印件", "copies": 1, "source_channel": "申请人自备"},
                {"name": "伐区调查设计或采伐作业设计说明", "form": "原件", "copies": 1, "necessity": "情形必需",
                 "condition_text": "采伐蓄积量较大或采伐商品林的", "source_channel": "有资质的调查设计单位出具"}]
LM_BASES = [law("中华人民共和国森林法", "第五十六条", "采伐林地上的林木应当申请采伐许可证，并按照采伐许可证的规定进行采伐；"
                "采伐自然保护区以外的竹林，不需要申请采伐许可证。农村居民采伐自留山和个人承包集体林地上的林木，由县级人民政府林业主管部门或者其委托的乡镇人民政府核发采伐许可证。"),
            law("中华人民共和国森林法实施条例", "第三十二条", "采伐林木的单位或者个人，应当提出采伐申请……")]
LM_STEPS = steps(*VILLAGE_STEPS, ("现场核查", 5, "林业站", ""), ("审核发证", 4, "林草部门", ""))
item("000701004000", "林木采伐许可证核发", "01", LM_BASES,
     [at("示范市林业和草原局", CITY, 20, 10, LM_MATERIALS, LM_STEPS, level=3),
      at("示范县林业和草原局", COUNTY, 20, 10, LM_MATERIALS, LM_STEPS,
         special_procedures=[{"name": "伐区现场查验", "days": 5, "counts_in_deadline": True, "description": ""}])]
     + township_impls(20, 10, LM_MATERIALS, LM_STEPS, only=(TOWN, TOWNSHIP)))
item("000705027000", "农村危房改造补助", "05",
     [law("中华人民共和国建筑法", "第三条", "建筑活动应当确保建筑工程质量和安全，符合国家的建筑工程安全标准。"),
      law("住房和城乡建设部 财政部 民政部 国家乡村振兴局关于做好农村低收入群体等重点对象住房安全保障工作的实施意见", "建村〔2021〕35 号",
          "农村低收入群体等重点对象住房安全保障以农村危房改造为主要方式……")],
     [at("示范县住房和城乡建设局", COUNTY, 60, 45, [FORM("农村危房改造申请表"), ID, HUKOU,
                                                  {"name": "房屋危险性鉴定结论", "form": "原件", "copies": 1, "source_channel": "乡镇组织鉴定"},
                                                  {"name": "低收入群体身份证明", "form": "复印件", "copies": 1, "source_channel": "部门共享"}, BANK],
         steps(*VILLAGE_STEPS, ("乡镇审核", 14, "乡镇（街道）", "组织房屋安全鉴定"), ("县级审批", 15, "县住建局", ""),
               ("竣工验收与补助拨付", 15, "县住建局、乡镇", "竣工验收合格后拨付")),
         special_procedures=[{"name": "房屋安全性鉴定", "days": 10, "counts_in_deadline": False, "description": "委托鉴定机构或技术人员"}])])
item("000705028000", "耕地地力保护补贴发放", "05",
     [law("财政部 农业部关于全面推开农业“三项补贴”改革工作的通知", "财农〔2016〕26 号",
          "补贴对象原则上为拥有耕地承包权的种地农民……补贴资金通过“一卡（折）通”直接兑现到户。")],
     township_impls(30, 20, [{"name": "耕地面积申报表", "form": "原件", "copies": 1, "source_channel": "村委会统一组织"}, ID, BANK],
                    steps(*VILLAGE_STEPS, ("村级核实公示", 7, "村委会", ""), ("乡镇审核汇总", 6, "乡镇农业服务中心", ""),
                          ("县级审定发放", 6, "县农业农村局、财政局", ""))))
item("000705029000", "农机购置与应用补贴", "05",
     [law("中华人民共和国农业机械化促进法", "第二十七条", "中央财政、省级财政应当分别安排专项资金，对农民和农业生产经营组织购买国家支持推广的先进适用的农业机械给予补贴。")],
     [at("示范县农业农村局", COUNTY, 30, 20, [FORM("农机购置补贴申请表"), ID,
                                            {"name": "购机发票", "form": "原件", "copies": 1, "source_channel": "经销商开具"},
                                            {"name": "人机合影照片", "form": "电子", "copies": 0, "source_channel": "申请人自备"}, BANK],
         steps(*VILLAGE_STEPS, ("核验", 9, "县农机推广站", "实物核验"), ("审批兑付", 10, "县农业农村局", "")), handling_forms="窗口办理、网上办理")],
     service_object="自然人、企业法人、其他组织")

# --- 公安户政 -------------------------------------------------------------------------------
GA_BASES = lambda article, text: [law("中华人民共和国户口登记条例", article, text)]  # noqa: E731
item("000707002000", "户口迁移（省内）", "07",
     GA_BASES("第十条", "公民迁出本户口管辖区，由本人或者户主在迁出前向户口登记机关申报迁出登记，领取迁移证件，注销户口。"),
     [at("示范县公安局", COUNTY, 10, 5, [HUKOU, ID,
                                      {"name": "迁入地落户证明（房产证明、结婚证、就业证明等）", "form": "复印件", "copies": 1,
                                       "source_channel": "申请人自备", "acceptance_standard": "与迁移类别相符"}],
         steps(*VILLAGE_STEPS, ("派出所审核", 2, "辖区派出所", ""), ("户政审批", 2, "县公安局户政", "")),
         handling_forms="窗口办理、网上办理")])
item("000707003000", "出生登记（新生儿入户）", "07",
     GA_BASES("第七条", "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。"),
     [at("示范县公安局", COUNTY, 5, 1, [{"name": "出生医学证明", "form": "原件", "copies": 1, "source_channel": "助产医疗机构出具"},
                                     {"name": "父母双方居民身份证和户口簿", "form": "原件", "copies": 1, "source_channel": "申请人自备"},
                                     {"name": "父母结婚证", "form": "原件", "copies": 1, "necessity": "情形必需", "condition_text": "父母已登记结婚的",
                                      "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("派出所登记", 0, "辖区派出所", "")), handling_forms="窗口办理、网上办理")])
item("000707004000", "居民身份证申领、换领、补领", "07",
     [law("中华人民共和国居民身份证法", "第八条", "居民身份证由居民常住户口所在地的县级人民政府公安机关签发。"),
      law("国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知", "发改价格〔2003〕2322 号",
          "居民身份证工本费标准为每证 20 元；临时居民身份证工本费标准为每证 10 元。")],
     [at("示范县公安局", COUNTY, 60, 20, [HUKOU, {"name": "原居民身份证", "form": "原件", "copies": 1, "necessity": "情形必需",
                                                 "condition_text": "换领的", "source_channel": "申请人自备"}],
         steps(("受理采集", 0, "户政窗口", "现场采集人像和指纹"), ("制证", 18, "省公安厅制证中心", ""), ("领证", 2, "户政窗口", "可选择邮寄")),
         fees=[{"name": "居民身份证工本费（换领、补领）", "amount": "20", "basis": "发改价格〔2003〕2322 号"}],
         proxy_allowed=False, presence_required=True, handling_forms="窗口办理、快递申请")])
item("000707005000", "居住证核发", "07",
     [law("居住证暂行条例", "第二条", "公民离开常住户口所在地，到其他城市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可以依照本条例的规定申领居住证。"),
      law("居住证暂行条例", "第十条", "公安机关应当自受理之日起 15 日内制作发放居住证。")],
     [at("示范县公安局", COUNTY, 15, 10, [ID, {"name": "居住地住址证明（房屋产权证明、租赁合同等）", "form": "复印件", "copies": 1, "source_channel": "申请人自备"},
                                        {"name": "就业、就读证明", "form": "复印件", "copies": 1, "necessity": "情形必需",
                                         "condition_text": "以就业或就读条件申领的", "source_channel": "用人单位或学校出具"}],
         steps(("受理", 0, "辖区派出所", ""), ("制证", 9, "县公安局", ""), ("发证", 1, "辖区派出所", "")))])

# --- 退役军人 -------------------------------------------------------------------------------
item("000720009000", "退役军人优待证申领", "20",
     [law("中华人民共和国退役军人保障法", "第六十二条", "退役军人依法享有优待……国家建立退役军人优待证制度。")],
     [at("示范县退役军人事务局", COUNTY, 30, 20, [ID, {"name": "退役证件", "form": "复印件", "copies": 1, "source_channel": "申请人自备"},
                                                {"name": "近期二寸免冠彩色照片（电子版）", "form": "电子", "copies": 0, "source_channel": "申请人自备"}],
         steps(*VILLAGE_STEPS, ("信息采集审核", 10, "县退役军人服务中心", ""), ("制发", 9, "省级制证", "")),
         handling_forms="窗口办理、网上办理")])

#: 别名简称 of each item (what villagers and clerks call it): the public and the desk search find the item by them.
SYNONYMS = {
    "农村宅基地审批": "宅基地审批、宅基地申请、批宅基地、建房审批",
    "乡村建设规划许可证核发": "乡村规划许可、建房规划许可、乡村规划证",
    "农村不动产登记（宅基地使用权及房屋所有权）": "房产证、不动产证、宅基地确权、农房登记",
    "林木采伐许可证核发": "采伐证、砍树审批、林木采伐证",
    "最低生活保障审核确认": "低保、低保金、农村低保、城市低保、吃低保",
    "特困人员救助供养审核确认": "特困供养、五保、五保户、特困救助",
    "临时救助": "临时救济、急难救助",
    "高龄津贴发放": "高龄补贴、老年补贴、高龄津贴",
    "困难残疾人生活补贴和重度残疾人护理补贴": "残疾人两项补贴、残补、护理补贴、两项补贴",
    "孤儿基本生活费发放": "孤儿补助、孤儿生活费",
    "惠民殡葬补贴": "丧葬补贴、殡葬补贴、火化补贴",
    "婚姻登记": "领证、结婚证、离婚证",
    "结婚登记": "领结婚证、扯证、结婚证",
    "离婚登记": "离婚证、协议离婚",
    "城乡居民基本养老保险待遇申领": "养老金、领养老金、农村养老金、居民养老",
    "城乡居民医疗救助": "医疗救助、大病救助、看病报销救助",
    "农村部分计划生育家庭奖励扶助": "奖扶、计生奖扶、计划生育奖励",
    "计划生育家庭特别扶助金发放": "特扶、失独家庭扶助、计生特扶",
    "农村危房改造补助": "危房改造、危改、农房改造补助",
    "耕地地力保护补贴发放": "种粮补贴、地力补贴、粮补",
    "农机购置与应用补贴": "农机补贴、买农机补贴",
    "独生子女父母光荣证办理": "独生子女证、光荣证",
    "户口迁移（省内）": "户口、迁户口、户口迁入、落户、户籍迁移",
    "出生登记（新生儿入户）": "户口、上户口、新生儿落户、报户口",
    "居民身份证申领、换领、补领": "身份证、办身份证、补办身份证、换身份证",
    "居住证核发": "居住证、暂住证",
    "残疾人证办理": "残疾证、残疾人证",
    "老年人优待证办理": "老年证、优待证、老人卡",
    "城乡居民基本养老保险参保登记": "社保、养老保险、新农保、居民养老参保",
    "城乡居民基本医疗保险参保登记": "医保、新农合、居民医保、医疗保险参保",
    "异地就医备案": "医保异地备案、异地报销、跨省就医",
    "就业创业证申领": "就业证、失业证、创业证",
    "失业登记": "失业证、登记失业",
    "生育登记": "准生证、生育服务证、二胎登记、三孩登记",
    "退役军人优待证申领": "优待证、军人优待证、退伍军人优待证",
}


EFFECTIVE = date(2025, 1, 1)
#: Items the demo county runs 全程网办; other items with 网上办理 (and these assistance items) are 网上申报+窗口核验.
ONLINE_FULL = {"异地就医备案", "失业登记", "生育登记", "城乡居民基本养老保险参保登记", "城乡居民基本医疗保险参保登记",
               "就业创业证申领", "高龄津贴发放", "临时救助", "最低生活保障审核确认"}
ONLINE_DECLARED = {"最低生活保障审核确认", "高龄津贴发放", "临时救助"}


def online_mode(item_name: str, handling_forms: str) -> str:
    if "网上办理" in handling_forms:
        return "全程网办" if item_name in ONLINE_FULL else "网上申报+窗口核验"
    return "网上申报+窗口核验" if item_name in ONLINE_DECLARED else "仅窗口"


def _uscc(body_name: str) -> str:
    from govkit.catalog.codes import uscc_check_char  # deferred: a build script run by hand; loads govkit only when run

    division = "629900" if body_name.startswith("示范市") else "629901"
    first17 = "11" + division + BODIES[body_name]
    return first17 + uscc_check_char(first17)


def build(session) -> None:
    """Create the demo items in ``session`` (divisions must exist) and publish them."""
    from govkit.catalog import services  # deferred: a build script run by hand; loads govkit only when run

    for spec in ITEMS:
        item_obj = services.create_item(session, basic_code=spec["basic_code"], name=spec["name"],
                                        synonyms=SYNONYMS.get(spec["name"]),
                                        item_type=spec["item_type"], service_object=spec["service_object"],
                                        exercise_level=spec["exercise_level"], parent_code=spec["parent_code"],
                                        legal_bases=spec["legal_bases"], source="import")
        for impl in spec["impls"]:
            body = impl["body"]
            level = impl["level"] or 4
            window, phone = WINDOWS.get(body, ("便民服务中心综合窗口", None))
            township = impl["division"] in TOWNSHIPS
            extra = dict(impl["extra"])
            specials = extra.pop("special_procedures", [])
            name = impl.get("name") or item_obj.name
            extra.setdefault("online_mode", online_mode(item_obj.name, extra.get("handling_forms", "窗口办理")))
            obj = services.create_implementation(
                session, item_obj, code=f"{_uscc(body)}{level}{item_obj.basic_code}", name=name,
                division_code=impl["division"], department=("便民服务中心" if township else body),
                implementing_body=body, legal_days=impl["legal"], promised_days=impl["promised"], kind=impl["kind"],
                conditions=extra.pop("conditions", None) or f"符合《{spec['legal_bases'][0]['law']}》规定条件的申请人。",
                consult_phone=phone or f"0930-82{impl['division'][6:9]}01", complaint_phone=COMPLAINT,
                place=(f"{body}便民服务中心综合窗口" if township else f"示范县政务服务中心{window}"), hours=HOURS,
                materials=impl["materials"], steps=impl["steps"], fees=impl["fees"], special_procedures=specials,
                source="import", **extra)
            services.publish(session, obj, effective_from=EFFECTIVE)


def main() -> None:  # pragma: no cover - maintenance script
    import tempfile  # deferred: a build script run by hand; loads govkit only when run

    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    import govkit.models  # noqa: F401
    from govkit.catalog.transfer import export_catalog
    from govkit.db import metadata
    from govkit.hierarchy.models import Division
    from govkit.hierarchy.codes import level_of, parent_code

    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{folder}/demo.db")
        metadata.create_all(engine)
        with Session(engine) as session:
            for code in ("620000000000", CITY, COUNTY, STREET, TOWN, TOWNSHIP):
                parent = parent_code(code)
                parent_id = session.scalar(sa.select(Division.id).where(Division.code == parent)) if parent else None
                session.add(Division(code=code, name=code, level=level_of(code), parent_id=parent_id))
                session.flush()
            build(session)
            session.commit()
            data = export_catalog(session, "json")
        engine.dispose()
    target = Path(__file__).with_name("demo_catalog.json")
    target.write_bytes(data)
    count = sum(len(spec["impls"]) for spec in ITEMS)
    print(f"{target}: {len(ITEMS)} items, {count} implementations")


if __name__ == "__main__":  # pragma: no cover
    main()
