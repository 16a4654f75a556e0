"""Fake county plugins for ``case_event_committed``: one records, one always raises."""
from govkit import hookimpl


class Recorder:
    """Collects every committed event (e.g. the SMS gateway of a county)."""

    def __init__(self):
        self.events = []

    @hookimpl
    def case_event_committed(self, event, settings):
        self.events.append(event)


class Broken:
    """A plugin whose notification service is down."""

    @hookimpl
    def case_event_committed(self, event):
        raise ConnectionError("短信网关无法连接")
