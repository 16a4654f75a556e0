"""Beijing time (北京时间): the one time zone every date govkit shows, counts or numbers by.

Stored instants are UTC (``orm.UTCDateTime``; SQLite hands them back naive, meaning UTC). A case
received at 23:30 UTC was received the next day in the county, and its deadline, its number, its
documents and the public timeline all count from that local day. Every unit that turns an instant
into a day, or a day into an instant, does it here — never with a fixed ``+8`` offset of its own.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TZ", "local_date", "day_start"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_date(value: datetime | None = None) -> date:
    """The date in Beijing of an instant (now when not given); naive instants are UTC."""
    value = value or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).date()


def day_start(day: date) -> datetime:
    """The start of a Beijing day as a UTC instant, for comparing with stored times."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
