"""The fixed statutory holidays (全体公民放假的节日) of a year without a published schedule.

国务院《全国年节及纪念日放假办法》（2024年11月10日国务院令第795号修订，2025年1月1日起施行）
第二条 — 全体公民放假的节日:

* 元旦 1 day (1月1日); 春节 4 days (农历除夕、正月初一至初三); 清明节 1 day (农历清明当日);
* 劳动节 2 days (5月1日、2日); 端午节 1 day (农历端午当日); 中秋节 1 day (农历中秋当日);
* 国庆节 3 days (10月1日至3日).

These days are certain before the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的
通知) is out, so a provisional calendar treats them as holidays. What only the notice fixes is not
guessed: the 补假 for a holiday falling on a Saturday or Sunday and the 调休 (weekend workdays and
bridging days). A date counted through such a year therefore stays 暂定 until the year is entered
or ``chinesecalendar`` ships it.

Lunar dates (除夕, 端午 = 五月初五, 中秋 = 八月十五) come from ``lunar_python``; 清明 is a solar
term and comes from ``chinesecalendar``'s solar-term table. No hand-written lunar tables.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar

#: First year the 2024 revision's holidays apply (春节 and 劳动节 each gained a day).
FIRST_YEAR = 2025


def _lunar(year: int, month: int, day: int) -> date:
    # Imported here: lunar_python loads large tables (~45 ms) and only unpublished years need it.
    from lunar_python import Lunar  # deferred: large tables, needed only for unpublished years

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


@lru_cache(maxsize=32)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """``{date: 节日名称}`` of the seven statutory holidays of ``year`` (放假办法 第二条).

    Only the days the regulation itself fixes: no 补假, no 调休. Read-only (cached per year).
    """
    new_year = _lunar(year, 1, 1)
    days = {date(year, 1, 1): "元旦"}
    days.update({new_year + timedelta(days=offset): "春节" for offset in range(-1, 3)})  # 除夕 … 初三
    days[_qingming(year)] = "清明节"
    days.update({date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"})
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for day in (1, 2, 3):
        days.setdefault(date(year, 10, day), "国庆节")  # 中秋 may fall on 10-01…10-03 (2028: 10-03)
    return MappingProxyType(dict(sorted(days.items())))


def describe(year: int) -> str:
    """``元旦 1月1日；春节 2月5日—2月8日；…`` — what a provisional ``year`` treats as holidays."""
    spans: list[tuple[str, date, date]] = []
    for day, name in statutory_holidays(year).items():
        if spans and spans[-1][0] == name and spans[-1][2] + timedelta(days=1) == day:
            spans[-1] = (name, spans[-1][1], day)
        else:
            spans.append((name, day, day))
    return "；".join(f"{name} {_md(first)}" + (f"—{_md(last)}" if last != first else "")
                    for name, first, last in spans)


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"
