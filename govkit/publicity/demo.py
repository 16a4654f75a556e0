"""Demo data for publicity: the disclosure catalogue of seed 004 and a few published entries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.publicity import disclosures
from govkit.publicity.models import Disclosure, DisclosureCategory

SAMPLES = (
    ("1.1.4", "{county}2026年财政预算执行情况", "全县一般公共预算收入、支出执行情况及重点支出安排（示例数据）。"),
    ("1.1.5", "{county}行政事业性收费项目目录", "本县保留的行政事业性收费项目、收费依据和标准（示例数据）。"),
    ("1.2.50", "{county}农村最低生活保障资金发放情况（第三季度）",
     "各乡镇农村低保对象人数和资金发放情况（示例数据）。"),
)


def seed_demo(session: Session, county_code: str) -> int:
    """Seed the catalogue and publish the sample entries once; return the entries added."""
    disclosures.seed_categories(session)
    county = session.scalar(select(Division).where(Division.code == county_code))
    if county is None or session.scalar(select(Disclosure.id).limit(1)) is not None:
        return 0
    system = Scope.unrestricted(roles=frozenset({"Admin", disclosures.REVIEWER_ROLE}))
    added = 0
    for code, title, content in SAMPLES:
        category = session.scalar(select(DisclosureCategory).where(DisclosureCategory.code == code))
        if category is None:
            continue
        entry = disclosures.create_draft(session, system, title=title.format(county=county.name),
                                         category_id=category.id, division_code=county.code, content=content,
                                         author="演示数据")
        disclosures.submit(session, system, entry)
        disclosures.approve(session, system, entry, approver_name="演示审核人")
        disclosures.publish(session, system, entry)
        added += 1
    session.flush()
    return added
