"""三级四同 report: the same item at city, county and township level has the same
name (名称), code (编码: the basic-code part of the implementation code), legal basis
(设定依据) and type (事项类型).

For each county the chain is: the implementations at its city, at the county itself and at
its townships (published versions only). An item is *compared* when it has at least two
implementations in the chain; the *reference* is the highest-level one (city, else county,
else the township with the lowest code) and every other implementation is checked against it
on the four elements. An item is *consistent* (同一) when no element of any implementation
differs. 同一率 = consistent items ÷ compared items. Every differing element is listed.
"""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govkit.catalog.models import Implementation, ImplementationStatus, ServiceItem
from govkit.hierarchy.models import Division, DivisionLevel
from govkit.hierarchy.scope import Scope
from govkit.spreadsheet import csv_writer

ELEMENTS = ("名称", "编码", "设定依据", "类型")
LEVEL_LABELS = {DivisionLevel.CITY: "市级", DivisionLevel.COUNTY: "县级", DivisionLevel.TOWNSHIP: "乡级"}


@dataclass(frozen=True)
class Deviation:
    """One element of one implementation that differs from the reference implementation."""

    county_code: str
    basic_code: str
    item_name: str
    element: str
    implementation_code: str
    division_code: str
    division_name: str
    level: str
    expected: str
    actual: str
    reference_division: str


@dataclass
class CountyConsistency:
    """三级四同 figures of one county."""

    county_code: str
    county_name: str
    compared: int = 0
    consistent: int = 0
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """同一率 in 0–1, ``None`` when no item is implemented at two places of the chain."""
        return self.consistent / self.compared if self.compared else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


def _elements(impl: Implementation) -> dict[str, str]:
    return {
        "名称": impl.name.strip(),
        "编码": impl.basic_code,
        "设定依据": "".join(impl.effective_legal_basis.split()),
        "类型": impl.effective_item_type,
    }


def _county_codes(session: Session, scope: Scope | None) -> list[Division]:
    query = select(Division).where(Division.level == DivisionLevel.COUNTY).order_by(Division.code)
    counties = list(session.scalars(query))
    if scope is None or scope.is_unrestricted:
        return counties
    # Counties inside the scope, or the county that contains a township/village user's scope.
    return [c for c in counties if scope.covers(c.code) or (scope.prefix or "").startswith(c.code[:6])]


def consistency_report(session: Session, scope: Scope | None = None) -> list[CountyConsistency]:
    """三级四同 per county (within ``scope``); deviations of rows outside the scope are left out."""
    impls = session.scalars(
        select(Implementation).join(Implementation.division)
        .where(Implementation.status == ImplementationStatus.PUBLISHED.value,
               Division.level.in_([DivisionLevel.CITY, DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP]))
        .options(selectinload(Implementation.division),
                 selectinload(Implementation.item).selectinload(ServiceItem.legal_bases))
        .order_by(Implementation.code))
    by_division: dict[str, list[Implementation]] = defaultdict(list)
    for impl in impls:
        by_division[impl.division.code].append(impl)

    results = []
    for county in _county_codes(session, scope):
        result = CountyConsistency(county.code, county.name)
        city_code = county.code[:4] + "0" * 8
        chain = list(by_division.get(city_code, [])) + list(by_division.get(county.code, []))
        chain += [i for code, rows in sorted(by_division.items()) if code.startswith(county.code[:6])
                  and code != county.code for i in rows]
        per_item: dict[int, list[Implementation]] = defaultdict(list)
        for impl in chain:
            per_item[impl.item_id].append(impl)  # already ordered city → county → townships
        for item_id in sorted(per_item, key=lambda i: per_item[i][0].item.basic_code):
            rows = per_item[item_id]
            if len(rows) < 2:
                continue
            result.compared += 1
            reference, expected = rows[0], _elements(rows[0])
            found = False
            for impl in rows[1:]:
                actual = _elements(impl)
                for element in ELEMENTS:
                    if actual[element] == expected[element]:
                        continue
                    found = True
                    if scope is not None and not scope.covers(impl.division.code):
                        continue
                    result.deviations.append(Deviation(
                        county.code, impl.item.basic_code, impl.item.name, element, impl.code, impl.division.code,
                        impl.division.name, LEVEL_LABELS.get(impl.division.level, str(impl.division.level)),
                        expected[element], actual[element], reference.division.name))
            if not found:
                result.consistent += 1
        results.append(result)
    return results


def report_csv(report: list[CountyConsistency]) -> bytes:
    """The report as CSV (UTF-8 with BOM for Excel): one summary block, then every deviation."""
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(["县（区）代码", "县（区）", "比对事项数", "同一事项数", "同一率"])
    for county in report:
        writer.writerow([county.county_code, county.county_name, county.compared, county.consistent,
                         county.rate_text])
    writer.writerow([])
    writer.writerow(["县（区）代码", "基本编码", "事项名称", "不一致要素", "实施编码", "实施区划代码", "实施区划",
                     "层级", "参照值", "实际值", "参照区划"])
    for county in report:
        for d in county.deviations:
            writer.writerow([d.county_code, d.basic_code, d.item_name, d.element, d.implementation_code,
                             d.division_code, d.division_name, d.level, d.expected, d.actual, d.reference_division])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
