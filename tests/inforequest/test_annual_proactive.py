"""年度报告 二、主动公开政府信息情况 (政府信息公开条例第五十条第（一）项): a hand-counted year of disclosures and
行政许可 decisions — edges of the Beijing calendar year, withdrawals, drafts, another town, a department organ —
on the page and in the CSV; what govkit does not hold shows —."""
from datetime import datetime, timedelta, timezone

import pytest

from govkit.inforequest import proactive
from tests.inforequest.test_inforequest import _setup
from tests.organ_fixtures import add_organ
from tests.publicity.world import make_case

pytestmark = pytest.mark.both_backends

CHINA = timezone(timedelta(hours=8))


def beijing(*parts) -> datetime:
    return datetime(*parts, tzinfo=CHINA).astimezone(timezone.utc)


def _disclose(session, world, category, title, published=None, withdrawn=None, *, state=None, division=None,
              unit="城关镇党政办"):
    from govkit.publicity.models import Disclosure

    division = division or world.town
    entry = Disclosure(title=title, category_id=category.id, division_id=division.id, division_code=division.code,
                       responsible_unit=unit, content="", published_at=published, withdrawn_at=withdrawn,
                       state=state or ("已撤回" if withdrawn else "已发布" if published else "草稿"))
    session.add(entry)
    return entry


def _decide(session, world, to_state, at):
    """A case of the town's item decided (准予/不予许可) at ``at``."""
    from govkit.cases.models import CaseEvent

    case = make_case(session, world, state=to_state, events=(("register", "registered"), ("decide", to_state)))
    event = session.query(CaseEvent).filter_by(case_id=case.id, to_state=to_state).one()
    event.at, event.from_state = at, "examining"


def test_proactive_tables_count_the_year_by_hand(app, client, login_as):
    from govkit.db import db
    from govkit.publicity.models import DisclosureCategory

    world, organ, _other, _calendar, _issuer = _setup(app)
    rules = DisclosureCategory(code="A01", name="行政规范性文件")
    budget = DisclosureCategory(code="B01", name="财政预决算")
    db.session.add_all([rules, budget])
    db.session.flush()
    _disclose(db.session, world, rules, "规范性文件一", beijing(2025, 3, 1, 9))  # 制发, 有效
    _disclose(db.session, world, rules, "规范性文件二", beijing(2024, 6, 1, 9), beijing(2025, 5, 1, 9))  # 废止
    _disclose(db.session, world, rules, "规范性文件三", beijing(2024, 12, 31, 23, 30))  # last year, 有效
    _disclose(db.session, world, budget, "预算一", beijing(2025, 12, 31, 23, 30))  # 2025 in Beijing: 制发, 有效
    _disclose(db.session, world, budget, "预算二", beijing(2026, 1, 1, 0, 30))  # 2026 in Beijing (2025 in UTC)
    _disclose(db.session, world, budget, "预算三", beijing(2025, 2, 1, 9), beijing(2026, 1, 5, 9))  # 制发, 有效
    _disclose(db.session, world, budget, "预算草稿")  # a draft counts nowhere
    _disclose(db.session, world, budget, "河西乡预算", beijing(2025, 4, 1, 9), division=world.other_town)
    _disclose(db.session, world, budget, "民政局的预算", beijing(2025, 4, 1, 9), unit="示范县民政办")
    world.item.item_type = "01"  # 行政许可
    _decide(db.session, world, "approved", beijing(2025, 3, 2, 10))
    _decide(db.session, world, "denied", beijing(2025, 7, 2, 10))
    _decide(db.session, world, "approved", beijing(2026, 1, 1, 1))  # 2026 in Beijing
    _decide(db.session, world, "approved", beijing(2024, 12, 31, 22))  # 2024
    db.session.commit()

    data = proactive.proactive_report(db.session, organ, 2025)
    rows = {r.label: (r.issued, r.abolished, r.in_force) for r in data.by_type}
    # The 民政办 is no organ yet: its entry is the town government's.
    assert rows == {"行政规范性文件": (1, 1, 2), "财政预决算": (3, 0, 3)}
    assert (data.total.issued, data.total.abolished, data.total.in_force) == (4, 1, 5)
    assert [(r.label, r.issued, r.abolished, r.in_force) for r in data.template] == [
        ("规章", None, None, None), ("行政规范性文件", 1, 1, 2)]
    assert dict(data.decisions()) == {"行政许可": 2, "行政处罚": None, "行政强制": None, "行政事业性收费（万元）": None}

    # A department organ of its own takes its entries and its implementations' decisions from the government.
    department_organ = add_organ(db.session, world.town, world.department, name="城关镇民政办公室")
    world.department.name = "示范县民政办"
    db.session.commit()
    town = proactive.proactive_report(db.session, organ, 2025)
    assert {r.label: r.issued for r in town.by_type} == {"行政规范性文件": 1, "财政预决算": 2}
    assert town.licensing_decisions == 0
    own = proactive.proactive_report(db.session, department_organ, 2025)
    assert [(r.label, r.issued, r.in_force) for r in own.by_type] == [("财政预决算", 1, 1)]
    assert own.licensing_decisions == 2
    world.impl.item_type = "05"  # the implementation's own type overrides the item's: not a 行政许可
    db.session.commit()
    assert proactive.proactive_report(db.session, department_organ, 2025).licensing_decisions == 0

    login_as("公开审核", world.town.code)
    page = client.get(f"/foi/annual/?organ={organ.id}&year=2025").get_data(as_text=True)
    assert "二、主动公开政府信息情况" in page and "三、收到和处理政府信息公开申请情况" in page
    assert "<td>按公开类别：财政预决算</td><td>2</td><td>0</td><td>2</td>" in page
    assert "<td>第二十条第（一）项：规章</td><td>—</td><td>—</td><td>—</td>" in page
    assert "<td>行政处罚</td><td>—</td>" in page
    csv = client.get(f"/foi/annual/csv?organ={organ.id}&year=2025").get_data(as_text=True)
    assert "第二十条第（一）项：行政规范性文件,1,1,2" in csv and "按公开类别：合计,3,1,4" in csv
    assert "第二十条第（一）项：规章,—,—,—" in csv and "行政许可,0" in csv and "行政事业性收费（万元）,—" in csv
    assert csv.index("二、主动公开") < csv.index("三、收到和处理") < csv.index("行政复议：结果维持")
