"""The demo county's staff accounts (演示账号): one or more for every duty role."""
from __future__ import annotations

from dataclasses import dataclass

COUNTY = "629901000000"
CITY = "629900000000"
PASSWORD = "demo1234"


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: str  # a duty role or "Admin"
    division_code: str
    department: str | None = None
    password: str = PASSWORD
    note: str = ""


#: Accounts listed on the start page and in the README. Every village also gets a
#: 受理员 ``slr<last 6 digits>`` and a 代办员 ``dby<last 6 digits>`` (password demo1234).
ACCOUNTS: tuple[Account, ...] = (
    Account("admin", "系统管理员", "Admin", COUNTY, password="admin1234", note="全部功能"),
    Account("catalog", "赵事项", "事项管理员", COUNTY, note="事项目录、实施清单"),
    Account("dispatch", "钱调度", "指挥中心", COUNTY, note="县指挥中心：签收、分派"),
    Account("head", "刘负责", "机关负责人", COUNTY, note="县实施机关负责人：批准延期（行政许可法第四十二条）"),
    Account("supervisor", "孙监察", "监察", COUNTY, note="电子监察：红黄牌、好差评、投诉"),
    Account("publicity", "李公开", "公开审核", COUNTY, note="政府信息公开审核"),
    Account("mz_handler", "周民政", "办理员", COUNTY, "示范县民政局", note="县民政局窗口"),
    Account("rs_handler", "吴人社", "办理员", COUNTY, "示范县人力资源和社会保障局", note="县人社局窗口"),
    Account("county_intake", "郑受理", "受理员", COUNTY, note="县政务服务中心综合受理"),
    Account("qh_handler", "王清河", "办理员", "629901101000", "便民服务中心", note="清河镇便民服务中心"),
    Account("qh_intake", "冯清河", "受理员", "629901101000", note="清河镇受理"),
    Account("qh_dispatch", "陈清河", "指挥中心", "629901101000", note="清河镇签收分派"),
    Account("qh_head", "何清河", "机关负责人", "629901101000", note="清河镇负责人：批准延期"),
    Account("qh_supervisor", "冯监察", "监察", "629901101000", note="清河镇电子监察：督办单，逾期升级至县"),
    Account("sl_handler", "褚石岭", "办理员", "629901201000", "便民服务中心", note="石岭乡便民服务中心"),
    Account("sl_intake", "卫石岭", "受理员", "629901201000", note="石岭乡受理"),
    Account("sl_dispatch", "蒋石岭", "指挥中心", "629901201000", note="石岭乡签收分派"),
    Account("cg_handler", "沈城关", "办理员", "629901001000", "便民服务中心", note="城关街道便民服务中心"),
    Account("cg_intake", "韩城关", "受理员", "629901001000", note="城关街道受理"),
    Account("cg_dispatch", "杨城关", "指挥中心", "629901001000", note="城关街道签收分派"),
    Account("city_dispatch", "朱示范", "指挥中心", CITY, note="示范市政务服务中心"),
    Account("city_handler", "秦示范", "办理员", CITY, note="示范市（市级事项）"),
    Account("city_supervisor", "邹示范", "监察", CITY, note="示范市电子监察：县里逾期升级到市的督办单"),
    Account("slr101202", "柳湾村受理员", "受理员", "629901101202", note="柳湾村便民服务站"),
    Account("dby101202", "柳湾村代办员", "代办员", "629901101202", note="柳湾村代办"),
)


def village_accounts(village_code: str, village_name: str) -> tuple[Account, Account]:
    suffix = village_code[-6:]
    short = village_name.replace("村委会", "村").replace("社区居委会", "社区")
    return (Account(f"slr{suffix}", f"{short}受理员", "受理员", village_code),
            Account(f"dby{suffix}", f"{short}代办员", "代办员", village_code))


def login_lines() -> list[str]:
    """The demo logins, one line each (printed by ``govkit demo``)."""
    lines = [f"{a.username:<14} {a.password:<10} {a.role:<6} {a.name}（{a.note}）" for a in ACCOUNTS]
    lines.append("每个村（社区）另有受理员 slr<区划代码后6位> 和代办员 dby<区划代码后6位>，密码均为 demo1234。")
    return lines
