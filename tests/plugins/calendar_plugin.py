"""Fake county plugin: a local closure day (县城防汛停工) via ``register_calendar_overrides``."""
from datetime import date

from govkit import hookimpl
from govkit.cases.calendar import DayOverride

CLOSURE = date(2026, 7, 15)  # a Wednesday


@hookimpl
def register_calendar_overrides(settings):
    return [DayOverride(CLOSURE, False, "县城防汛停工")]
